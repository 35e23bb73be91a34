"""Where the time of one training step goes: the env-runner step and the learner update.

How to run:
    python benchmarks/profile_learner.py                       # challenge, chaotic_dwarf
    python benchmarks/profile_learner.py --updates 3 +algo.learner_config_dict.pack_sequences=false

No Ray: one RLlib ``SingleAgentEnvRunner`` and one learner in this process, one
torch thread each (as the driver's learner runs under ``cluster=local``). Samples
``--batch`` env steps with the runner (timed: env steps/s of one runner, model
inference included), then runs ``--updates`` learner updates on them under
cProfile, and prints the share of the update spent in each part: learner
connectors (episodes -> batch), forward_train, the loss (target-network
forward and V-trace included), backward, optimizer.

Results to expect: figures vary with the machine's load; compare parts, not
absolute times, on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time

from local_runner import local_env_runner
from ray.rllib.core.learner.learner import Learner
from ray.rllib.core.learner.training_data import TrainingData

from rllib_nethack import make_env

#: Part of the update -> (file suffix, function name) pairs; the part's time is
#: the largest cumulative time among them (the outermost, where they nest).
PARTS = {
    "learner connectors": [("core/learner/learner.py", "_make_batch_if_necessary")],
    "forward_train": [("torch_rl_module.py", "forward_train")],
    "loss (incl. target forward, V-trace)": [("learners.py", "compute_loss_for_module")],
    "  target-network forward": [("module.py", "forward_target")],
    "  V-trace": [("vtrace_torch_v2.py", "vtrace_torch")],
    "backward": [("__init__.py", "backward")],
    # RLlib's step, or ours in front of it (rllib_nethack.algorithms.optimizer).
    "optimizer": [("torch_learner.py", "apply_gradients"), ("optimizer.py", "apply_gradients")],
}


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    total = 0.0
    for (file, _, func), row in stats.stats.items():  # type: ignore[attr-defined]
        if file.endswith(suffix) and func == name:
            total += row[3]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="challenge")
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("overrides", nargs="*", help="extra config overrides (key=value)")
    args = parser.parse_args()
    runner, config = local_env_runner(
        args.task, args.envs, [f"algo.train_batch_size_per_learner={args.batch}", *args.overrides]
    )
    runner.sample(num_timesteps=args.envs * 4)  # warm-up: reset the envs
    start = time.perf_counter()
    episodes = runner.sample(num_timesteps=args.batch)
    sample_s = time.perf_counter() - start
    steps = sum(len(e) for e in episodes)
    env = make_env(args.task, **dict(config.env_config))
    learner = config.build_learner(env=env)
    timesteps = {"num_env_steps_sampled_lifetime": steps}

    def update(episodes: list) -> None:
        # What IMPALA/APPO's learner does with the runners' episodes, but in this
        # thread (RLlib runs the gradient step in a learner thread): the learner
        # connector pipeline, then the synchronous update.
        batch = learner._make_batch_if_necessary(training_data=TrainingData(episodes=episodes))
        Learner.update(learner, batch=batch, timesteps=timesteps)

    update(episodes)  # warm-up
    batches = [runner.sample(num_timesteps=args.batch) for _ in range(args.updates)]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for episodes in batches:
        update(episodes)
    profiler.disable()
    stats = pstats.Stats(profiler)
    update_s = (time.perf_counter() - start) / args.updates
    print(f"env runner: {steps / sample_s:,.0f} env steps/s ({args.envs} envs, one process)")
    print(
        f"learner:    {update_s:.2f} s per update of {args.batch} steps "
        f"({args.batch / update_s:,.0f} trained steps/s)"
    )
    parts = {}
    for label, places in PARTS.items():
        seconds = max(cumulative(stats, suffix, name) for suffix, name in places) / args.updates
        parts[label.strip()] = round(seconds, 3)
        print(f"  {label:<40}{seconds:8.3f} s  {100 * seconds / update_s:5.1f}%")
    print(
        json.dumps(
            {
                "benchmark": "profile_learner",
                "env_steps_per_s": round(steps / sample_s),
                "update_s": round(update_s, 3),
                "parts_s": parts,
            }
        )
    )
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
