"""Speed of MuZero's batched search: simulations per second for one env runner.

How to run:
    python benchmarks/muzero_search.py                       # MiniHack model, 16 envs
    python benchmarks/muzero_search.py --envs 32 --simulations 10 25 50 --threads 1
    python benchmarks/muzero_search.py --chance-outcomes 8   # Stochastic MuZero's search

Builds the MuZero RLModule of ``algo=muzero`` (the MiniHack encoder, the
default network sizes) over real Room-5x5 observations, and times the module's
exploration forward (representation, Dirichlet noise, the batched search, the
action choice) for a batch of ``--envs`` observations, the work one env runner
does per env step. Prints one line per simulation budget and a JSON summary:
moves/s (env steps the runner can act on, per second) and simulations/s
(tree simulations, summed over the batch).

Results to expect: tens of thousands of simulations/s with 16 envs on one
core; the figure scales with the batch (the search's Python loops run once per
simulation and depth, whatever the batch size). Timings on a shared machine
are noisy. Measured on a quiet 2-CPU machine, one thread, 16 envs, the
regularised search policy: 9,117 / 13,817 / 15,057 simulations/s (912 / 553 /
301 moves/s) at 10 / 25 / 50 simulations; 16,320 simulations/s (653 moves/s)
at 25 with ``--chance-outcomes 8``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rllib_nethack import make_env
from rllib_nethack.algorithms.muzero.algorithm import MuZeroConfig
from rllib_nethack.algorithms.muzero.module import MUZERO_MODELS
from rllib_nethack.testing.sampling import random_observations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="room5x5")
    parser.add_argument("--model", default="minihack")
    parser.add_argument("--envs", type=int, default=16, help="envs per runner (the batch)")
    parser.add_argument("--simulations", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a runner has 1)")
    parser.add_argument(
        "--chance-outcomes", type=int, default=0, help="Stochastic MuZero's outcomes (0: off)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    env = make_env(args.task)
    observations = random_observations(env, args.envs)
    obs = {k: torch.from_numpy(np.stack([o[k] for o in observations])) for k in observations[0]}
    rows = []
    for simulations in args.simulations:
        config = MuZeroConfig().training(
            num_simulations=simulations, chance_outcomes=args.chance_outcomes
        )
        spec = RLModuleSpec(
            module_class=MUZERO_MODELS[args.model],
            observation_space=env.observation_space,
            action_space=env.action_space,
            model_config=config.model_config,
        )
        module = spec.build()
        module.eval()
        module.forward_exploration({Columns.OBS: obs})  # warm-up
        start = time.perf_counter()
        for _ in range(args.repeats):
            module.forward_exploration({Columns.OBS: obs})
        seconds = (time.perf_counter() - start) / args.repeats
        row = {
            "simulations": simulations,
            "envs": args.envs,
            "moves_per_s": round(args.envs / seconds, 1),
            "simulations_per_s": round(args.envs * simulations / seconds),
            "ms_per_batch": round(1000 * seconds, 1),
        }
        rows.append(row)
        print(
            f"{simulations:4d} simulations x {args.envs} envs: {row['ms_per_batch']:8.1f} ms/batch "
            f"{row['moves_per_s']:8.1f} moves/s {row['simulations_per_s']:9d} simulations/s"
        )
    print(
        json.dumps(
            {
                "benchmark": "muzero_search",
                "threads": args.threads,
                "chance_outcomes": args.chance_outcomes,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
