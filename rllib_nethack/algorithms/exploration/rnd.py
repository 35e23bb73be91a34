"""RND on RLlib's stack: the bonus on the env runners, the predictor's loss in the learner.

Bonus (Burda et al. 2018, as MiniHack's baselines compute it): for each
observation ``s_t`` an episode reaches, ``b_t = 0.5 * ||f(s_t) - f_hat(s_t)||^2``
with ``f`` a fixed random network and ``f_hat`` a predictor trained to match
it (:mod:`rllib_nethack.models.rnd`). The learner divides it by the running
std of all bonuses seen and weighs it by ``explore.coeff`` (MiniHack's
``int.normalize_reward`` and ``int.intrinsic_weight``; :mod:`.rewards`).

* :class:`RNDBonus`, an env-to-module connector
  (:class:`~rllib_nethack.algorithms.exploration.step_bonus.ObservationBonus`),
  runs the module's two networks, which the weight sync brings from the
  learner after each update (so the bonus is at most one update stale; the
  bonus needs no per-episode state).
* The learners (:data:`RND_LEARNERS`) add the predictor's distillation loss to
  the actor-critic loss: one optimizer, one checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from ray.rllib.core.columns import Columns

from rllib_nethack.algorithms.actor_critic.learners import (
    NetHackAPPOTorchLearner,
    NetHackIMPALATorchLearner,
    NetHackPPOTorchLearner,
)
from rllib_nethack.algorithms.exploration.auxiliary import AuxiliaryLoss
from rllib_nethack.algorithms.exploration.step_bonus import ObservationBonus, observation_batch
from rllib_nethack.models.rnd import RND_ATTRIBUTE, RNDNetworks, distillation_loss


def rnd_bonuses(rnd: RNDNetworks, observations: list[Any]) -> np.ndarray:
    """``0.5 * ||target - predicted||^2`` of each of a list of dict observations."""
    batch = observation_batch(observations, next(rnd.parameters()).device)
    with torch.inference_mode():
        return rnd.bonus(batch).double().cpu().numpy()  # type: ignore[no-any-return]


class RNDBonus(ObservationBonus):
    """Env-to-module piece: the RND bonus of each episode's newest observation."""

    def networks(self, module: Any) -> torch.nn.Module | None:
        return getattr(module, RND_ATTRIBUTE, None)

    def bonuses(self, networks: torch.nn.Module, episodes: list[Any]) -> np.ndarray:
        return rnd_bonuses(networks, [e.get_observations(-1) for e in episodes])  # type: ignore[arg-type]


@dataclass(frozen=True)
class RNDBonusFactory:
    """Picklable ``env_to_module_connector`` builder for ``AlgorithmConfig.env_runners()``."""

    def __call__(self, *args: Any, **kwargs: Any) -> RNDBonus:
        return RNDBonus()


class _DistillationLoss(AuxiliaryLoss):
    """Mixin in front of one of our learners: its loss plus the RND predictor's loss."""

    def auxiliary_losses(self, module: Any, batch: dict[str, Any]) -> dict[str, tuple[Any, float]]:
        distillation = distillation_loss(
            getattr(module, RND_ATTRIBUTE), batch[Columns.OBS], batch.get(Columns.LOSS_MASK)
        )
        coeff = float(module.model_config[RND_ATTRIBUTE]["loss_coeff"])
        return {"rnd_predictor_loss": (distillation, coeff)}


class RNDAPPOTorchLearner(_DistillationLoss, NetHackAPPOTorchLearner):  # type: ignore[misc]
    """Our APPO learner, training RND's predictor too."""


class RNDIMPALATorchLearner(_DistillationLoss, NetHackIMPALATorchLearner):  # type: ignore[misc]
    """Our IMPALA learner, training RND's predictor too."""


class RNDPPOTorchLearner(_DistillationLoss, NetHackPPOTorchLearner):  # type: ignore[misc]
    """Our PPO learner, training RND's predictor too."""


#: Our learner class -> the same with RND's loss.
RND_LEARNERS: dict[type[Any], type[Any]] = {
    NetHackAPPOTorchLearner: RNDAPPOTorchLearner,
    NetHackIMPALATorchLearner: RNDIMPALATorchLearner,
    NetHackPPOTorchLearner: RNDPPOTorchLearner,
}
