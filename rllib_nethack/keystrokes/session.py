"""A seeded NetHack game driven one keystroke at a time.

:class:`Session` is the Python face of the keystroke interface that
:mod:`rllib_nethack.serve` (agents) and :mod:`rllib_nethack.play` (people) put
on the wire. It builds its game with ``make_env("nethack_seeded")``, the same
env RLlib trains on, so seed ``k`` here is exactly the game a policy is
evaluated on as ``reset(options={"task_seed": k})``: one dungeon, character and
inventory per seed, the full 121-key action set, reward = in-game score delta.

Every step returns a :class:`StepResult` with text an agent can read (the 24
terminal lines, the message, named player stats) rather than NLE's arrays. A
keystroke that is not one of NLE's keys raises before the game sees it, so a
typo never costs a game turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np
from nle import nethack
from numpy.typing import NDArray

from rllib_nethack.envs.catalog import SEEDED_SUITE_SIZE, SEEDED_TASK
from rllib_nethack.envs.factory import make_env
from rllib_nethack.envs.nle_access import base_env, ttyrec_path, xlogfile_path
from rllib_nethack.envs.options import MAX_EPISODE_STEPS, SEED_BOUND
from rllib_nethack.envs.wrappers.episode_stats import END_KEY, STATS_KEY
from rllib_nethack.errors import RllibNethackError, check_int
from rllib_nethack.keystrokes.commands import CommandInfo, commands
from rllib_nethack.keystrokes.keymap import action_index, key_name, parse_key

#: The observations a session reads from the env.
OBSERVATION_KEYS = ("tty_chars", "tty_colors", "tty_cursor", "blstats", "message")

# NetHack's hunger states (u.uhs), encumbrance levels and alignments, as the
# status line words them ("Not hungry" is shown as nothing on the status line).
HUNGER_STATES = ("Satiated", "Not hungry", "Hungry", "Weak", "Fainting", "Fainted", "Starved")
ENCUMBRANCE = ("Unencumbered", "Burdened", "Stressed", "Strained", "Overtaxed", "Overloaded")
_ALIGNMENTS = {-1: "Chaotic", 0: "Neutral", 1: "Lawful"}
_CONDITIONS = (
    ("Stone", nethack.BL_MASK_STONE),
    ("Slime", nethack.BL_MASK_SLIME),
    ("Strangled", nethack.BL_MASK_STRNGL),
    ("FoodPois", nethack.BL_MASK_FOODPOIS),
    ("TermIll", nethack.BL_MASK_TERMILL),
    ("Blind", nethack.BL_MASK_BLIND),
    ("Deaf", nethack.BL_MASK_DEAF),
    ("Stun", nethack.BL_MASK_STUN),
    ("Conf", nethack.BL_MASK_CONF),
    ("Hallu", nethack.BL_MASK_HALLU),
    ("Lev", nethack.BL_MASK_LEV),
    ("Fly", nethack.BL_MASK_FLY),
    ("Ride", nethack.BL_MASK_RIDE),
)


class SessionError(RllibNethackError, RuntimeError):
    """A session used out of turn: a step after the game ended or after close()."""


def check_seed(seed: object, *, suite: bool = True) -> int:
    """Validate a seed of the seeded suite (``0 .. 999``), or with ``suite=False``
    any game of the seeded task (``0 .. 2**63 - 1``).

    Seeds past the suite are for games no agent has seen: a policy cloned from
    recordings of the whole suite is compared with its demonstrator on them.
    The keystroke servers (MCP, JSON lines) and ``play`` keep to the suite.

    Raises:
        ConfigError: naming the allowed range.
    """
    if suite:
        return check_int("seed (of the seeded suite)", seed, 0, SEEDED_SUITE_SIZE - 1)
    return check_int("seed (of the seeded task)", seed, 0, SEED_BOUND)


def check_max_steps(max_steps: object) -> int:
    """Validate a step limit (``1 .. 1_000_000``).

    Raises:
        ConfigError: naming the allowed range.
    """
    return check_int("max_steps", max_steps, 1, MAX_EPISODE_STEPS)


def _strength(str125: int) -> str:
    # NetHack encodes 18/xx strength as 18 + xx; 18/100 is shown as 18/**.
    if str125 <= 18:
        return str(str125)
    if str125 < 118:
        return f"18/{str125 - 18:02d}"
    if str125 == 118:
        return "18/**"
    return str(str125 - 100)


@dataclass(frozen=True)
class PlayerStats:
    """The bottom-line statistics of the hero, decoded from NLE's ``blstats``.

    Attributes:
        x, y: The hero's map position (column 0-78, row 0-20; screen row is y + 1).
        strength: As on the status line (``"18/03"``).
        dexterity, constitution, intelligence, wisdom, charisma: Attributes.
        score: The in-game score (the reward is its change).
        hp, max_hp: Hit points.
        energy, max_energy: Spell power.
        ac: Armor class (lower is better).
        gold: Gold carried.
        depth: Dungeon depth (1 is the top level).
        dungeon, level: NetHack's dungeon number and level within it.
        xl: Experience level.
        experience: Experience points.
        turn: The game turn counter.
        hunger: ``"Satiated"``, ``"Not hungry"``, ``"Hungry"``, ``"Weak"``, ...
        encumbrance: ``"Unencumbered"``, ``"Burdened"``, ...
        alignment: ``"Lawful"``, ``"Neutral"`` or ``"Chaotic"``.
        conditions: Status effects shown on the status line (``"Blind"``, ``"Conf"``).
    """

    x: int
    y: int
    strength: str
    dexterity: int
    constitution: int
    intelligence: int
    wisdom: int
    charisma: int
    score: int
    hp: int
    max_hp: int
    energy: int
    max_energy: int
    ac: int
    gold: int
    depth: int
    dungeon: int
    level: int
    xl: int
    experience: int
    turn: int
    hunger: str
    encumbrance: str
    alignment: str
    conditions: tuple[str, ...]

    @classmethod
    def from_blstats(cls, blstats: NDArray[Any]) -> PlayerStats:
        """Decode NLE's ``blstats`` vector."""
        b = [int(v) for v in blstats]
        hunger, cap = b[nethack.NLE_BL_HUNGER], b[nethack.NLE_BL_CAP]
        condition = b[nethack.NLE_BL_CONDITION]
        return cls(
            x=b[nethack.NLE_BL_X],
            y=b[nethack.NLE_BL_Y],
            strength=_strength(b[nethack.NLE_BL_STR125]),
            dexterity=b[nethack.NLE_BL_DEX],
            constitution=b[nethack.NLE_BL_CON],
            intelligence=b[nethack.NLE_BL_INT],
            wisdom=b[nethack.NLE_BL_WIS],
            charisma=b[nethack.NLE_BL_CHA],
            score=b[nethack.NLE_BL_SCORE],
            hp=b[nethack.NLE_BL_HP],
            max_hp=b[nethack.NLE_BL_HPMAX],
            energy=b[nethack.NLE_BL_ENE],
            max_energy=b[nethack.NLE_BL_ENEMAX],
            ac=b[nethack.NLE_BL_AC],
            gold=b[nethack.NLE_BL_GOLD],
            depth=b[nethack.NLE_BL_DEPTH],
            dungeon=b[nethack.NLE_BL_DNUM],
            level=b[nethack.NLE_BL_DLEVEL],
            xl=b[nethack.NLE_BL_XP],
            experience=b[nethack.NLE_BL_EXP],
            turn=b[nethack.NLE_BL_TIME],
            hunger=HUNGER_STATES[hunger] if 0 <= hunger < len(HUNGER_STATES) else str(hunger),
            encumbrance=ENCUMBRANCE[cap] if 0 <= cap < len(ENCUMBRANCE) else str(cap),
            alignment=_ALIGNMENTS.get(b[nethack.NLE_BL_ALIGN], str(b[nethack.NLE_BL_ALIGN])),
            conditions=tuple(name for name, mask in _CONDITIONS if condition & mask),
        )


