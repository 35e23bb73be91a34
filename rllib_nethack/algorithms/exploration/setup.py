"""``explore=...`` into an RLlib ``AlgorithmConfig``: the one call the translation makes.

* ``count``: the env option ``count_bonus`` (the env puts the bonus in ``info``),
  weighted by ``explore.coeff`` or, if null, by :func:`.settings.count_coeff` of
  the task's step limit (the env is built once here to read it);
* ``e3b``: the embedding in the RLModule's ``model_config``, :class:`E3BBonus`
  on the env runners, our learner with the inverse-dynamics loss;
* ``ride``: the env option ``count_bonus`` (for the episodic visits), the
  embedding and dynamics models in the RLModule's ``model_config``,
  :class:`RIDEBonus` on the env runners, our learner with the dynamics losses;
* ``rnd``: the target and predictor in the RLModule's ``model_config``,
  :class:`RNDBonus` on the env runners, our learner with the predictor's loss;
* all: :class:`AddIntrinsicReward` first in the learner pipeline; with
  ``intrinsic_gamma`` set, the RLModule's second value head (``model_config``)
  and the bonus in a column of its own (our learners' second critic).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ray.rllib.algorithms.algorithm_config import AlgorithmConfig

from rllib_nethack.algorithms.exploration.e3b import E3B_LEARNERS, E3BBonusFactory
from rllib_nethack.algorithms.exploration.rewards import LearnerConnectors
from rllib_nethack.algorithms.exploration.ride import RIDE_LEARNERS, RIDEBonusFactory
from rllib_nethack.algorithms.exploration.rnd import RND_LEARNERS, RNDBonusFactory
from rllib_nethack.algorithms.exploration.settings import count_coeff, explore_settings
from rllib_nethack.envs.factory import step_limit
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.e3b import E3B_ATTRIBUTE
from rllib_nethack.models.module import INTRINSIC_CRITIC
from rllib_nethack.models.ride import RIDE_ATTRIBUTE
from rllib_nethack.models.rnd import RND_ATTRIBUTE


def apply_exploration(config: AlgorithmConfig, plain: Mapping[str, Any]) -> None:
    """Add the intrinsic reward ``plain["explore"]`` names to ``config`` (nothing for ``none``).

    Call it once the env, RLModule, learner class and learner connectors are set.

    Raises:
        ConfigError: a bad bonus name or setting (see :func:`explore_settings`).
    """
    settings = explore_settings(plain)
    if settings.name == "none":
        return
    coeff = settings.coeff
    if settings.name == "count":
        if coeff is None:
            coeff = count_coeff(step_limit(str(config.env), **config.env_config))
        config.environment(env_config={**config.env_config, "count_bonus": settings.on})
    elif settings.name == "e3b":
        module_settings = {
            "embedding_dim": int(settings.embedding_dim),
            "inverse_loss_coeff": float(settings.inverse_loss_coeff),
        }
        _module_bonus(
            config, E3B_ATTRIBUTE, module_settings, E3BBonusFactory(float(settings.ridge))
        )
        _bonus_learner(config, E3B_LEARNERS, settings.name)
    elif settings.name == "ride":
        config.environment(env_config={**config.env_config, "count_bonus": settings.on})
        module_settings = {
            "embedding_dim": int(settings.embedding_dim),
            "hidden_dim": int(settings.hidden_dim),
            "forward_loss_coeff": float(settings.forward_loss_coeff),
            "inverse_loss_coeff": float(settings.inverse_loss_coeff),
        }
        _module_bonus(config, RIDE_ATTRIBUTE, module_settings, RIDEBonusFactory())
        _bonus_learner(config, RIDE_LEARNERS, settings.name)
    else:
        module_settings = {
            "embedding_dim": int(settings.embedding_dim),
            "loss_coeff": float(settings.loss_coeff),
        }
        _module_bonus(config, RND_ATTRIBUTE, module_settings, RNDBonusFactory())
        _bonus_learner(config, RND_LEARNERS, settings.name)
    separate = settings.intrinsic_gamma is not None
    if separate:
        spec = config.rl_module_spec
        critic = {"gamma": float(settings.intrinsic_gamma)}
        spec.model_config = {**(spec.model_config or {}), INTRINSIC_CRITIC: critic}
        config.rl_module(rl_module_spec=spec)
    # Before what is there already (reward clipping): clip the sum the learner trains on.
    config.learners(
        learner_connector=LearnerConnectors(
            float(coeff),
            bool(settings.normalise),
            config._learner_connector,  # no public getter in RLlib 2.60
            separate=separate,
        )
    )


def _module_bonus(
    config: AlgorithmConfig, attribute: str, settings: dict[str, Any], connector: Any
) -> None:
    """The bonus's networks into the RLModule, its connector onto the env runners."""
    spec = config.rl_module_spec
    spec.model_config = {**(spec.model_config or {}), attribute: settings}
    config.rl_module(rl_module_spec=spec)
    config.env_runners(env_to_module_connector=connector)


def _bonus_learner(config: AlgorithmConfig, learners: dict[type, type], name: str) -> None:
    """Our learner with the bonus networks' loss in place of the plain one."""
    learner = learners.get(config.learner_class)
    if learner is None:
        raise ConfigError(f"explore={name} has no learner for {config.learner_class.__name__}")
    config.learners(learner_class=learner)
