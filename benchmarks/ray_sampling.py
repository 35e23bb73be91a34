"""Env-runner sampling speed of the installed Ray, for choosing the Ray/NLE pin set.

docs/install.md pins Ray 2.60 (without the ``[rllib]`` extra) + nle 1.3.0 rather than the
other consistent set, ``ray[rllib]==2.48.0`` + ``nle==1.2.0``. This script is what that
choice was measured with. It imports neither this package nor anything that pins Ray,
so it runs unchanged in a venv of either set::

    python3 -m venv /tmp/ray248 && /tmp/ray248/bin/pip install torch==2.13.0 \\
        "ray[rllib]==2.48.0" nle==1.2.0 "setuptools<81"
    /tmp/ray248/bin/python benchmarks/ray_sampling.py
    .venv/bin/python benchmarks/ray_sampling.py

It times one local ``SingleAgentEnvRunner`` (RLlib's default PPO module, an MLP over the
normalised bottom-line stats) stepping ``NetHackScore`` environments: NLE step, RLlib's
env-to-module and module-to-env connectors, the module forward pass and episode
bookkeeping, all on one core, as one remote env runner would in a training run.
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np


class _StatsOnly(gym.ObservationWrapper):  # type: ignore[type-arg]
    """NetHackScore with only ``blstats``, as a float vector the default MLP can read."""

    def __init__(self, env: gym.Env) -> None:  # type: ignore[type-arg]
        super().__init__(env)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (27,), np.float32)

    def observation(self, observation: dict) -> np.ndarray:  # type: ignore[type-arg]
        return np.log1p(np.abs(observation["blstats"].astype(np.float32)))


def _make_env(_config: dict | None = None) -> gym.Env:  # type: ignore[type-arg]
    import nle  # noqa: F401  (registers NetHackScore-v0)

    return _StatsOnly(gym.make("NetHackScore-v0", observation_keys=("blstats",)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=40_000, help="env steps per timed round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import nle
    import ray
    import torch
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner
    from ray.tune.registry import register_env

    torch.set_num_threads(1)
    register_env("stats_only_score", _make_env)
    config = (
        PPOConfig()
        .environment("stats_only_score")
        .env_runners(num_env_runners=0, num_envs_per_env_runner=args.envs)
    )
    runner = SingleAgentEnvRunner(config=config)
    runner.sample(num_timesteps=2_000, random_actions=False)  # warm-up
    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        episodes = runner.sample(num_timesteps=args.steps, random_actions=False)
        elapsed = time.perf_counter() - start
        rates.append(sum(len(e) for e in episodes) / elapsed)
    runner.stop()
    result = {
        "benchmark": "ray_sampling",
        "ray": ray.__version__,
        "nle": nle.__version__,
        "gymnasium": gym.__version__,
        "envs": args.envs,
        "env_steps_per_s": round(max(rates)),
        "rounds": [round(r) for r in rates],
    }
    print(
        f"ray {ray.__version__} + nle {nle.__version__}: "
        f"{result['env_steps_per_s']:,} env steps/s (best of {args.rounds})"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