@dataclass(frozen=True)
class StepResult:
    """What an agent sees after a reset or a keystroke.

    Attributes:
        seed: The game's seed (0-999).
        key: The canonical keystroke that was sent (``None`` after a reset).
        screen: The terminal as 24 lines of text (trailing blanks removed).
        cursor: The terminal cursor as (row, column); on the map it marks the hero.
        message: The top-line message (empty if none).
        stats: The hero's statistics. On the step that ends the game NetHack
            has already cleared them, so they are those of the last move before.
        reward: The change in in-game score made by this step.
        done: Whether the episode is over (no more steps until a reset).
        reason: How it ended: ``"death"``, ``"ascended"``, ``"quit"``,
            ``"truncated"`` (the step limit) or ``"success"``; ``None`` while playing.
        death_cause: NetHack's words for a death ("killed by a jackal"), else ``None``.
        steps: Keystrokes sent to the game since the reset.
        episode_stats: The episode statistics (score, turns, depth, ...) once done.
    """

    seed: int
    key: str | None
    screen: tuple[str, ...]
    cursor: tuple[int, int]
    message: str
    stats: PlayerStats
    reward: float
    done: bool
    reason: str | None
    death_cause: str | None
    steps: int
    episode_stats: dict[str, float] | None = None

    @property
    def text(self) -> str:
        """The screen as one string."""
        return "\n".join(self.screen)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples)."""
        data = asdict(self)
        data["screen"] = list(self.screen)
        data["cursor"] = list(self.cursor)
        data["stats"]["conditions"] = list(self.stats.conditions)
        data["episode_stats"] = dict(self.episode_stats) if self.episode_stats else None
        return data


class Recording(NamedTuple):
    """Where NLE writes the game in play: its ttyrec and the xlogfile shared by the savedir."""

    ttyrec: str
    xlogfile: str


class Terminal(NamedTuple):
    """The raw terminal of the current step, for renderers that want colours."""

    chars: NDArray[np.uint8]
    colors: NDArray[np.int8]
    cursor: tuple[int, int]


def _text(row: NDArray[np.uint8]) -> str:
    return bytes(row).decode("latin-1")


class Session:
    """One seeded NetHack game, played by keystrokes.

    Args:
        seed: Which game of the seeded suite (0-999). The same seed and the same
            keystrokes always give the same screens.
        max_steps: Keystrokes before the episode is truncated (at most 1e6).
        savedir: Record every game as NLE does (``nle.<pid>.<k>.ttyrec3.bz2``
            and an xlogfile line for each game that ends) into this folder.
        suite: Keep seeds to the suite (0-999); False admits any seed of the
            seeded task (see :func:`check_seed`).

    Example::

        with Session(seed=7) as game:
            result = game.step("i")          # open the inventory
            result = game.step("escape")     # close it
            result = game.step("ctrl+d")     # kick: NetHack asks for a direction

    Raises:
        ConfigError: ``seed`` or ``max_steps`` out of range.
    """

    def __init__(
        self,
        seed: int = 0,
        max_steps: int = MAX_EPISODE_STEPS,
        savedir: str | None = None,
        *,
        suite: bool = True,
    ) -> None:
        self._suite = suite
        self._seed = check_seed(seed, suite=suite)
        self.max_steps = check_max_steps(max_steps)
        recording = {"savedir": savedir, "save_ttyrec_every": 1} if savedir else {}
        self._env = make_env(
            SEEDED_TASK,
            max_episode_steps=self.max_steps,
            observation_keys=list(OBSERVATION_KEYS),
            **recording,
        )
        self._obs: dict[str, Any] = {}
        self._closed = False
        try:
            self._last = self.reset(self._seed)
        except BaseException:
            self._env.close()
            raise

    @property
    def seed(self) -> int:
        """The seed of the game in play."""
        return self._seed

    @property
    def last(self) -> StepResult:
        """The result of the latest reset or step (the current state of the game)."""
        return self._last

    @property
    def recording(self) -> Recording | None:
        """The files of the game in play, when the session was given a ``savedir``."""
        base = base_env(self._env)
        ttyrec = ttyrec_path(base)
        return Recording(ttyrec, xlogfile_path(base)) if ttyrec else None

    @property
    def done(self) -> bool:
        """Whether the episode is over."""
        return self._last.done

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def reset(self, seed: int | None = None) -> StepResult:
        """Start game ``seed`` (default: replay the current seed) from its first screen.

        Raises:
            ConfigError: ``seed`` out of range.
            SessionError: the session is closed.
        """
        self._check_open()
        if seed is not None:
            self._seed = check_seed(seed, suite=self._suite)
        self._obs, _ = self._env.reset(options={"task_seed": self._seed})
        self._last = self._result(key=None, reward=0.0, done=False, info={}, steps=0)
        return self._last

    def step(self, key: str) -> StepResult:
        """Send one keystroke (``"k"``, ``"ctrl+d"``, ``"escape"``, ``"kick"``, ...).

        Raises:
            KeystrokeError: ``key`` is not one of NLE's keys (nothing is sent).
            SessionError: the game is over (call :meth:`reset`) or the session is closed.
        """
        self._check_open()
        code = parse_key(key)
        if self._last.done:
            raise SessionError(
                f"game {self._seed} is over ({self._last.reason}); call reset() to play again"
            )
        obs, reward, terminated, truncated, info = self._env.step(action_index(code))
        self._obs = obs
        self._last = self._result(
            key=key_name(code),
            reward=float(reward),
            done=bool(terminated or truncated),
            info=info,
            steps=self._last.steps + 1,
        )
        return self._last

    def commands(self) -> Mapping[str, tuple[CommandInfo, ...]]:
        """Every accepted command, grouped by category (see :mod:`.commands`)."""
        return commands()

    def terminal(self) -> Terminal:
        """The terminal characters, colours and cursor of the current step (copies)."""
        row, col = (int(v) for v in self._obs["tty_cursor"])
        return Terminal(self._obs["tty_chars"].copy(), self._obs["tty_colors"].copy(), (row, col))

    def close(self) -> None:
        """End the game and free NetHack's resources (safe to call twice)."""
        if not self._closed:
            self._closed = True
            self._env.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SessionError("the session is closed; start a new Session")

    def _result(
        self, key: str | None, reward: float, done: bool, info: Mapping[str, Any], steps: int
    ) -> StepResult:
        obs = self._obs
        blstats = obs["blstats"]
        if done and not blstats.any():
            stats = self._last.stats  # NetHack cleared the status at the end of the game
        else:
            stats = PlayerStats.from_blstats(blstats)
        end = info.get(END_KEY) if done else None
        message = bytes(obs["message"]).split(b"\0", 1)[0].decode("latin-1")
        row, col = (int(v) for v in obs["tty_cursor"])
        episode = info.get(STATS_KEY)
        return StepResult(
            seed=self._seed,
            key=key,
            screen=tuple(_text(line).rstrip() for line in obs["tty_chars"]),
            cursor=(row, col),
            message=message,
            stats=stats,
            reward=reward,
            done=done,
            reason=end["end_reason"] if end else None,
            death_cause=(end.get("death_cause") or None) if end else None,
            steps=steps,
            episode_stats=dict(episode) if episode else None,
        )
