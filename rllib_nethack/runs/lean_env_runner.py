"""An env runner whose memory does not grow with the length of an ongoing episode.

RLlib 2.60's ``SingleAgentEnvRunner`` keeps every chunk of an ongoing episode it
has already returned (``_ongoing_episodes_for_metrics``) until the episode ends,
only to add their lengths, returns and durations to the episode's metrics then.
Each chunk holds every observation of its steps. A MiniHack episode ends within
a few hundred steps, so this stays small; a NetHack game lasts tens of thousands
of steps, and each env runner grew by ~200 MiB a minute on ``challenge``
(``benchmarks/soak.py``; benchmarks/RESULTS.md), without bound while games go on.

:class:`LeanEnvRunner` keeps, for each returned chunk, only those three figures
(:class:`ChunkTotals`, which answers ``len``, ``get_return`` and
``get_duration_s`` as the chunk did). Everything RLlib reports is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner


@dataclass(frozen=True)
class ChunkTotals:
    """What RLlib reads of an episode chunk it already returned: its length, return and duration."""

    length: int
    episode_return: float
    duration_s: float

    @classmethod
    def of(cls, chunk: Any) -> ChunkTotals:
        """The totals of a returned ``SingleAgentEpisode`` chunk (or the totals themselves)."""
        if isinstance(chunk, ChunkTotals):
            return chunk
        return cls(len(chunk), float(chunk.get_return()), float(chunk.get_duration_s()))

    def __len__(self) -> int:
        return self.length

    def get_return(self) -> float:
        """The chunk's undiscounted return, as ``SingleAgentEpisode.get_return``."""
        return self.episode_return

    def get_duration_s(self) -> float:
        """The chunk's wall-clock duration, as ``SingleAgentEpisode.get_duration_s``."""
        return self.duration_s


class LeanEnvRunner(SingleAgentEnvRunner):  # type: ignore[misc]
    """RLlib's single-agent env runner, keeping totals of returned chunks, not the chunks."""

    def sample(self, *args: Any, **kwargs: Any) -> Any:
        episodes = super().sample(*args, **kwargs)
        kept: Any = self._ongoing_episodes_for_metrics  # RLlib types it as chunks
        for chunks in kept.values():
            chunks[:] = [ChunkTotals.of(chunk) for chunk in chunks]
        return episodes
