"""Fixtures: real environments and their observations, one per model under test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import pytest
from model_batches import CASES

from rllib_nethack import make_env
from rllib_nethack.envs.sampling import random_observations


@pytest.fixture(scope="session")
def env_for() -> Callable[[str], gym.Env]:
    envs: dict[str, gym.Env] = {}

    def get(model: str) -> gym.Env:
        if model not in envs:
            task, options = CASES[model]
            envs[model] = make_env(task, **options)
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
