"""PBT (4 trials) against the default single run on MiniHack-Room-5x5, same total env steps.

How to run:
    python benchmarks/sweep_room5x5.py                        # 1.2M env steps in all
    python benchmarks/sweep_room5x5.py --env-steps 400000 cluster.num_cpus=2

The single run trains with `python -m rllib_nethack.run`'s defaults for
`--env-steps`; the sweep is `python -m rllib_nethack.tune sweep=pbt` with 4
trials of `--env-steps / 4` each (so both spend the same env steps), mutating
`algo.lr` and `algo.entropy_coeff` every 5 iterations. Prints, for both, the best
mean return and the env steps to first reach `--target` (for PBT: the first
trial to get there, its own steps and the population's steps at that point),
and one JSON line.

Results to expect: both reach a mean return near 1.0 on Room-5x5 (the default
run reaches 0.9 within 300k env steps on 2 CPUs); the PBT figures show whether
four quarter-budget trials with mutated settings get there on fewer population
steps. Each trial needs 1 + env-runner CPUs; on 2 CPUs the trials run one after
another with `cluster.rllib.num_env_runners=1` (pass it), so PBT has little to
compare at each perturbation.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

from omegaconf import OmegaConf, open_dict
from training_run import train_in_scratch_dir

from rllib_nethack.config import compose_config
from rllib_nethack.sweeps.tuning import run_sweep


def first_reaching(curve: list[tuple[int, float]], target: float) -> int | None:
    return next((steps for steps, value in curve if value >= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env-steps", type=int, default=1_200_000, help="total, both arms")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("overrides", nargs="*", help="config overrides for both arms (key=value)")
    args = parser.parse_args()

    single, rows = train_in_scratch_dir(
        ["+task=room5x5", f"stop.env_steps={args.env_steps}", *args.overrides]
    )
    single_curve = [(int(r["env_steps"]), r["return_mean"]) for r in rows]

    with tempfile.TemporaryDirectory() as tmp:
        cfg = compose_config(
            [
                "+task=room5x5",
                "sweep=pbt",
                f"sweep.num_samples={args.trials}",
                f"stop.env_steps={args.env_steps // args.trials}",
                *args.overrides,
            ],
            config_name="tune",
        )
        with open_dict(cfg):
            cfg.experiment.run_dir = str(Path(tmp) / "sweep")
        OmegaConf.resolve(cfg)
        sweep = run_sweep(cfg)
    reached = [(first_reaching(list(t.curve), args.target), t) for t in sweep.trials]
    reached = [(steps, t) for steps, t in reached if steps is not None]
    pbt_steps = min((steps for steps, _ in reached), default=None)
    population = pbt_steps * args.trials if pbt_steps else None
    pbt_best = max((t.metric for t in sweep.trials if not math.isnan(t.metric)), default=math.nan)
    single_best = max((v for _, v in single_curve if not math.isnan(v)), default=math.nan)
    single_steps = first_reaching(single_curve, args.target)

    print(
        f"\nsingle run: best mean return {single_best:.3f}, "
        f"{single_steps} env steps to {args.target}"
    )
    print(
        f"PBT x{args.trials}: best mean return {pbt_best:.3f}, first trial at {args.target} after "
        f"{pbt_steps} of its env steps ({population} population)"
    )
    print(
        json.dumps(
            {
                "benchmark": "sweep_room5x5",
                "env_steps_total": args.env_steps,
                "single_best_return": round(single_best, 3),
                "single_steps_to_target": single_steps,
                "pbt_trials": args.trials,
                "pbt_best_return": round(pbt_best, 3),
                "pbt_trial_steps_to_target": pbt_steps,
                "pbt_population_steps_to_target": population,
                "target": args.target,
                "single_minutes": round(single.last.time_s / 60, 1) if single.last else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
