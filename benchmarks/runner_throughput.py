"""One env runner's sampling speed with our model: what each Ray env runner does.

How to run:
    python benchmarks/runner_throughput.py                       # challenge, chaotic_dwarf, 16 envs
    python benchmarks/runner_throughput.py --task room5x5 --steps 8192
    taskset -c 1 python benchmarks/runner_throughput.py          # one core, as in a 2-CPU run

No Ray: one RLlib ``SingleAgentEnvRunner`` in this process, one torch thread,
stepping ``--envs`` environments for ``--steps`` env steps after a warm-up: NLE,
our wrappers, RLlib's env-to-module and module-to-env connectors, the module's
forward pass (the LSTM one step at a time) and the episode bookkeeping. Prints
env steps/s and one JSON line. To compare two versions of the package, run it
with ``PYTHONPATH`` pointing at each checkout in turn, alternating, on one core.

Results to expect (2-CPU VM, ``taskset -c 1``, four alternating runs each):
1,787-2,058 env steps/s on challenge with the LSTM cell for one-step acting and
no per-step train/eval switching; 1,141-1,606 before those two changes.
"""

from __future__ import annotations

import argparse
import json
import time

from local_runner import local_env_runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="challenge")
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=4096)
    parser.add_argument("overrides", nargs="*", help="extra config overrides (key=value)")
    args = parser.parse_args()
    runner, _config = local_env_runner(args.task, args.envs, args.overrides)
    runner.sample(num_timesteps=args.envs * 16)  # warm-up: resets, first forward passes
    start = time.perf_counter()
    episodes = runner.sample(num_timesteps=args.steps)
    seconds = time.perf_counter() - start
    steps = sum(len(e) for e in episodes)
    print(f"env runner: {steps / seconds:,.0f} env steps/s ({args.task}, {args.envs} envs)")
    print(
        json.dumps(
            {
                "benchmark": "runner_throughput",
                "task": args.task,
                "envs": args.envs,
                "env_steps": steps,
                "env_steps_per_s": round(steps / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
