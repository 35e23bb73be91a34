"""From the composed Hydra config to an RLlib ``AlgorithmConfig`` (see :mod:`.translate`).

Composing and checking a config imports neither Ray nor torch;
:func:`build_algorithm_config` loads them on first use (:mod:`rllib_nethack.lazy`).
"""

from rllib_nethack.config.compose import compose_config
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.plan import RunPlan, env_options, plan_from
from rllib_nethack.lazy import lazy_attributes

__getattr__ = lazy_attributes(
    __name__, {"build_algorithm_config": "rllib_nethack.config.translate:build_algorithm_config"}
)

__all__ = [
    "RunPlan",
    "build_algorithm_config",
    "compose_config",
    "config_dir",
    "env_options",
    "plan_from",
]
