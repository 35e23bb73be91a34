"""End-to-end training throughput: APPO + chaotic_dwarf on `challenge`, learner on CPU.

How to run:
    python benchmarks/train_throughput.py                  # 2 env runners x 16 envs, 5 minutes
    python benchmarks/train_throughput.py --minutes 2 --env-runners 2 --envs 16

Runs the real training loop (`rllib_nethack.training.trainer.train`) on an embedded Ray
instance with Sample Factory's NetHack settings: rollout 32, batch 1024, LSTM
512. Prints the progress lines, then the env steps/s over the run after the
first iteration (warm-up excluded) and one JSON line.

Results to expect: Sample Factory, same model and batch, 2 CPUs of this kind:
371 env steps/s end to end. Target: at least 1.2x that (445).
"""

from __future__ import annotations

import argparse
import json

from training_run import train_in_scratch_dir

SAMPLE_FACTORY_STEPS_PER_S = 371


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--env-runners", type=int, default=2)
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--task", default="challenge")
    parser.add_argument("overrides", nargs="*", help="extra config overrides (key=value)")
    args = parser.parse_args()
    summary, rows = train_in_scratch_dir(
        [
            f"+task={args.task}",
            f"cluster.rllib.num_env_runners={args.env_runners}",
            f"cluster.rllib.num_envs_per_env_runner={args.envs}",
            f"stop.minutes={args.minutes}",
            "experiment.plot=false",
            *args.overrides,
        ]
    )
    first, last = rows[0], rows[-1]
    steps = last["env_steps"] - first["env_steps"]
    seconds = last["time_s"] - first["time_s"]
    rate = steps / seconds if seconds > 0 else float("nan")
    print(
        f"\nend-to-end: {rate:,.0f} env steps/s over {seconds:.0f} s "
        f"({rate / SAMPLE_FACTORY_STEPS_PER_S:.2f}x Sample Factory's {SAMPLE_FACTORY_STEPS_PER_S})"
    )
    print(
        json.dumps(
            {
                "benchmark": "train_throughput",
                "task": args.task,
                "env_runners": args.env_runners,
                "envs_per_runner": args.envs,
                "env_steps_per_s": round(rate, 1),
                "vs_sample_factory": round(rate / SAMPLE_FACTORY_STEPS_PER_S, 3),
                "iterations": summary.iterations,
                "env_steps": summary.env_steps,
            }
        )
    )


if __name__ == "__main__":
    main()
