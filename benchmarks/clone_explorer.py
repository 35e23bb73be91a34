"""Behavioural cloning of the scripted explorer, judged on games it never recorded.

How to run::

    python benchmarks/clone_explorer.py                                  # issue 23's measure
    python benchmarks/clone_explorer.py --out runs/clone --frames 5000000
    python benchmarks/clone_explorer.py --record-seeds 0,99 --frames 200000   # a small trial
    python benchmarks/clone_explorer.py --agent traveller --out runs/clone_traveller

Four commands, each printed before it runs; rerun the same line to go on after a
stop (the recording skips the games written, BC resumes from its last checkpoint,
evaluate and bench are skipped once they have written their results):

1. ``agents.record``: the explorer (``--agent``: or the traveller) plays the seeded suite's games
   (``--record-seeds``, default 0-999, ``--max-steps`` 10,000) into ``OUT/demos``.
2. ``run algo=bc``: ``chaotic_dwarf_tty`` (``model.core_skip=true``) clones them on
   the seeded task for ``--frames`` dataset frames, into ``OUT/bc``.
3. ``evaluate``: the cloned policy plays seeds past the suite (``--eval-seeds``,
   default 5000-5255; no recording holds them), sampling its keys unless
   ``--greedy``, into ``OUT/eval``.
4. ``agents.bench``: the same agent plays the same seeds, into ``OUT/bench``.

Then one JSON line: both mean in-game scores (with 95% intervals), their ratio
(the issue's target: at least 0.5) and the BC run's last action accuracy. Extra
``key=value`` arguments go to the BC run, a resumed one included (``algo.lr=5e-5`` to go on
at a lower learning rate).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from staged_runs import add_greedy_flag, column, seed_range, step, train_to

from rllib_nethack.results.summary import spread
from rllib_nethack.training.reporting import read_progress


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("runs/clone_explorer"))
    parser.add_argument("--record-seeds", type=seed_range, default=(0, 999), help="FIRST,LAST")
    parser.add_argument("--eval-seeds", type=seed_range, default=(5000, 5255), help="FIRST,LAST")
    parser.add_argument(
        "--agent",
        default="explorer",
        choices=("explorer", "traveller"),
        help="the demonstrator: the explorer, or the explorer by NetHack's travel command",
    )
    parser.add_argument("--max-steps", type=int, default=10_000, help="keystrokes per game")
    parser.add_argument("--frames", type=int, default=3_000_000, help="BC's dataset frames")
    parser.add_argument("--workers", type=int, default=2)
    add_greedy_flag(parser, "the clone")
    parser.add_argument("--batch", type=int, default=16, help="evaluate's envs per forward pass")
    parser.add_argument("overrides", nargs="*", help="key=value settings of the BC run")
    args = parser.parse_args()
    out: Path = args.out
    budget = [f"max_steps={args.max_steps}", f"workers={args.workers}"]
    (r0, r1), (e0, e1) = args.record_seeds, args.eval_seeds

    demos = out / "demos"
    step(
        False,  # it skips the seeds already written
        "rllib_nethack.agents.record",
        [f"agent={args.agent}", f"seeds=[{r0},{r1}]", *budget, f"out={demos}"],
    )
    bc = out / "bc"
    train_to(
        bc,
        args.frames,
        ["+task=seeded", "algo=bc", "model=chaotic_dwarf_tty", "model.core_skip=true",
         f"dataset.path={demos}"],
        args.overrides,  # a resumed run gets them too (a lower lr to finish, its threads)
    )  # fmt: skip
    evaluated = out / "eval"
    step(
        any(evaluated.glob("*/eval.json")),
        "rllib_nethack.evaluate",
        [f"checkpoint={bc}", f"seeds=[{e0},{e1}]", *budget, f"greedy={str(args.greedy).lower()}",
         f"batch={args.batch}", f"out={evaluated}", "overwrite=true"],
    )  # fmt: skip
    bench = out / "bench"
    step(
        (bench / "bench.json").exists(),
        "rllib_nethack.agents.bench",
        [f"agent={args.agent}", f"seeds=[{e0},{e1}]", *budget, f"out={bench}"],
    )

    (policy_csv,) = evaluated.glob("*/episodes.csv")
    cloned = spread(column(policy_csv, "score"))
    explorer = spread(column(bench / "episodes.csv", "score"))
    rows = read_progress(bc / "progress.csv")
    accuracy = rows[-1].get("action_accuracy") if rows else None
    print(
        json.dumps(
            {
                "eval_seeds": [e0, e1],
                "bc_mean_score": round(cloned.mean, 1),
                "bc_ci95": round(cloned.ci95, 1),
                "demonstrator": args.agent,
                "explorer_mean_score": round(explorer.mean, 1),
                "explorer_ci95": round(explorer.ci95, 1),
                "ratio": round(cloned.mean / explorer.mean, 3) if explorer.mean else None,
                "bc_frames": rows[-1]["env_steps"] if rows else None,
                "bc_action_accuracy": accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
