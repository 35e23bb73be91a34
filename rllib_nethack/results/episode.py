"""One finished (or failed) episode, the same record for every kind of player.

A policy evaluated by ``evaluate`` fills the return, NetHack's statistics and the
per-episode training metrics; a keystroke agent on the bench fills the keystroke
fields (actions, refused, progression) and, when it crashed, ``error``. Each
result file picks its columns from this one record (:func:`row`), so both
kinds keep the columns their readers know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class EpisodeRecord:
    """One seed's episode; a field a player does not measure stays ``None`` (or empty).

    Attributes:
        seed: The episode's seed (the game it played).
        steps: Env steps taken (for a keystroke agent: keystrokes the game received).
        score: In-game score at the end (keystroke agents; a policy's is in ``stats``).
        turns: Game turns at the end (keystroke agents; a policy's is in ``stats``).
        max_depth: Deepest dungeon level reached (keystroke agents; a policy's is in ``stats``).
        end: death, success, truncated, ascended or quit.
        death_cause: NetHack's death text ("killed by a jackal"); empty or None unless it died.
        error: The one-line error that ended the episode (its other figures are then None).
        episode_return: Sum of the task's rewards (a policy's episodes).
        how: NetHack's ``how_done`` (died, starving, ...; a policy's episodes).
        stats: NetHack statistics (``rllib_nethack.envs.stats.STAT_NAMES``; a policy's episodes).
        metrics: The per-episode metrics training reports (a policy's episodes).
        actions: Agent decisions (keystrokes or tool calls), refused ones included.
        refused: Decisions the game refused (an unmapped key, a bad tool call).
        max_xl: Highest experience level reached (keystroke agents).
        progression: BALROG's progression measure (keystroke agents).
    """

    seed: int
    steps: int | None = None
    score: int | None = None
    turns: int | None = None
    max_depth: int | None = None
    end: str | None = None
    death_cause: str | None = None
    error: str | None = None
    episode_return: float | None = None
    how: str | None = None
    stats: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    actions: int | None = None
    refused: int | None = None
    max_xl: int | None = None
    progression: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain values (for Ray and JSON); ``EpisodeRecord(**d)`` reads it back."""
        return asdict(self)


def row(record: EpisodeRecord, columns: Sequence[str]) -> dict[str, Any]:
    """``record``'s fields named by ``columns``, in that order (a file's view of it)."""
    return {name: getattr(record, name) for name in columns}
