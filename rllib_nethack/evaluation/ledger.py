"""Which chunks of an evaluation's seeds are played, waiting, or given up.

Pure bookkeeping, no Ray, so that what an evaluation does when workers die
can be checked in a millisecond. The scheduler (:mod:`.parallel`) takes
chunks from here and reports each one played or failed. A chunk whose worker
died (its node gone, or NLE crashing the process) goes back to the front of
the queue, and a surviving worker, a new one or this process plays it again.
A chunk is the same seeds at the same batch width wherever it is played, so
the replay is the game the lost worker would have played. A chunk that
failed ``max_tries`` times is given up: its seeds are named in the result
(``unplayed_seeds``), never dropped silently.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: One played episode as a worker sends it back (``EpisodeRecord.to_dict()``).
RecordDict = dict[str, Any]


def chunked(seeds: Sequence[int], size: int) -> list[list[int]]:
    """``seeds`` cut into consecutive chunks of ``size`` (the last may be shorter)."""
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def seed_ranges(seeds: Iterable[int]) -> str:
    """Seeds as short ranges for a console line: ``0-3, 8, 10-11``."""
    ordered = sorted(set(seeds))
    parts: list[str] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = i
    return ", ".join(parts)


@dataclass
class ChunkLedger:
    """The chunks of one evaluation and what became of each.

    Args:
        chunks: The seeds, cut into chunks (:func:`chunked`); fixed for the run.
        max_tries: Failures after which a chunk is given up.
    """

    chunks: list[list[int]]
    max_tries: int = 3
    results: dict[int, list[RecordDict]] = field(default_factory=dict)
    failures: dict[int, int] = field(default_factory=dict)
    given_up: set[int] = field(default_factory=set)
    waiting: deque[int] = field(init=False)

    def __post_init__(self) -> None:
        self.waiting = deque(range(len(self.chunks)))

    @classmethod
    def of(cls, seeds: Sequence[int], size: int, max_tries: int = 3) -> ChunkLedger:
        """The ledger of ``seeds`` in chunks of ``size``."""
        return cls(chunked(seeds, max(1, size)), max_tries)

    def take(self) -> int | None:
        """The next chunk to play (its index), or None when none is waiting."""
        return self.waiting.popleft() if self.waiting else None

    def played(self, index: int, records: list[RecordDict]) -> None:
        """Chunk ``index`` came back with ``records``."""
        self.results[index] = records

    def failed(self, index: int) -> bool:
        """Chunk ``index`` was lost with its worker; whether it is queued again
        (first in line), or given up after ``max_tries`` failures."""
        self.failures[index] = self.failures.get(index, 0) + 1
        if self.failures[index] >= self.max_tries:
            self.given_up.add(index)
            return False
        self.waiting.appendleft(index)
        return True

    def waiting_seeds(self) -> list[int]:
        """The seeds of the chunks still waiting to be played."""
        return sorted(s for i in self.waiting for s in self.chunks[i])

    def unplayed_seeds(self) -> list[int]:
        """Seeds without a record: given up, or never played."""
        return sorted(
            s for i, chunk in enumerate(self.chunks) if i not in self.results for s in chunk
        )

    def records(self) -> list[RecordDict]:
        """The records played, in the order of the seeds (whatever order they came back in)."""
        return [r for i in sorted(self.results) for r in self.results[i]]
