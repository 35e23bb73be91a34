"""What an evaluation writes: ``eval.json``, ``episodes.csv`` and comparison tables.

``eval.json`` has Sample Factory's ``fast_eval`` shape, so existing notebooks
read it: ``reward/reward`` (mean return) with ``reward/reward_min`` and
``_max``, ``len/len`` (episode steps) likewise, and ``policy_stats/avg_<name>``
with ``_min``/``_max`` for every per-episode metric our training reports
(:func:`rllib_nethack.metrics.callbacks.episode_metrics`: score, turns,
max_depth, ..., ``end_<reason>_rate``, ``death_<how>_rate``). On top:
``death_causes`` (the share of all episodes that each of NetHack's death texts
ended), ``unplayed_seeds`` (seeds no worker could play, normally empty: see
:mod:`.parallel`) and ``meta`` (what was evaluated, how, how fast).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rllib_nethack.envs.stats import STAT_NAMES
from rllib_nethack.errors import ConfigError
from rllib_nethack.results import writing
from rllib_nethack.results.episode import EpisodeRecord
from rllib_nethack.results.summary import spread

EVAL_JSON = "eval.json"
#: episodes.csv columns before the remaining statistics.
LEADING_COLUMNS = (
    "seed",
    "return",
    "score",
    "max_depth",
    "experience_level",
    "turns",
    "steps",
    "end_reason",
    "how",
    "death_cause",
)
CSV_COLUMNS = LEADING_COLUMNS + tuple(s for s in STAT_NAMES if s not in LEADING_COLUMNS)


def _triple(prefix: str, values: Sequence[float | None]) -> dict[str, float]:
    figures = spread(v or 0.0 for v in values)
    return {prefix: figures.mean, f"{prefix}_min": figures.min, f"{prefix}_max": figures.max}


def summarize(
    records: Sequence[EpisodeRecord],
    meta: Mapping[str, Any] | None = None,
    unplayed_seeds: Sequence[int] = (),
) -> dict[str, Any]:
    """The ``eval.json`` content of ``records`` (see the module docstring)."""
    if not records:
        raise ValueError("no episodes to summarize")
    out: dict[str, Any] = {}
    out.update(_triple("reward/reward", [r.episode_return for r in records]))
    out.update(_triple("len/len", [r.steps for r in records]))
    names = list(records[0].metrics)
    for name in names:
        out.update(_triple(f"policy_stats/avg_{name}", [r.metrics.get(name, 0.0) for r in records]))
    causes = Counter(r.death_cause for r in records if r.death_cause)
    out["death_causes"] = {
        cause: count / len(records) for cause, count in sorted(causes.items(), key=lambda c: -c[1])
    }
    out["episodes"] = len(records)
    out["unplayed_seeds"] = list(unplayed_seeds)
    out["meta"] = dict(meta or {})
    return out


def episode_rows(records: Sequence[EpisodeRecord]) -> list[dict[str, Any]]:
    """One ``episodes.csv`` row per episode."""
    rows = []
    for r in records:
        row: dict[str, Any] = {
            "seed": r.seed,
            "return": r.episode_return,
            "steps": r.steps,
            "end_reason": r.end,
            "how": r.how,
            "death_cause": r.death_cause,
        }
        for name in STAT_NAMES:
            if name != "steps":
                row[name] = r.stats.get(name, "")
        rows.append(row)
    return rows


def prepare_output(directory: Path, overwrite: bool, files: Sequence[str]) -> None:
    """Create ``directory`` and check that ``files`` can be written there.

    Raises:
        ConfigError: a file exists (and ``overwrite`` is off), or the
            directory cannot be created or written. Nothing is written then.
    """
    existing = [f for f in files if (directory / f).exists()]
    if existing and not overwrite:
        raise ConfigError(
            f"{directory / existing[0]} exists; pass overwrite=true to replace it, "
            "or out=ANOTHER_DIR"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create output directory {directory}: {err.strerror}") from None
    if not os.access(directory, os.W_OK):
        raise ConfigError(f"output directory {directory} is not writable")


def write_results(
    directory: Path, records: Sequence[EpisodeRecord], summary: Mapping[str, Any]
) -> tuple[Path, Path]:
    """Write ``eval.json`` and ``episodes.csv`` into ``directory``; return their paths.

    Raises:
        FileWriteError: a file could not be written; both are left as they were.
    """
    return writing.write_results(directory / EVAL_JSON, summary, CSV_COLUMNS, episode_rows(records))


#: Rows of the side-by-side table: (label, eval.json key, format).
TABLE_ROWS = (
    ("return", "reward/reward", "{:.2f}"),
    ("return min", "reward/reward_min", "{:.2f}"),
    ("return max", "reward/reward_max", "{:.2f}"),
    ("steps", "len/len", "{:.1f}"),
    ("score", "policy_stats/avg_score", "{:.1f}"),
    ("turns", "policy_stats/avg_turns", "{:.1f}"),
    ("max depth", "policy_stats/avg_max_depth", "{:.2f}"),
    ("xp level", "policy_stats/avg_experience_level", "{:.2f}"),
    ("death", "policy_stats/avg_end_death_rate", "{:.1%}"),
    ("success", "policy_stats/avg_end_success_rate", "{:.1%}"),
    ("truncated", "policy_stats/avg_end_truncated_rate", "{:.1%}"),
)


def comparison_table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """A text table with one column per evaluated checkpoint (label -> eval.json)."""
    labels = list(summaries)
    width = max(12, *(len(label) for label in labels))
    lines = ["".ljust(12) + "".join(label.rjust(width + 2) for label in labels)]
    for name, key, fmt in TABLE_ROWS:
        cells = []
        for label in labels:
            value = summaries[label].get(key)
            cells.append((fmt.format(value) if value is not None else "-").rjust(width + 2))
        lines.append(name.ljust(12) + "".join(cells))
    episodes = "".join(
        str(summaries[label].get("episodes", "-")).rjust(width + 2) for label in labels
    )
    lines.append("episodes".ljust(12) + episodes)
    return "\n".join(lines)
