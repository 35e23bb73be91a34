"""Real observation batches from real environments, shared by the model tests."""

from __future__ import annotations

import numpy as np
import torch

from rllib_nethack.envs.sampling import stack_sequences

#: (model, task, env options) pairs: each model on a task family it reads.
CASES = {
    "chaotic_dwarf": ("challenge", {}),
    "baseline": ("score", {"observation_keys": ["glyphs", "blstats", "message"]}),
    "perceiver": ("challenge", {"observation_keys": ["glyphs", "blstats", "message"]}),
    "minihack": ("room5x5", {}),
}


def to_batch(observations: list[dict[str, np.ndarray]], b: int, t: int) -> dict[str, torch.Tensor]:
    """``b * t`` observations as ``[B, T, ...]`` tensors."""
    return {k: torch.from_numpy(v) for k, v in stack_sequences(observations, b, t).items()}
