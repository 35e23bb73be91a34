"""Real observation batches from real environments, shared by the model tests."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

#: (model, task, env options) pairs: each model on a task family it reads.
CASES = {
    "chaotic_dwarf": ("challenge", {}),
    "baseline": ("score", {"observation_keys": ["glyphs", "blstats", "message"]}),
    "perceiver": ("challenge", {"observation_keys": ["glyphs", "blstats", "message"]}),
    "minihack": ("room5x5", {}),
}


def rollout(env: gym.Env, steps: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Observations of ``steps`` random steps (resetting when an episode ends)."""
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    out = [obs]
    while len(out) < steps:
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
        out.append(obs)
    return out


def to_batch(observations: list[dict[str, np.ndarray]], b: int, t: int) -> dict[str, torch.Tensor]:
    """Stack ``b * t`` observations into ``[B, T, ...]`` tensors."""
    return {
        k: torch.from_numpy(np.stack([o[k] for o in observations[: b * t]])).reshape(
            b, t, *observations[0][k].shape
        )
        for k in observations[0]
    }
