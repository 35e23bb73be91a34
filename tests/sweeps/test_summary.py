"""summary.json / summary.csv / the curves PNG from Tune Results (no Ray started)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
from ray.tune import Checkpoint, Result

from rllib_nethack.sweeps.summary import (
    best_record,
    plot_trials,
    record_of,
    trial_status,
    write_summary,
)

METRIC = "env_runners/episode_return_mean"


def tune_result(tmp: Path, name: str, returns: list[float], stopped: bool, lr: float) -> Result:
    rows = [
        {"training_iteration": i + 1, "env_steps": 64 * (i + 1), METRIC: r}
        for i, r in enumerate(returns)
    ]
    checkpoints = []
    for i, r in enumerate(returns):
        path = tmp / name / f"checkpoint_{i:06d}"
        path.mkdir(parents=True)
        checkpoints.append(
            (Checkpoint.from_directory(str(path)), {"env_runners": {"episode_return_mean": r}})
        )
    last = {
        "training_iteration": len(returns),
        "env_steps": 64 * len(returns),
        "config": {"algo": {"lr": lr}},
    }
    if stopped:
        last["stopped_by"] = "iterations"
    return Result(
        metrics=last,
        checkpoint=checkpoints[-1][0],
        error=None,
        path=str(tmp / name),
        metrics_dataframe=pd.DataFrame(rows),
        best_checkpoints=checkpoints,
    )


def test_records_pick_the_best_checkpoint_and_skip_nan(tmp_path: Path) -> None:
    a = tune_result(tmp_path, "trial_a", [math.nan, 0.5, 0.2], stopped=True, lr=1e-3)
    b = tune_result(tmp_path, "trial_b", [math.nan, math.nan], stopped=False, lr=3e-4)
    records = [record_of(r, trial_status(r, early_stopping=False), METRIC, "max") for r in (a, b)]
    assert records[0].metric == 0.5 and records[0].checkpoint.endswith("trial_a/checkpoint_000001")
    assert records[0].status == "TERMINATED" and records[1].status == "INTERRUPTED"
    assert math.isnan(records[1].metric) and records[1].checkpoint.endswith("checkpoint_000001")
    assert records[0].overrides == {"algo.lr": 1e-3}
    assert best_record(records, "max") is records[0]
    assert best_record(records, "min") is records[0]  # the NaN trial never wins
    assert trial_status(b, early_stopping=True) == "STOPPED_EARLY"

    json_path, csv_path = write_summary(tmp_path, records, METRIC, "max")
    summary = json.loads(json_path.read_text())
    assert summary["best"] == "trial_a" and [t["trial"] for t in summary["trials"]] == [
        "trial_a",
        "trial_b",
    ]
    assert summary["trials"][1]["metric"] is None  # NaN is not JSON
    rows = list(csv.DictReader(csv_path.open()))
    assert [r["trial"] for r in rows] == ["trial_a", "trial_b"]
    png = plot_trials(records, tmp_path / "curves.png", METRIC, "test")
    assert png is not None and png.stat().st_size > 0
