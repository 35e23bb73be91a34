"""The count bonus learns an exploration task that plain APPO does not, in the same env steps.

The task is a one-cell-wide corridor with the stairs 12 steps east, a 30-step
limit and only the four orthogonal moves (:func:`rllib_nethack.testing.levels.
short_corridor_overrides`): a random walk never reaches the stairs, so plain
APPO never sees the +1 and learns only to bump less. Each new cell is a step
east, which ``explore=count`` pays for; following it reaches the stairs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from commands import run_cli

from rllib_nethack.testing.levels import short_corridor_overrides

#: Most env steps the count bonus may take to a mean return of 0.5 (it took 5.7k-10.8k).
BUDGET = 24_000


def final_row(run_dir: Path) -> dict[str, str]:
    with (run_dir / "progress.csv").open() as f:
        return list(csv.DictReader(f))[-1]


def train(tmp_path: Path, name: str, *extra: str) -> dict[str, str]:
    run_dir = tmp_path / name
    done = run_cli(
        *short_corridor_overrides(tmp_path),
        "experiment.checkpoint_every=0",
        "experiment.tensorboard=false",
        f"experiment.run_dir={run_dir}",
        *extra,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return final_row(run_dir)


@pytest.mark.slow(seconds=70)
def test_the_count_bonus_learns_the_corridor_plain_appo_does_not(tmp_path: Path) -> None:
    counted = train(
        tmp_path, "count", "explore=count", "stop.mean_return=0.5", f"stop.env_steps={BUDGET}"
    )
    steps = int(counted["env_steps"])
    assert float(counted["return_mean"]) >= 0.5, counted  # stopped by the target, not the budget
    assert float(counted["intrinsic_return_mean"]) > 0, counted

    plain = train(tmp_path, "plain", "explore=none", f"stop.env_steps={steps}")
    assert int(plain["env_steps"]) >= steps
    # No reward seen: bump penalties only (-0.001 each), far from the stairs' +1.
    assert float(plain["return_mean"]) < 0.2, plain
    assert float(plain["return_mean"]) < float(counted["return_mean"]) - 0.4
