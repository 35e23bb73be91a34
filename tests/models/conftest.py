"""Fixtures: real environments and their observations, one per model under test.

Each model is tested on a task of a family it reads, with the env built from
the observation keys the model derives from its encoders (as training does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from rllib_nethack import make_env
from rllib_nethack.models import ARCHITECTURES
from rllib_nethack.testing.sampling import random_observations, stack_sequences

#: Model -> the task its tests run on.
TASKS = {
    "chaotic_dwarf": "challenge",
    "chaotic_dwarf_tty": "challenge",
    "baseline": "score",
    "perceiver": "challenge",
    "minihack": "room5x5",
}


@pytest.fixture(scope="session")
def env_for() -> Callable[[str], gym.Env]:
    envs: dict[str, gym.Env] = {}

    def get(model: str) -> gym.Env:
        if model not in envs:
            arch = ARCHITECTURES[model]
            keys = list(arch.reads(arch.settings()))
            envs[model] = make_env(TASKS[model], observation_keys=keys)
        return envs[model]

    return get


@pytest.fixture(scope="session")
def observations(env_for: Callable[[str], gym.Env]) -> Callable[[str], list[dict[str, Any]]]:
    cache: dict[str, list[dict[str, Any]]] = {}

    def get(model: str) -> list[dict[str, Any]]:
        if model not in cache:
            cache[model] = random_observations(env_for(model), 24)
        return cache[model]

    return get


def _to_batch(observations: list[dict[str, np.ndarray]], b: int, t: int) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(v) for k, v in stack_sequences(observations, b, t).items()}


@pytest.fixture(scope="session")
def to_batch() -> Callable[[list[dict[str, np.ndarray]], int, int], dict[str, torch.Tensor]]:
    """``to_batch(observations, b, t)``: ``b * t`` observations as ``[B, T, ...]`` tensors."""
    return _to_batch
