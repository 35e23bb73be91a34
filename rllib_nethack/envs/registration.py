"""Registering every task with RLlib.

``register_envs()`` puts one env creator per task name (and alias) into Ray
Tune's registry, which Ray stores in the cluster's key-value store: env runners
on other nodes then build the env by name without importing anything first.
Nothing is registered at import time; calling it twice is harmless.
Registering before Ray starts is fine: Ray's registry keeps the entries and
writes them to the cluster when ``ray.init`` connects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from rllib_nethack.envs.catalog import task_names_and_aliases
from rllib_nethack.envs.factory import make_env


@dataclass(frozen=True)
class TaskEnvCreator:
    """Picklable RLlib env creator: ``creator(env_config) -> make_env(task, **env_config)``.

    RLlib passes an ``EnvContext`` (the user's ``env_config`` plus worker and
    vector indices as attributes); only its items are options.
    """

    task: str

    def __call__(self, env_config: Mapping[str, Any] | None = None) -> gym.Env:
        return make_env(self.task, **dict(env_config or {}))


def register_task(name: str) -> None:
    """Register one task name with RLlib (what a training config names as its env)."""
    from ray.tune.registry import register_env

    register_env(name, TaskEnvCreator(name))


def register_envs() -> list[str]:
    """Register every task under each of its names with ``ray.tune.registry.register_env``.

    Returns:
        The names registered (canonical task names and aliases).
    """
    names = task_names_and_aliases()
    for name in names:
        register_task(name)
    return names
