"""From the composed Hydra config to an RLlib ``AlgorithmConfig`` (see :mod:`.translate`)."""

from rllib_nethack.config.compose import compose_config
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.plan import RunPlan, env_options, plan_from
from rllib_nethack.config.translate import build_algorithm_config

__all__ = [
    "RunPlan",
    "build_algorithm_config",
    "compose_config",
    "config_dir",
    "env_options",
    "plan_from",
]
