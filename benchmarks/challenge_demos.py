"""Demonstrations in RL on ``challenge``: APPO alone, APPO+BC and kickstarting, side by side.

How to run (after ``clone_explorer.py``, whose recording and BC run it uses)::

    python benchmarks/challenge_demos.py                          # issue 23's measure: 3M each
    python benchmarks/challenge_demos.py --env-steps 300000 --only appo,kickstart   # a trial

Three training runs of ``chaotic_dwarf_tty`` on ``challenge`` with the same env
steps and seed (each a ``python -m rllib_nethack.run``, printed before it runs):

* ``appo``: plain APPO;
* ``appo+bc``: APPO with Dungeons & Data's supervised loss on the recorded
  games (``dataset.bc_coeff``, default 0.5);
* ``kickstart``: APPO with KL(teacher || student) from the BC policy
  (``kickstart.coeff`` 1.0 falling to 0 over the first half of the run).

Then ``evaluate`` plays the three final checkpoints on the same seeds
(``--eval-seeds``, default 0-255, each game cut at ``--eval-max-steps``,
default 10,000, as the explorer's recordings were; actions sampled from each
policy unless ``--greedy``, as ``clone_explorer.py`` plays the clone),
``OUT/curves.png`` has the three learning curves, and one JSON line gives each
mean return and in-game score with its 95% interval and the better
demonstration run's ratio to APPO's score (the issue's target: at least 5).
A finished run is skipped and a stopped one resumes, so rerunning the same
line goes on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from staged_runs import add_greedy_flag, column, seed_range, step, train_to

from rllib_nethack.results.summary import spread
from rllib_nethack.training.reporting import plot_comparison

SETTINGS = ("appo", "appo+bc", "kickstart")


def _start(label: str, args: argparse.Namespace) -> list[str]:
    """The settings that start setting ``label``'s run."""
    start = ["+task=challenge", "model=chaotic_dwarf_tty", f"experiment.seed={args.seed}"]
    if label == "appo+bc":
        start += [f"dataset.path={args.demos}", f"dataset.bc_coeff={args.bc_coeff}"]
    elif label == "kickstart":
        start += [
            f"kickstart.teacher={args.teacher}",
            "kickstart.coeff=1.0",
            f"kickstart.decay_env_steps={args.env_steps // 2}",
        ]
    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("runs/challenge_demos"))
    parser.add_argument("--demos", type=Path, default=Path("runs/clone_explorer/demos"))
    parser.add_argument("--teacher", type=Path, default=Path("runs/clone_explorer/bc"))
    parser.add_argument("--env-steps", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bc-coeff", type=float, default=0.5)
    parser.add_argument("--eval-seeds", type=seed_range, default=(0, 255), help="FIRST,LAST")
    parser.add_argument(
        "--eval-max-steps",
        type=int,
        default=10_000,
        help="steps per evaluation game (challenge allows 1M: a policy that loops never ends)",
    )
    add_greedy_flag(parser, "the three policies")
    parser.add_argument("--only", default=",".join(SETTINGS), help="settings, comma-separated")
    parser.add_argument("overrides", nargs="*", help="key=value settings for every run")
    args = parser.parse_args()
    labels = [label for label in args.only.split(",") if label]
    unknown = sorted(set(labels) - set(SETTINGS))
    if unknown:
        parser.error(f"--only: unknown setting(s) {unknown}; choose from {list(SETTINGS)}")

    runs = {label: args.out / label.replace("+", "_") for label in labels}
    for label, run_dir in runs.items():
        # The overrides go to a resumed run too, as the command line says.
        extra = ["experiment.tensorboard=false", *args.overrides]
        train_to(run_dir, args.env_steps, _start(label, args), extra)

    first, last = args.eval_seeds
    evaluated = args.out / "eval"
    checkpoints = "[" + ",".join(str(d) for d in runs.values()) + "]"
    step(
        False,
        "rllib_nethack.evaluate",
        [f"checkpoint={checkpoints}", f"seeds=[{first},{last}]",
         f"max_steps={args.eval_max_steps}", f"greedy={str(args.greedy).lower()}", "batch=16",
         f"out={evaluated}", "overwrite=true"],
    )  # fmt: skip

    png = plot_comparison(
        {label: [d / "progress.csv"] for label, d in runs.items()},
        args.out / "curves.png",
        f"challenge, chaotic_dwarf_tty, seed {args.seed}: mean return against env steps",
    )
    figures: dict[str, dict[str, float]] = {}
    for label, run_dir in runs.items():
        (episodes,) = evaluated.glob(f"{run_dir.parent.name}-{run_dir.name}-iter_*/episodes.csv")
        returns, scores = spread(column(episodes, "return")), spread(column(episodes, "score"))
        figures[label] = {
            "return": round(returns.mean, 2),
            "return_ci95": round(returns.ci95, 2),
            "score": round(scores.mean, 1),
            "score_ci95": round(scores.ci95, 1),
        }
    base = figures.get("appo", {}).get("score")
    best = max((figures[k]["score"] for k in figures if k != "appo"), default=None)
    ratio = round(best / base, 2) if base and best is not None else None
    print(json.dumps({"runs": figures, "best_over_appo_score": ratio, "curves": str(png)}))


if __name__ == "__main__":
    main()
