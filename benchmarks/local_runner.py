"""One RLlib env runner in this process, for the benchmark scripts that time one."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from omegaconf import open_dict
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

from rllib_nethack.config import build_algorithm_config, compose_config


def local_env_runner(
    task: str, envs: int, overrides: Sequence[str] = ()
) -> tuple[SingleAgentEnvRunner, AlgorithmConfig]:
    """A ``SingleAgentEnvRunner`` over ``envs`` environments of ``task`` (seed 0), and
    its algorithm config; one torch thread, as each Ray env runner has."""
    torch.set_num_threads(1)
    cfg = compose_config(
        [
            f"+task={task}",
            "cluster.rllib.num_env_runners=0",
            f"cluster.rllib.num_envs_per_env_runner={envs}",
            *overrides,
        ]
    )
    with open_dict(cfg):
        cfg.experiment.seed = 0
    config = build_algorithm_config(cfg)
    return SingleAgentEnvRunner(config=config), config
