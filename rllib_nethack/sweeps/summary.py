"""What a finished sweep leaves behind: ``summary.json``, ``summary.csv`` and a PNG
with every trial's learning curve, from Tune's per-trial results."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rllib_nethack.runs.atomic import write_texts, write_with
from rllib_nethack.sweeps.spec import flat, result_value
from rllib_nethack.sweeps.trial import STOPPED_BY


@dataclass(frozen=True)
class TrialRecord:
    """One trial of a sweep: its values, how it did and its best checkpoint."""

    trial: str
    status: str
    overrides: dict[str, Any]
    metric: float  # best value over the trial's iterations (NaN: no episode ended)
    last_metric: float
    env_steps: int
    iterations: int
    checkpoint: str | None  # the trial's checkpoint with the best metric (else its latest)
    error: str | None
    curve: tuple[tuple[int, float], ...]  # (env steps, metric) per iteration


def _better(a: float, b: float, mode: str) -> bool:
    if math.isnan(b):
        return not math.isnan(a)
    return not math.isnan(a) and (a > b if mode == "max" else a < b)


def best_of(values: Iterable[float], mode: str) -> float:
    """The best non-NaN value (NaN if there is none)."""
    best = math.nan
    for value in values:
        if _better(value, best, mode):
            best = value
    return best


def trial_status(result: Any, early_stopping: bool) -> str:
    """``TERMINATED`` (a ``stop.*`` condition held), ``STOPPED_EARLY`` (by ASHA),
    ``ERROR``, ``PENDING`` (never reported) or ``INTERRUPTED`` (resume continues it).

    From the trial's own last report: after Ctrl-C Tune calls every trial it
    stopped terminated.
    """
    last = result.metrics or {}
    if result.error:
        return "ERROR"
    if last.get(STOPPED_BY):
        return "TERMINATED"
    if not last.get("training_iteration"):
        return "PENDING"
    return "STOPPED_EARLY" if early_stopping else "INTERRUPTED"


def record_of(result: Any, status: str, metric: str, mode: str) -> TrialRecord:
    """A :class:`TrialRecord` from a Tune ``Result``."""
    frame = result.metrics_dataframe
    rows: list[dict[str, Any]] = [] if frame is None else frame.to_dict("records")
    curve = tuple((int(r.get("env_steps", 0) or 0), float(r.get(metric, math.nan))) for r in rows)
    checkpoint, best_ckpt_value = None, math.nan
    for ckpt, metrics in result.best_checkpoints or []:
        value = result_value(metrics, metric)
        if checkpoint is None or _better(value, best_ckpt_value, mode):
            checkpoint, best_ckpt_value = ckpt, value
    if checkpoint is None or math.isnan(best_ckpt_value):
        checkpoint = result.checkpoint  # nothing measured: the latest
    last = result.metrics or {}
    return TrialRecord(
        trial=Path(result.path).name,
        status=status,
        overrides=flat(result.config or {}),
        metric=best_of((v for _, v in curve), mode),
        last_metric=result_value(last, metric),
        env_steps=int(last.get("env_steps", 0) or 0),
        iterations=int(last.get("training_iteration", 0) or 0),
        checkpoint=checkpoint.path if checkpoint is not None else None,
        error=str(result.error).strip().splitlines()[-1] if result.error else None,
        curve=curve,
    )


def best_record(records: Sequence[TrialRecord], mode: str) -> TrialRecord | None:
    """The trial with the best metric (None when no trial measured one)."""
    best: TrialRecord | None = None
    for record in records:
        if best is None or _better(record.metric, best.metric, mode):
            best = record
    return best if best is not None and not math.isnan(best.metric) else None


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def write_summary(
    directory: Path, records: Sequence[TrialRecord], metric: str, mode: str
) -> tuple[Path, Path]:
    """``summary.json`` (every trial, the best one named) and ``summary.csv``.

    Raises:
        FileWriteError: a file could not be written; both are left as they were.
    """
    best = best_record(records, mode)
    trials = []
    for r in records:
        entry = asdict(r)
        entry.pop("curve")
        entry["metric"], entry["last_metric"] = _json_number(r.metric), _json_number(r.last_metric)
        trials.append(entry)
    summary = {
        "metric": metric,
        "mode": mode,
        "best": best.trial if best else None,
        "trials": trials,
    }
    keys = sorted({k for r in records for k in r.overrides})
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["trial", "status", *keys, "metric", "env_steps", "iterations", "checkpoint"])
    for r in records:
        writer.writerow(
            [
                r.trial,
                r.status,
                *(r.overrides.get(k) for k in keys),
                r.metric,
                r.env_steps,
                r.iterations,
                r.checkpoint or "",
            ]
        )
    json_path, csv_path = directory / "summary.json", directory / "summary.csv"
    write_texts({json_path: json.dumps(summary, indent=2) + "\n", csv_path: table.getvalue()})
    return json_path, csv_path


def plot_trials(
    records: Sequence[TrialRecord], png_path: Path, metric: str, title: str
) -> Path | None:
    """Every trial's metric against env steps, one line per trial.

    Raises:
        FileWriteError: the PNG could not be written; an older one is left as it was.
    """
    if not any(r.curve for r in records):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5), dpi=100)
    for r in records:
        label = " ".join(
            f"{k.rsplit('.', 1)[-1]}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in r.overrides.items()
        )
        ax.plot(
            [s for s, _ in r.curve],
            [v for _, v in r.curve],
            marker=".",
            ms=3,
            label=label or r.trial,
        )
    ax.set_xlabel("environment steps")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title)
    fig.tight_layout()
    try:
        return write_with(png_path, fig.savefig)
    finally:
        plt.close(fig)
