"""The one table of algorithms: ``algo.name`` -> config class, learner class, RLModule.

A new algorithm is one :class:`AlgorithmEntry` in :data:`ALGORITHMS`: the
translation (:mod:`rllib_nethack.config.translate`), the config group check and
the tests all read this table, so nothing else lists algorithm names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rllib_nethack.algorithms.actor_critic.switches import check_switches
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.lazy import load

if TYPE_CHECKING:
    from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

#: ``(model name, model_config) -> RLModuleSpec``: the algorithm's module over that model.
ModuleSpecFn = Callable[[str, Mapping[str, Any]], "RLModuleSpec"]

_MODULE_SPEC = "rllib_nethack.models.module:module_spec"
_LEARNERS = "rllib_nethack.algorithms.actor_critic.learners"


def _no_learner_settings(settings: Mapping[str, Any]) -> None:
    """Algorithms whose learner reads no ``learner_config_dict`` switches."""


@dataclass(frozen=True)
class AlgorithmEntry:
    """Everything the translation needs to know about one algorithm.

    The config check reads the flags and ``check_learner_settings`` only; the
    RLlib classes are named by import path and loaded on first use
    (:mod:`rllib_nethack.lazy`), so that checking a config imports neither
    Ray nor torch.
    """

    #: Path of RLlib's ``AlgorithmConfig`` subclass that ``algo.*`` keys are checked against.
    config_path: str
    #: Path of the learner class trained with (ours: RLlib's with our fixes mixed in).
    learner_path: str
    #: Path of the function building the RLModule spec for a model name and its settings.
    module_spec_path: str = _MODULE_SPEC
    #: Checks ``learner_config_dict`` (raises ConfigError naming a bad key).
    check_learner_settings: Callable[[Mapping[str, Any]], None] = _no_learner_settings
    #: Learns from the run config's ``dataset`` (demonstrations) instead of env runners.
    reads_dataset: bool = False
    #: Trains on env rewards through RLlib's learner connectors, so that an
    #: exploration bonus (``explore=``) can be added to them.
    explores: bool = True
    #: Adds a BC loss on demonstrations to its RL loss when ``dataset.bc_coeff > 0``.
    bc_loss: bool = False

    @property
    def config_class(self) -> type[AlgorithmConfig]:
        """RLlib's ``AlgorithmConfig`` subclass (imports RLlib)."""
        return load(self.config_path)  # type: ignore[no-any-return]

    @property
    def learner_class(self) -> type[Any]:
        """The learner class (imports RLlib and torch)."""
        return load(self.learner_path)  # type: ignore[no-any-return]

    @property
    def module_spec(self) -> ModuleSpecFn:
        """The module-spec function (imports RLlib and torch)."""
        return load(self.module_spec_path)  # type: ignore[no-any-return]


#: ``algo.name`` -> its entry. The ``conf/algo/*.yaml`` files must match these names (tested).
ALGORITHMS: dict[str, AlgorithmEntry] = {
    "appo": AlgorithmEntry(
        "rllib_nethack.algorithms.actor_critic.appo_config:NetHackAPPOConfig",
        f"{_LEARNERS}:NetHackAPPOTorchLearner",
        check_learner_settings=check_switches,
        bc_loss=True,
    ),
    "bc": AlgorithmEntry(
        "rllib_nethack.algorithms.bc.algorithm:NetHackBCConfig",
        "rllib_nethack.algorithms.bc.learner:NetHackBCTorchLearner",
        reads_dataset=True,
        explores=False,  # imitates keys; no rewards to add a bonus to
    ),
    "impala": AlgorithmEntry(
        "ray.rllib.algorithms.impala:IMPALAConfig",
        f"{_LEARNERS}:NetHackIMPALATorchLearner",
        check_learner_settings=check_switches,
        bc_loss=True,
    ),
    "muzero": AlgorithmEntry(
        "rllib_nethack.algorithms.muzero.algorithm:MuZeroConfig",
        "rllib_nethack.algorithms.muzero.learner:MuZeroTorchLearner",
        "rllib_nethack.algorithms.muzero.algorithm:muzero_module_spec",
        explores=False,
    ),
    "ppo": AlgorithmEntry(
        "ray.rllib.algorithms.ppo:PPOConfig",
        f"{_LEARNERS}:NetHackPPOTorchLearner",
        check_learner_settings=check_switches,
        bc_loss=True,
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
