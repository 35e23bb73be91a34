"""The one table of algorithms: ``algo.name`` -> config class, learner class, RLModule.

A new algorithm is one :class:`AlgorithmEntry` in :data:`ALGORITHMS`: the
translation (:mod:`rllib_nethack.config.translate`), the config group check and
the tests all read this table, so nothing else lists algorithm names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
from ray.rllib.algorithms.impala import IMPALAConfig
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rllib_nethack.algorithms.actor_critic.appo_config import NetHackAPPOConfig
from rllib_nethack.algorithms.actor_critic.learners import (
    NetHackAPPOTorchLearner,
    NetHackIMPALATorchLearner,
    NetHackPPOTorchLearner,
    check_switches,
)
from rllib_nethack.algorithms.bc.algorithm import NetHackBCConfig
from rllib_nethack.algorithms.bc.learner import NetHackBCTorchLearner
from rllib_nethack.algorithms.muzero.algorithm import MuZeroConfig, muzero_module_spec
from rllib_nethack.algorithms.muzero.learner import MuZeroTorchLearner
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.models.module import module_spec

#: ``(model name, model_config) -> RLModuleSpec``: the algorithm's module over that model.
ModuleSpecFn = Callable[[str, Mapping[str, Any]], RLModuleSpec]


def _no_learner_settings(settings: Mapping[str, Any]) -> None:
    """Algorithms whose learner reads no ``learner_config_dict`` switches."""


@dataclass(frozen=True)
class AlgorithmEntry:
    """Everything the translation needs to know about one algorithm."""

    #: RLlib's ``AlgorithmConfig`` subclass that ``algo.*`` keys are checked against.
    config_class: type[AlgorithmConfig]
    #: The learner class trained with (ours: RLlib's with our fixes mixed in).
    learner_class: type[Any]
    #: Builds the RLModule spec for a model name and its parsed settings.
    module_spec: ModuleSpecFn
    #: Checks ``learner_config_dict`` (raises ConfigError naming a bad key).
    check_learner_settings: Callable[[Mapping[str, Any]], None] = _no_learner_settings
    #: Learns from the run config's ``dataset`` (demonstrations) instead of env runners.
    reads_dataset: bool = False
    #: Trains on env rewards through RLlib's learner connectors, so that an
    #: exploration bonus (``explore=``) can be added to them.
    explores: bool = True
    #: Adds a BC loss on demonstrations to its RL loss when ``dataset.bc_coeff > 0``.
    bc_loss: bool = False


#: ``algo.name`` -> its entry. The ``conf/algo/*.yaml`` files must match these names (tested).
ALGORITHMS: dict[str, AlgorithmEntry] = {
    "appo": AlgorithmEntry(
        NetHackAPPOConfig, NetHackAPPOTorchLearner, module_spec, check_switches, bc_loss=True
    ),
    "bc": AlgorithmEntry(NetHackBCConfig, NetHackBCTorchLearner, module_spec, reads_dataset=True),
    "impala": AlgorithmEntry(
        IMPALAConfig, NetHackIMPALATorchLearner, module_spec, check_switches, bc_loss=True
    ),
    "muzero": AlgorithmEntry(MuZeroConfig, MuZeroTorchLearner, muzero_module_spec, explores=False),
    "ppo": AlgorithmEntry(
        PPOConfig, NetHackPPOTorchLearner, module_spec, check_switches, bc_loss=True
    ),
}


def get_algorithm(name: str) -> AlgorithmEntry:
    """The entry of algorithm ``name`` (ConfigError with the closest names if unknown)."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ConfigError(
            f"unknown algorithm {name!r}{suggestion(name, ALGORITHMS)} "
            f"(algorithms: {', '.join(ALGORITHMS)})"
        ) from None
