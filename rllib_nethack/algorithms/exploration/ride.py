"""RIDE on RLlib's stack: the impact bonus on the env runners, the dynamics losses in the learner.

Bonus (Raileanu & Rocktäschel 2020, as MiniHack's baselines compute it): the
step ``s_t -> s_t+1`` earns ``||phi(s_t+1) - phi(s_t)||_2 / sqrt(N(s_t+1))``,
how far the step moved the embedding (the agent's *impact*) divided by the
square root of the episode's visits of the state reached. ``phi`` is trained by
inverse and forward dynamics (:mod:`rllib_nethack.models.dynamics`), so it
moves with what the agent's actions change and ignores what they do not. The
learner divides the bonus by the running std of all bonuses seen and weighs
it by ``explore.coeff`` (:mod:`.rewards`).

* ``N`` is the count bonus's episodic count: the env's
  :class:`~rllib_nethack.envs.wrappers.EpisodicCountWrapper` (on the hero's
  position, or the glyph map) puts it in each step's ``info``.
* :class:`RIDEBonus`, an env-to-module connector
  (:class:`~rllib_nethack.algorithms.exploration.step_bonus.ObservationBonus`),
  runs the module's ``phi`` (kept current by the weight sync) on each
  observation reached and keeps each episode's last ``phi`` across rollout
  fragments, so a step's bonus costs one embedding.
* The learners (:data:`RIDE_LEARNERS`) add the inverse- and forward-dynamics
  losses to the actor-critic loss: one optimizer, one checkpoint.
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
from rllib_nethack.envs.wrappers.episodic_count import EPISODIC_VISITS_KEY
from rllib_nethack.models.dynamics import (
    forward_dynamics_loss,
    inverse_dynamics_loss,
    transitions,
)
from rllib_nethack.models.ride import RIDE_ATTRIBUTE, RIDE_FORWARD, RIDE_INVERSE


def impact_bonus(phi: np.ndarray, next_phi: np.ndarray, visits: int) -> float:
    """``||next_phi - phi||_2 / sqrt(visits)``: RIDE's bonus of one step."""
    return float(np.linalg.norm(next_phi - phi) / np.sqrt(visits))


class RIDEBonus(ObservationBonus):
    """Env-to-module piece: the impact bonus of each episode's newest step."""

    def __init__(
        self, input_observation_space: Any = None, input_action_space: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        #: Episode id -> ``phi`` of its newest observation seen.
        self.last_phi: dict[str, np.ndarray] = {}

    def networks(self, module: Any) -> torch.nn.Module | None:
        return getattr(module, RIDE_ATTRIBUTE, None)

    def bonuses(self, networks: torch.nn.Module, episodes: list[Any]) -> np.ndarray:
        # An episode met mid-way (its state dropped, see MAX_TRACKED_EPISODES) has
        # no last phi: its previous observation is embedded in the same batch.
        unseen = [i for i, e in enumerate(episodes) if e.t > 0 and e.id_ not in self.last_phi]
        observations = [e.get_observations(-1) for e in episodes]
        phis = embed_observations(
            networks, observations + [episodes[i].get_observations(-2) for i in unseen]
        )
        before = dict(zip(unseen, phis[len(episodes) :], strict=True))
        out = np.zeros(len(episodes))
        for i, episode in enumerate(episodes):
            if episode.t > 0:
                previous = before[i] if i in before else self.last_phi[episode.id_]
                visits = int(episode.get_infos(-1)[EPISODIC_VISITS_KEY])
                out[i] = impact_bonus(previous, phis[i], visits)
            self.last_phi[episode.id_] = phis[i]
        return out

    def forget(self, episode_id: str) -> None:
        self.last_phi.pop(episode_id, None)


@dataclass(frozen=True)
class RIDEBonusFactory:
    """Picklable ``env_to_module_connector`` builder for ``AlgorithmConfig.env_runners()``."""

    def __call__(self, *args: Any, **kwargs: Any) -> RIDEBonus:
        return RIDEBonus()


class _DynamicsLosses(AuxiliaryLoss):
    """Mixin in front of one of our learners: its loss plus RIDE's two dynamics losses."""

    def auxiliary_losses(self, module: Any, batch: dict[str, Any]) -> dict[str, tuple[Any, float]]:
        settings = module.model_config[RIDE_ATTRIBUTE]
        steps = transitions(
            getattr(module, RIDE_ATTRIBUTE),
            batch[Columns.OBS],
            batch[Columns.ACTIONS],
            batch[Columns.LOSS_MASK],
        )
        forward = forward_dynamics_loss(getattr(module, RIDE_FORWARD), steps, module.num_actions)
        inverse = inverse_dynamics_loss(getattr(module, RIDE_INVERSE), steps)
        return {
            "ride_forward_loss": (forward, float(settings["forward_loss_coeff"])),
            "ride_inverse_loss": (inverse, float(settings["inverse_loss_coeff"])),
        }


class RIDEAPPOTorchLearner(_DynamicsLosses, NetHackAPPOTorchLearner):  # type: ignore[misc]
    """Our APPO learner, training RIDE's embedding and dynamics models too."""


class RIDEIMPALATorchLearner(_DynamicsLosses, NetHackIMPALATorchLearner):  # type: ignore[misc]
    """Our IMPALA learner, training RIDE's embedding and dynamics models too."""


class RIDEPPOTorchLearner(_DynamicsLosses, NetHackPPOTorchLearner):  # type: ignore[misc]
    """Our PPO learner, training RIDE's embedding and dynamics models too."""


#: Our learner class -> the same with RIDE's losses.
RIDE_LEARNERS: dict[type[Any], type[Any]] = {
    NetHackAPPOTorchLearner: RIDEAPPOTorchLearner,
    NetHackIMPALATorchLearner: RIDEIMPALATorchLearner,
    NetHackPPOTorchLearner: RIDEPPOTorchLearner,
}
