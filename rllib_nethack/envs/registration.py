"""Registering every task with RLlib and with gymnasium.

``register_envs()`` puts one env creator per task name (and alias) into Ray
Tune's registry, which Ray stores in the cluster's key-value store: env runners
on other nodes then build the env by name without importing anything first.
Nothing is registered at import time; calling it twice is harmless.
Registering before Ray starts is fine: Ray's registry keeps the entries and
writes them to the cluster when ``ray.init`` connects.

The same call registers each name with gymnasium as ``rllib_nethack/<name>``
(``gymnasium.make("rllib_nethack/score", character="val-dwa-law-fem")``): an
entry point string, so nothing is built or imported until ``make``.
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


#: Gymnasium namespace of our task ids.
GYM_NAMESPACE = "rllib_nethack"


def gym_id(name: str) -> str:
    """The gymnasium id of task name ``name``: ``rllib_nethack/<name>``."""
    return f"{GYM_NAMESPACE}/{name}"


def register_gymnasium(names: list[str] | None = None) -> list[str]:
    """Register task names (default: all, aliases included) with gymnasium; ids
    already registered are left alone, so calling it twice is harmless.

    Returns:
        The gymnasium ids.
    """
    ids = []
    for name in task_names_and_aliases() if names is None else names:
        env_id = gym_id(name)
        if env_id not in gym.registry:
            gym.register(
                id=env_id, entry_point="rllib_nethack.envs.factory:make_env", kwargs={"task": name}
            )
        ids.append(env_id)
    return ids


def register_envs() -> list[str]:
    """Register every task under each of its names with ``ray.tune.registry.register_env``
    and with gymnasium (``rllib_nethack/<name>``).

    Returns:
        The names registered (canonical task names and aliases).
    """
    names = task_names_and_aliases()
    for name in names:
        register_task(name)
    register_gymnasium(names)
    return names
