"""What a benchmark reports: ``bench.json`` (means over the seeds that ran, then every
seed) and ``episodes.csv`` (one row per seed); ``record.json`` is the same summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.results import writing
from rllib_nethack.results.episode import EpisodeRecord, row
from rllib_nethack.results.summary import spread

BENCH_JSON = "bench.json"
#: The columns of a keystroke agent's ``episodes.csv`` and of each ``per_episode`` entry.
COLUMNS = (
    "seed",
    "score",
    "steps",
    "actions",
    "refused",
    "turns",
    "max_depth",
    "max_xl",
    "progression",
    "end",
    "death_cause",
    "error",
)
PROGRESSION_SOURCE = (
    "BALROG balrog/environments/nle/achievements.json (github.com/balrog-ai/BALROG @ af7d1f1): "
    "max(P(ascend | deepest Dlvl), P(ascend | highest XL)), 1 for an ascension"
)


def summarize(config: BenchConfig, records: Sequence[EpisodeRecord]) -> dict[str, Any]:
    """The ``bench.json`` content: means over the episodes that ran, then every episode."""
    ok = [r for r in records if r.error is None]

    def mean(name: str) -> float | None:
        return round(spread(getattr(r, name) for r in ok).mean, 6) if ok else None

    return {
        "agent": config.agent,
        "seeds": list(config.seeds),
        "max_steps": config.max_steps,
        "episodes": len(records),
        "errors": len(records) - len(ok),
        "mean_score": mean("score"),
        "mean_progression": mean("progression"),
        "mean_max_depth": mean("max_depth"),
        "mean_max_xl": mean("max_xl"),
        "mean_turns": mean("turns"),
        "mean_steps": mean("steps"),
        "ends": dict(sorted(Counter(str(r.end) for r in ok).items())),
        "progression_source": PROGRESSION_SOURCE,
        "per_episode": [row(r, COLUMNS) for r in records],
    }


def write_results(
    out_dir: Path, summary: Mapping[str, Any], records: Sequence[EpisodeRecord]
) -> None:
    """Write ``bench.json`` and ``episodes.csv`` (both whole or neither).

    Raises:
        FileWriteError: a file could not be written; both are left as they were.
    """
    rows = [row(r, COLUMNS) for r in records]
    writing.write_results(out_dir / BENCH_JSON, summary, COLUMNS, rows)
