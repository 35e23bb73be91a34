"""Env runners take the config by value, so Ray can restart them from their creation task."""

from __future__ import annotations

import pytest
import ray.rllib.algorithms.algorithm as algorithm_module
from ray.rllib.env.env_runner_group import EnvRunnerGroup

from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.runs.env_runners import (
    RAY_INLINE_BYTES,
    InlineConfigEnvRunnerGroup,
    inline_config_env_runners,
    inlines,
)


@pytest.mark.parametrize("task", ["room5x5", "challenge"])
def test_a_task_config_is_small_enough_for_ray_to_inline(task: str) -> None:
    assert inlines(build_algorithm_config(compose_config([f"+task={task}"])))


def test_a_config_carrying_a_big_object_keeps_rllibs_reference() -> None:
    config = build_algorithm_config(compose_config(["+task=room5x5"]))
    assert inlines(config)
    config.environment(env_config={**config.env_config, "blob": b"x" * RAY_INLINE_BYTES})
    assert not inlines(config)


def test_ours_builds_env_runners_only_while_building() -> None:
    with inline_config_env_runners():
        assert algorithm_module.EnvRunnerGroup is InlineConfigEnvRunnerGroup
    assert algorithm_module.EnvRunnerGroup is EnvRunnerGroup
    with pytest.raises(RuntimeError), inline_config_env_runners():
        raise RuntimeError("build failed")
    assert algorithm_module.EnvRunnerGroup is EnvRunnerGroup
