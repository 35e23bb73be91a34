"""NetHack episode statistics: what a run is judged by besides its return.

The same figures Sample Factory reports as ``policy_stats`` (score, turns,
depth, hit points, energy, armour class, experience, the task-reward trackers)
plus gold and how the episode ended (with NetHack's own death text, such as
"killed by a jackal"). They are read from NLE's raw observation of each step,
so they are the same whatever observation keys the model uses.

Why the last *in-game* step: once a game is over NLE zeroes ``blstats`` and
walks through the end-of-game screens on the same buffers, so the terminal
step's raw observation no longer describes the hero. Every figure below is
taken from the last step before the end, as Sample Factory does. The one
exception is the step that wins a staircase task: its only trace is the task's
success, which the staircase trackers count (see
:func:`rllib_nethack.envs.nle_access.success_at_stairs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from nle import nethack
from numpy.typing import NDArray

from rllib_nethack.envs.nle_access import RawObservation

#: Numeric statistics of an episode, in reporting order.
STAT_NAMES = (
    "score",
    "turns",
    "steps",
    "max_depth",
    "max_hitpoints",
    "max_energy",
    "armor_class",
    "experience_level",
    "experience_points",
    "gold",
    "eating_score",
    "gold_score",
    "scout_score",
    "staircase_score",
    "staircase_pet_score",
    "sokoban_fill_pit_score",
)
#: How an episode can end. ``death`` and ``ascended`` end the game; ``success``
#: is a task's goal (staircase, MiniHack); ``truncated`` is the step limit.
END_REASONS = ("death", "success", "truncated", "ascended", "quit")

_INTERNAL_STAIRS_DOWN = 4  # internal[4]: the hero stands on a down staircase
_INTERNAL_UHUNGER = 7  # internal[7]: u.uhunger (nutrition)
_FILL_PIT_MESSAGES = (
    b"The boulder fills a pit.",
    b"The boulder falls into and plugs a hole in the floor!",
)
_UNEXPLORED = nethack.GLYPH_CMAP_OFF  # solid stone: a cell never seen
_PET_LOW = nethack.GLYPH_PET_OFF
_PET_HIGH = nethack.GLYPH_PET_OFF + nethack.NUMMONS
# blstats read on every step, fetched in one call.
_HOT_BLSTATS = np.array(
    [nethack.NLE_BL_GOLD, nethack.NLE_BL_DEPTH, nethack.NLE_BL_DNUM, nethack.NLE_BL_DLEVEL]
)


@dataclass
class EpisodeTracker:
    """Accumulates one episode's statistics from NLE's raw observations.

    Call :meth:`start` after each reset, :meth:`update` after each step that did
    not end the episode, and :meth:`summary` when it ends.
    """

    blstats: NDArray[np.int64] = field(default_factory=lambda: np.zeros(27, dtype=np.int64))
    glyphs: NDArray[np.int16] = field(
        default_factory=lambda: np.full(nethack.DUNGEON_SHAPE, _UNEXPLORED, dtype=np.int16)
    )
    steps: int = 0
    max_depth: int = 0
    hunger: int = 0
    eating_score: int = 0
    gold_score: int = 0
    staircase_score: int = 0
    staircase_pet_score: int = 0
    sokoban_fill_pit_score: int = 0
    level: tuple[int, int] = (-1, -1)
    explored: dict[tuple[int, int], int] = field(default_factory=dict)

    def start(self, raw: RawObservation) -> None:
        """Begin a new episode at the observation after reset."""
        self.steps = 0
        self.explored = {}
        self.eating_score = self.gold_score = 0
        self.staircase_score = self.staircase_pet_score = self.sokoban_fill_pit_score = 0
        np.copyto(self.blstats, raw.blstats())
        np.copyto(self.glyphs, raw.glyphs())
        self.max_depth = int(self.blstats[nethack.NLE_BL_DEPTH])
        self.level = self._level_of(self.blstats)
        self.hunger = int(raw.internal()[_INTERNAL_UHUNGER])

    @staticmethod
    def _level_of(blstats: NDArray[np.int64]) -> tuple[int, int]:
        return int(blstats[nethack.NLE_BL_DNUM]), int(blstats[nethack.NLE_BL_DLEVEL])

    def update(self, raw: RawObservation) -> None:
        """Account for a step that did not end the episode (runs every step: kept lean)."""
        self.steps += 1
        arrays = raw.arrays()
        blstats = arrays[raw.blstats_index]
        gold_now, depth, dnum, dlevel = blstats[_HOT_BLSTATS].tolist()
        gold_before = self.blstats[nethack.NLE_BL_GOLD]
        if gold_now != gold_before:
            self.gold_score += abs(gold_now - int(gold_before))
        if depth > self.max_depth:
            self.max_depth = depth
        if (dnum, dlevel) != self.level:
            # The buffer still holds the last view of the level being left.
            self.explored[self.level] = int(np.count_nonzero(self.glyphs != _UNEXPLORED))
            self.level = (dnum, dlevel)
        np.copyto(self.blstats, blstats)
        np.copyto(self.glyphs, arrays[raw.glyph_index])

        internal = arrays[raw.internal_index]
        hunger = int(internal[_INTERNAL_UHUNGER])
        if hunger > self.hunger:
            self.eating_score += hunger - self.hunger
        self.hunger = hunger
        if internal[_INTERNAL_STAIRS_DOWN]:
            self.staircase_score += 1
            if self._pet_adjacent():
                self.staircase_pet_score += 1
        message = arrays[raw.message_index]
        if message[0] == 84 and bytes(message[:64]).startswith(_FILL_PIT_MESSAGES):  # "T"
            self.sokoban_fill_pit_score += 1

    def reached_stairs(self, with_pet: bool) -> None:
        """Count the step that won a staircase task (NLE quits the game on it,
        so :meth:`update` never sees that step's observation)."""
        self.staircase_score += 1
        if with_pet:
            self.staircase_pet_score += 1

    def _pet_adjacent(self) -> bool:
        x, y = int(self.blstats[nethack.NLE_BL_X]), int(self.blstats[nethack.NLE_BL_Y])
        around = self.glyphs[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2]
        return bool(np.any((around >= _PET_LOW) & (around < _PET_HIGH)))

    def scout_score(self) -> int:
        """Cells ever seen, summed over the levels visited."""
        explored = dict(self.explored)
        explored[self.level] = int(np.count_nonzero(self.glyphs != _UNEXPLORED))
        return sum(explored.values())

    def summary(self) -> dict[str, float]:
        """The numeric statistics (see :data:`STAT_NAMES`) of the episode so far."""
        bl = self.blstats
        return {
            "score": float(bl[nethack.NLE_BL_SCORE]),
            "turns": float(bl[nethack.NLE_BL_TIME]),
            "steps": float(self.steps + 1),  # the final step is not passed to update()
            "max_depth": float(self.max_depth),
            "max_hitpoints": float(bl[nethack.NLE_BL_HPMAX]),
            "max_energy": float(bl[nethack.NLE_BL_ENEMAX]),
            "armor_class": float(bl[nethack.NLE_BL_AC]),
            "experience_level": float(bl[nethack.NLE_BL_XP]),
            "experience_points": float(bl[nethack.NLE_BL_EXP]),
            "gold": float(bl[nethack.NLE_BL_GOLD]),
            "eating_score": float(self.eating_score),
            "gold_score": float(self.gold_score),
            "scout_score": float(self.scout_score()),
            "staircase_score": float(self.staircase_score),
            "staircase_pet_score": float(self.staircase_pet_score),
            "sokoban_fill_pit_score": float(self.sokoban_fill_pit_score),
        }


def end_reason(how: str, end_status: int, truncated: bool) -> str:
    """Classify how an episode ended (one of :data:`END_REASONS`).

    Args:
        how: NetHack's ``how_done`` (``died``, ``quit``, ``ascended``, ...).
        end_status: NLE's ``info["end_status"]`` (-1 aborted, 1 death, 2 task success).
        truncated: Whether the episode hit its step limit.
    """
    if how == "ascended":
        return "ascended"
    if truncated or end_status == -1:
        return "truncated"
    if end_status == 2:
        return "success"
    if how == "quit":
        return "quit"
    return "death"


def describe_end(record: dict[str, str], reason: str, how: str) -> dict[str, Any]:
    """End-of-episode fields: the reason, NetHack's ``how_done`` and its death text.

    ``death_cause`` is NetHack's own wording from the game's xlogfile record
    ("killed by a jackal", "died of starvation"); empty unless the hero died.
    """
    died = reason == "death"
    return {
        "end_reason": reason,
        "how": how,
        "death_cause": record.get("death", "") if died else "",
    }
