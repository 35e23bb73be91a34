"""E3B on RLlib's stack: the bonus on the env runners, the embedding's loss in the learner.

Bonus (Henaff et al. 2022): for each observation ``s_t`` an episode reaches,
``b_t = phi(s_t)^T C_t^-1 phi(s_t)`` with ``C_t = ridge * I + sum_{i<t} phi_i phi_i^T``
over the episode's earlier observations, reset observation included. The
inverse is kept, and updated per step by Sherman-Morrison, so a step costs
``O(d^2)``, not a ``d x d`` solve.

* :class:`E3BBonus`, an env-to-module connector
  (:class:`~rllib_nethack.algorithms.exploration.step_bonus.ObservationBonus`),
  owns the per-episode inverses (started afresh at each episode's reset) and
  writes ``b_t`` into the step's ``info``; it runs the module's embedding
  (:mod:`rllib_nethack.models.dynamics`), which the weight sync keeps current.
* The learners (:data:`E3B_LEARNERS`) add the inverse-dynamics loss that
  trains the embedding to the actor-critic loss: one optimizer, one checkpoint.
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
from rllib_nethack.algorithms.exploration.step_bonus import ObservationBonus, embed_observations
from rllib_nethack.models.dynamics import inverse_dynamics_loss, transitions
from rllib_nethack.models.e3b import E3B_ATTRIBUTE, INVERSE_HEAD


class EllipticalEpisode:
    """One episode's ``C^-1``, from ``ridge * I``."""

    def __init__(self, dim: int, ridge: float) -> None:
        self.inverse = np.eye(dim) / ridge

    def bonus(self, phi: np.ndarray) -> float:
        """``phi^T C^-1 phi`` for the current ``C``; then ``C += phi phi^T`` (Sherman-Morrison)."""
        u = self.inverse @ phi
        b = float(phi @ u)
        self.inverse -= np.outer(u, u) / (1.0 + b)
        return b


class E3BBonus(ObservationBonus):
    """Env-to-module piece: the elliptical bonus of each episode's newest observation."""

    def __init__(
        self,
        input_observation_space: Any = None,
        input_action_space: Any = None,
        *,
        ridge: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.ridge = float(ridge)
        self.episodes: dict[str, EllipticalEpisode] = {}

    def networks(self, module: Any) -> torch.nn.Module | None:
        return getattr(module, E3B_ATTRIBUTE, None)

    def bonuses(self, networks: torch.nn.Module, episodes: list[Any]) -> np.ndarray:
        phis = embed_observations(networks, [e.get_observations(-1) for e in episodes])
        out = np.empty(len(episodes))
        for i, (episode, phi) in enumerate(zip(episodes, phis, strict=True)):
            state = self.episodes.get(episode.id_)
            if state is None or episode.t == 0:
                state = self.episodes[episode.id_] = EllipticalEpisode(len(phi), self.ridge)
            out[i] = state.bonus(phi)
        return out

    def forget(self, episode_id: str) -> None:
        self.episodes.pop(episode_id, None)


@dataclass(frozen=True)
class E3BBonusFactory:
    """Picklable ``env_to_module_connector`` builder for ``AlgorithmConfig.env_runners()``."""

    ridge: float

    def __call__(self, *args: Any, **kwargs: Any) -> E3BBonus:
        return E3BBonus(ridge=self.ridge)


class _InverseDynamicsLoss(AuxiliaryLoss):
    """Mixin in front of one of our learners: its loss plus E3B's inverse-dynamics loss."""

    def auxiliary_losses(self, module: Any, batch: dict[str, Any]) -> dict[str, tuple[Any, float]]:
        steps = transitions(
            getattr(module, E3B_ATTRIBUTE),
            batch[Columns.OBS],
            batch[Columns.ACTIONS],
            batch[Columns.LOSS_MASK],
        )
        inverse = inverse_dynamics_loss(getattr(module, INVERSE_HEAD), steps)
        coeff = float(module.model_config[E3B_ATTRIBUTE]["inverse_loss_coeff"])
        return {"e3b_inverse_loss": (inverse, coeff)}


class E3BAPPOTorchLearner(_InverseDynamicsLoss, NetHackAPPOTorchLearner):  # type: ignore[misc]
    """Our APPO learner, training E3B's embedding too."""


class E3BIMPALATorchLearner(_InverseDynamicsLoss, NetHackIMPALATorchLearner):  # type: ignore[misc]
    """Our IMPALA learner, training E3B's embedding too."""


class E3BPPOTorchLearner(_InverseDynamicsLoss, NetHackPPOTorchLearner):  # type: ignore[misc]
    """Our PPO learner, training E3B's embedding too."""


#: Our learner class -> the same with E3B's loss.
E3B_LEARNERS: dict[type[Any], type[Any]] = {
    NetHackAPPOTorchLearner: E3BAPPOTorchLearner,
    NetHackIMPALATorchLearner: E3BIMPALATorchLearner,
    NetHackPPOTorchLearner: E3BPPOTorchLearner,
}
