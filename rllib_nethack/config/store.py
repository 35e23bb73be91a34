"""Task configs for every task that has no YAML file of its own.

``conf/task/`` holds the NLE tasks. MiniHack's ids depend on the installed
minihack, and aliases are many, so their task configs are generated into
Hydra's ConfigStore when the app starts: ``+task=MiniHack-River-v0`` and
``+task=room5x5`` then compose like the YAML ones.
"""

from __future__ import annotations

import functools

from hydra.core.config_store import ConfigStore

from rllib_nethack.config.paths import config_dir
from rllib_nethack.envs.catalog import all_task_specs


@functools.cache
def register_task_configs() -> tuple[str, ...]:
    """Store a ``task`` config for each task name or alias without a YAML file.

    Runs once per process (later calls return the same names).

    Returns:
        The names stored.
    """
    existing = {p.stem for p in (config_dir() / "task").glob("*.yaml")}
    store = ConfigStore.instance()
    stored = []
    for spec in all_task_specs():
        for name in (spec.name, *spec.aliases):
            if name in existing:
                continue
            store.store(
                group="task",
                name=name,
                package="_global_",
                node={
                    "defaults": [{"/family": spec.family}, "_self_"],
                    "task": {"name": spec.name},
                },
            )
            stored.append(name)
    return tuple(stored)
