"""Configs the code states: stored in Hydra's ConfigStore when the app starts.

The dataclasses are the one source of their defaults; no YAML file restates them:

* ``run_schema``: the typed run config (:class:`.schema.RunConfig`) that
  ``conf/config.yaml`` composes onto, so ``stop``, ``experiment`` and
  ``cluster`` overrides are type-checked and unknown keys rejected;
* ``cluster/local``, ``cluster/remote``, ``cluster/gpu``, ``experiment/default``;
* ``env_options/default``: every :class:`~rllib_nethack.envs.options.EnvOptions`
  field, null (null keeps the task's default; the env options are checked,
  with the closest names, by :func:`~rllib_nethack.envs.options.parse_options`);
* ``explore_schema/<name>``: each bonus's settings dataclass, which
  ``conf/explore/<name>.yaml`` selects;
* ``model/<name>``: each architecture's settings dataclass, plus its ``name``;
* ``task/<name>``: every task name and alias, each bringing its family.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import field, fields, make_dataclass
from typing import Any

from hydra.core.config_store import ConfigStore

from rllib_nethack.algorithms.exploration.settings import BONUSES
from rllib_nethack.config.schema import (
    ClusterConfig,
    ExperimentConfig,
    RunConfig,
    gpu_cluster,
    remote_cluster,
)
from rllib_nethack.envs.catalog import all_task_specs
from rllib_nethack.envs.options import EnvOptions
from rllib_nethack.models.architectures import ARCHITECTURES, MODEL_NAME_KEY, Architecture

#: Name of the stored schema that ``conf/config.yaml`` lists first.
RUN_SCHEMA = "run_schema"


def model_config_class(arch: Architecture) -> type:
    """A mutable dataclass for the ``model`` group: ``name`` and the architecture's settings.

    The settings dataclass is frozen (OmegaConf would make its node read-only,
    refusing ``model.rnn_size=64``); this copy has the same fields, types and defaults.
    """
    hints = typing.get_type_hints(arch.settings)
    specs: list[tuple[str, Any, Any]] = [(MODEL_NAME_KEY, str, field(default=arch.name))]
    specs += [(f.name, hints[f.name], field(default=f.default)) for f in fields(arch.settings)]
    return make_dataclass(f"{arch.settings.__name__}Config", specs)


@functools.cache
def register_configs() -> tuple[str, ...]:
    """Store every config the code defines. Runs once per process.

    Returns:
        The task names stored.
    """
    store = ConfigStore.instance()
    store.store(name=RUN_SCHEMA, node=RunConfig)
    store.store(group="cluster", name="local", node=ClusterConfig)
    store.store(group="cluster", name="remote", node=remote_cluster())
    store.store(group="cluster", name="gpu", node=gpu_cluster())
    store.store(group="experiment", name="default", node=ExperimentConfig)
    options: dict[str, Any] = {f.name: None for f in fields(EnvOptions)}
    options["env_kwargs"] = {}  # a mapping, so `task.options.env_kwargs.des_file=...` works
    store.store(group="env_options", name="default", package="task.options", node=options)
    for bonus, schema in BONUSES.items():
        store.store(group="explore_schema", name=bonus, node=schema)
    for arch in ARCHITECTURES.values():
        store.store(group="model", name=arch.name, node=model_config_class(arch))
    stored = []
    for spec in all_task_specs():
        for name in (spec.name, *spec.aliases):
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
