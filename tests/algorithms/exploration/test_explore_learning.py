"""The count bonus learns an exploration task that plain APPO does not, in the same budget.

A one-cell-wide lit corridor with the down stairs 28 steps east of the start and
a 60-step limit: a random walk (8 compass moves, most of them bumping into the
walls) never gets there (0 of 200 episodes), so plain APPO sees no reward but
the bump penalty. With ``explore=count`` each new cell pays, the policy learns
to keep moving into new cells, reaches the stairs, and the +1 takes over.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from omegaconf import open_dict

from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.trainer import RunSummary, train

#: MiniHack compiles a custom level only under the name ``mylevel`` (any other name
#: silently gives a random level instead).
CORRIDOR = """\
MAZE: "mylevel", ' '
FLAGS:hardfloor
INIT_MAP: solidfill,' '
GEOMETRY:center,center
MAP
--------------------------------
|..............................|
--------------------------------
ENDMAP
REGION:(0,0,31,2),lit,"ordinary"
BRANCH:(1,1,1,1),(0,0,0,0)
STAIR:(29,1),down
"""


def corridor_run(tmp_path: Path, name: str, *overrides: str) -> RunSummary:
    des = tmp_path / "corridor.des"
    des.write_text(CORRIDOR)
    cfg = compose_run(
        [
            "+task=MiniHack-Navigation-Custom-v0",
            f"+task.options.env_kwargs.des_file={des}",
            "task.options.max_episode_steps=60",
            "experiment.checkpoint_every=0",
            "experiment.tensorboard=false",
            "experiment.plot=false",
            *overrides,
        ]
    )
    with open_dict(cfg):
        cfg.experiment.run_dir = str(tmp_path / name)
    return train(cfg, out=io.StringIO())


def returns(summary: RunSummary) -> list[float]:
    rows = read_progress(summary.run_dir / "progress.csv")
    return [r["return_mean"] for r in rows if not math.isnan(r["return_mean"])]


@pytest.mark.slow
def test_count_bonus_learns_a_corridor_plain_appo_does_not(ray_local: None, tmp_path: Path) -> None:
    counted = corridor_run(
        tmp_path, "count", "explore=count", "stop.mean_return=0.5", "stop.env_steps=120000"
    )
    assert counted.stopped_by == "mean_return", returns(counted)
    plain = corridor_run(tmp_path, "plain", f"stop.env_steps={counted.env_steps}")
    assert max(returns(plain)) < 0.0  # never more than the bump penalties: no stairs
