"""The count bonus against plain APPO on a corridor a random walk rarely finishes.

How to run::

    python benchmarks/explore_corridor.py                 # count, then plain, same env steps
    python benchmarks/explore_corridor.py --budget 200000
    python benchmarks/explore_corridor.py --short --budget 20000   # the slow test's corridor

Prints one JSON line per setting: env steps, the best and last mean (extrinsic)
return, wall time. The level is :func:`rllib_nethack.testing.levels.corridor_level`
(stairs ``--east`` steps east, default 28, and a ``--steps`` limit, default 60).
``explore=count`` runs until its mean return reaches 0.5 (or the budget); plain
APPO then gets the same env steps. ``--short`` runs the slow test's corridor and
settings instead (:func:`rllib_nethack.testing.levels.short_corridor_overrides`).
Extra arguments are run-config overrides for both.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import tempfile
import time
from pathlib import Path

from omegaconf import open_dict

from rllib_nethack.config import compose_config
from rllib_nethack.testing.levels import (
    CORRIDOR_EAST,
    CORRIDOR_STEPS,
    corridor_overrides,
    short_corridor_overrides,
)
from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.trainer import RunSummary, train


def run(root: Path, level: list[str], name: str, *overrides: str) -> tuple[RunSummary, float]:
    cfg = compose_config(
        [
            *level,
            "experiment.checkpoint_every=0",
            "experiment.tensorboard=false",
            *overrides,
        ]
    )
    with open_dict(cfg):
        cfg.experiment.run_dir = str(root / name)
    start = time.perf_counter()
    return train(cfg, out=io.StringIO()), time.perf_counter() - start


def report(name: str, summary: RunSummary, seconds: float) -> None:
    rows = read_progress(summary.run_dir / "progress.csv")
    returns = [r["return_mean"] for r in rows if not math.isnan(r["return_mean"])]
    print(
        json.dumps(
            {
                "setting": name,
                "env_steps": summary.env_steps,
                "best_return": max(returns, default=math.nan),
                "last_return": returns[-1] if returns else math.nan,
                "wall_s": round(seconds, 1),
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=int, default=120_000, help="most env steps per setting")
    parser.add_argument("--east", type=int, default=CORRIDOR_EAST, help="stairs' distance")
    parser.add_argument("--steps", type=int, default=CORRIDOR_STEPS, help="episode step limit")
    parser.add_argument("--short", action="store_true", help="the slow test's corridor")
    args, overrides = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.short:
            level = [*short_corridor_overrides(root), *overrides]
        else:
            level = [*corridor_overrides(root, args.east, args.steps), *overrides]
        counted, seconds = run(
            root,
            level,
            "count",
            "explore=count",
            "stop.mean_return=0.5",
            f"stop.env_steps={args.budget}",
        )
        report("explore=count", counted, seconds)
        plain, seconds = run(
            root, level, "plain", "explore=none", f"stop.env_steps={counted.env_steps}"
        )
        report("explore=none", plain, seconds)


if __name__ == "__main__":
    main()
