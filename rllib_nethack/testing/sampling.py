"""Observations from seeded random play: real inputs for model checks and benchmarks."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np


def random_observations(env: gym.Env, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` observations of seeded uniformly random play (resetting at episode ends).

    Same ``env`` options and ``seed``, same observations: tests and benchmarks
    feed models real NetHack states without a policy.
    """
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    out = [obs]
    while len(out) < count:
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
        out.append(obs)
    return out


def stack_sequences(
    observations: list[dict[str, Any]], sequences: int, seq_len: int
) -> dict[str, np.ndarray]:
    """Observations as ``[sequences, seq_len, ...]`` arrays, the layout of a training
    batch of a recurrent model (reusing observations in order if there are too few)."""
    picks = [observations[i % len(observations)] for i in range(sequences * seq_len)]
    return {
        key: np.stack([o[key] for o in picks]).reshape(sequences, seq_len, *np.shape(value))
        for key, value in observations[0].items()
    }
