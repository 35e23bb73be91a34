"""Building an algorithm whose env runners can be restarted from their own creation task.

RLlib 2.60's ``EnvRunnerGroup`` ``ray.put``\\ s the algorithm config once and
hands every remote env runner the ``ObjectRef`` as its constructor argument. The
env runners are created with ``max_restarts > 0`` (``restart_failed_env_runners``,
on by default), and Ray cannot restart an actor whose constructor argument was
evicted from or lost with the object store (ray-project/ray#53727): its core
worker says so in an ``E ... core_worker.cc`` line on the driver's stderr at
the first env runner's creation.

Our configs pickle to ~13 KiB, well under the size below which Ray inlines an
argument into the creation task itself. :func:`build_algo` builds the algorithm
with :class:`InlineConfigEnvRunnerGroup`, which hands such a config to its
remote env runners by value: the creation task carries the config, a restart
replays it, and Ray has nothing to warn about. A config over the limit keeps
RLlib's reference. The env runners receive the same config either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ray.cloudpickle
from ray.rllib.algorithms.algorithm import Algorithm
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
from ray.rllib.env.env_runner_group import EnvRunnerGroup

#: Ray's ``max_direct_call_object_size`` default: an argument up to this many
#: bytes is inlined into the task; a larger one goes to the object store.
RAY_INLINE_BYTES = 100 * 1024


def inlines(config: AlgorithmConfig) -> bool:
    """Whether Ray would inline ``config`` as a constructor argument (pickled under its limit)."""
    return len(ray.cloudpickle.dumps(config)) < RAY_INLINE_BYTES


class InlineConfigEnvRunnerGroup(EnvRunnerGroup):
    """RLlib's group, but remote env runners get a small config by value, not by reference."""

    def _make_worker(self, *, config: Any, **kwargs: Any) -> Any:
        if config is getattr(self, "_remote_config_obj_ref", None) and inlines(self._remote_config):
            config = self._remote_config
        return super()._make_worker(config=config, **kwargs)


@contextmanager
def inline_config_env_runners() -> Iterator[None]:
    """RLlib's ``Algorithm.setup`` names ``EnvRunnerGroup`` through its module: ours, meanwhile."""
    import ray.rllib.algorithms.algorithm as algorithm_module

    saved = algorithm_module.EnvRunnerGroup
    algorithm_module.EnvRunnerGroup = InlineConfigEnvRunnerGroup  # type: ignore[misc]
    try:
        yield
    finally:
        algorithm_module.EnvRunnerGroup = saved  # type: ignore[misc]


def build_algo(config: AlgorithmConfig) -> Algorithm:
    """``config.build_algo()``, its env runners built by :class:`InlineConfigEnvRunnerGroup`."""
    with inline_config_env_runners():
        return config.build_algo()
