"""The few places where we reach into NLE beyond its public gymnasium API.

NLE keeps the full observation tuple (glyphs, blstats, internal, ...) of the
last step, the seeding hooks and the per-game xlogfile on the unwrapped env.
Wrappers need them for seeding, for the task-reward trackers and for the death
cause; keeping every such access in this one module means an NLE upgrade has a
single place to check.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import gymnasium as gym
import numpy as np
from nle import nethack
from nle.env import tasks as nle_tasks
from nle.env.base import NLE
from numpy.typing import NDArray


def base_env(env: gym.Env) -> NLE:
    """The NLE (or MiniHack) env under any wrappers."""
    base = env.unwrapped
    if not isinstance(base, NLE):
        raise TypeError(f"expected an NLE environment, got {type(base).__name__}")
    return base


class RawObservation:
    """Typed views of NLE's raw observation tuple of the current step.

    NLE always tracks glyphs, blstats, message, program_state and internal,
    whatever observation keys the user asked for.
    """

    def __init__(self, base: NLE) -> None:
        self._base = base
        self.glyph_index = base._glyph_index
        self.blstats_index = base._blstats_index
        self.message_index = base._message_index
        self.internal_index = base._internal_index

    def arrays(self) -> tuple[NDArray[Any], ...]:
        """The raw tuple; index it with the ``*_index`` attributes (fast path)."""
        return self._base.last_observation  # type: ignore[no-any-return]

    def glyphs(self) -> NDArray[np.int16]:
        """The 21 x 79 map of glyph ids (NLE's buffer: copy it to keep it)."""
        return self.arrays()[self.glyph_index]

    def blstats(self) -> NDArray[np.int64]:
        """The bottom-line statistics (NLE's buffer: copy it to keep it)."""
        return self.arrays()[self.blstats_index]

    def internal(self) -> NDArray[np.int32]:
        """NLE's internal flags (hunger, on the down stairs, ...)."""
        return self.arrays()[self.internal_index]


def success_at_stairs(base: NLE) -> tuple[bool, bool]:
    """Whether this task's success means the hero stepped onto ``>`` (and with the pet).

    NLE quits the game on the step that succeeds, so that step's observation is
    gone by the time a wrapper sees it; the task's own success check is then the
    only record that the hero reached the down stairs. That holds for
    NetHackStaircase and NetHackStaircasePet and for MiniHack tasks without a
    reward manager (their goal is the staircase), not for the Oracle task or
    MiniHack tasks whose reward manager decides success.
    """
    check = type(base)._is_episode_end
    if check is nle_tasks.NetHackStaircasePet._is_episode_end:
        return True, True
    if check is nle_tasks.NetHackStaircase._is_episode_end:
        return True, False
    minihack_base = sys.modules.get("minihack.base")
    if minihack_base is not None and check is minihack_base.MiniHack._is_episode_end:
        return getattr(base, "reward_manager", None) is None, False
    return False, False


def set_seeds(base: NLE, core: int, disp: int, lgen: int | None) -> None:
    """Fix NetHack's RNG seeds for the next reset, with reseeding off.

    NetHackChallenge replaces the seeding methods on its ``nethack.Nethack``
    instance with ones that raise; calling the class's own method bypasses that,
    so every task, ``challenge`` included, can replay a game from its seed.
    """
    nethack.Nethack.set_initial_seeds(base.nethack, core, disp, False, lgen)
    layout = getattr(base, "minigrid_env", None)
    if layout is not None:
        # MiniHack's MiniGrid-based tasks draw each level's layout from this
        # env's own RNG at reset; seed it too, or the same seed gives another map.
        layout.reset(seed=core % 2**32)


def wizard_mode(base: NLE) -> bool:
    """Whether the game runs in wizard mode (``env_kwargs.wizard``), which wizkits need."""
    return bool(base.nethack._wizard)


def how_done(base: NLE) -> str:
    """How the last game ended (``died``, ``quit``, ``starving``, ...), lower case."""
    return str(base.nethack.how_done().name).lower()


def xlogfile_path(base: NLE) -> str:
    """Where NetHack writes the end-of-game record of this env's games."""
    pattern = getattr(base, "_ttyrec_pattern", None)
    if base.savedir and pattern:
        # NLE names the xlogfile after the ttyrec pattern (see nle.env.base).
        version = f".ttyrec{nethack.TTYREC_VERSION}.bz2"
        return (pattern % 0).replace("0" + version, "") + "xlogfile"
    return os.path.join(base.nethack._vardir, "xlogfile")


def ttyrec_path(base: NLE) -> str | None:
    """The ttyrec NetHack is writing the current game into, or None when not recording.

    NLE names it ``nle.<pid>.<episode>.ttyrec<version>.bz2`` in its ``savedir``,
    counting episodes from 0 per env (see nle.env.base).
    """
    pattern = getattr(base, "_ttyrec_pattern", None)
    if not base.savedir or not pattern:
        return None
    return str(pattern % base._episode)


def parse_xlog_line(line: str) -> dict[str, str]:
    """One xlogfile line (tab-separated ``key=value`` fields) as a dict, in the file's order."""
    record = {}
    for field in line.strip().split("\t"):
        key, _, value = field.partition("=")
        record[key] = value
    return record


def file_size(path: str) -> int:
    """The size of ``path`` in bytes, 0 if it does not exist yet."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def last_xlog_record(path: str, truncate: bool, since: int = 0) -> dict[str, str]:
    """Parse the last line of an xlogfile (tab-separated ``key=value`` fields).

    Args:
        path: The xlogfile.
        truncate: Empty the file after reading. Only for NLE's private
            temporary directory, which would otherwise grow by one line per
            episode for the life of the env; never for a user's ``savedir``.
        since: Read only what was written after this many bytes. A user's
            ``savedir`` xlogfile is shared by every env of the process, so only
            a line added by this env's last step belongs to its game.
    """
    try:
        with open(path, "rb+" if truncate else "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size <= since:
                return {}
            f.seek(max(since, size - 4096))
            tail = f.read()
            if truncate:
                f.truncate(0)
    except OSError:
        return {}
    lines = tail.decode("utf-8", "replace").strip().splitlines()
    return parse_xlog_line(lines[-1]) if lines else {}


def tracks_tty(base: NLE) -> bool:
    """Whether NLE was asked for the terminal observations (chars, colours, cursor)."""
    return all(k in base._observation_keys for k in ("tty_chars", "tty_colors", "tty_cursor"))


def tty_screen(base: NLE) -> tuple[NDArray[np.uint8], NDArray[np.int8], NDArray[np.uint8]] | None:
    """The terminal of the current step (chars, colours, cursor), or None.

    NLE's own buffers (copy them to keep them); None before the first reset or
    unless NLE tracks the tty observations (see :func:`tracks_tty`; ``make_env``
    asks for them when ``render_mode`` is set).
    """
    keys = base._observation_keys
    obs = base.last_observation
    if not tracks_tty(base) or len(obs) != len(keys):
        return None
    return (
        obs[keys.index("tty_chars")],
        obs[keys.index("tty_colors")],
        obs[keys.index("tty_cursor")],
    )
