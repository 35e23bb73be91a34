"""E3B on RLlib's stack: the bonus on the env runners, the embedding's loss in the learner.

Bonus (Henaff et al. 2022): for each observation ``s_t`` an episode reaches,
``b_t = phi(s_t)^T C_t^-1 phi(s_t)`` with ``C_t = ridge * I + sum_{i<t} phi_i phi_i^T``
over the episode's earlier observations, reset observation included. The
inverse is kept, and updated per step by Sherman-Morrison, so a step costs
``O(d^2)``, not a ``d x d`` solve.

* :class:`E3BBonus`, an env-to-module connector, owns the per-episode inverses
  (keyed by episode id, so they carry over RLlib's rollout fragments, and
  started afresh at each episode's reset) and writes ``b_t`` into the step's
  ``info``; it runs the module's embedding (:mod:`rllib_nethack.models.e3b`),
  which the weight sync keeps current.
* The learners (:data:`E3B_LEARNERS`) add the inverse-dynamics loss that
  trains the embedding to the actor-critic loss: one optimizer, one checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns

from rllib_nethack.algorithms.actor_critic.learners import (
    NetHackAPPOTorchLearner,
    NetHackIMPALATorchLearner,
    NetHackPPOTorchLearner,
)
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY, INTRINSIC_REWARD_KEY
from rllib_nethack.models.e3b import E3B_ATTRIBUTE, INVERSE_HEAD, inverse_dynamics_loss

#: Episodes whose inverse an env runner keeps at most (abandoned ones are dropped oldest first).
MAX_TRACKED_EPISODES = 4096


class EllipticalEpisode:
    """One episode's ``C^-1``, from ``ridge * I``, and the bonuses it has given."""

    def __init__(self, dim: int, ridge: float) -> None:
        self.inverse = np.eye(dim) / ridge
        self.total = 0.0
        self.last_t = -1

    def bonus(self, phi: np.ndarray) -> float:
        """``phi^T C^-1 phi`` for the current ``C``; then ``C += phi phi^T`` (Sherman-Morrison)."""
        u = self.inverse @ phi
        b = float(phi @ u)
        self.inverse -= np.outer(u, u) / (1.0 + b)
        return b


def _single(rl_module: Any) -> Any:
    try:
        return rl_module[DEFAULT_MODULE_ID]
    except (TypeError, KeyError):
        return rl_module


class E3BBonus(ConnectorV2):
    """Env-to-module piece: the elliptical bonus of each episode's newest observation.

    Runs after every env step (and reset) with all the runner's episodes,
    finished ones included, before RLlib's own pieces. It leaves the batch
    alone; ``b_t`` (and the episode's running sum) go into the step's ``info``.
    """

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

    def __call__(
        self,
        *,
        rl_module: Any,
        batch: dict[str, Any],
        episodes: list[Any],
        explore: bool | None = None,
        shared_data: dict[str, Any] | None = None,
        metrics: Any = None,
        **kwargs: Any,
    ) -> Any:
        module = _single(rl_module)
        embedding = getattr(module, E3B_ATTRIBUTE, None)
        todo = [e for e in episodes if self._pending(e)]
        if embedding is None or not todo:
            return batch
        phis = embed_observations(embedding, [e.get_observations(-1) for e in todo])
        for episode, phi in zip(todo, phis, strict=True):
            state = self.episodes.get(episode.id_)
            if state is None or episode.t == 0:
                state = self.episodes[episode.id_] = EllipticalEpisode(len(phi), self.ridge)
            b = state.bonus(phi)
            state.last_t = episode.t
            if episode.t > 0:  # a reset observation ends no step: its bonus rewards nothing
                state.total += b
                info = episode.get_infos(-1)
                info[INTRINSIC_REWARD_KEY] = b
                info[INTRINSIC_RETURN_KEY] = state.total
            if episode.is_done:
                del self.episodes[episode.id_]
        while len(self.episodes) > MAX_TRACKED_EPISODES:
            del self.episodes[next(iter(self.episodes))]
        return batch

    def _pending(self, episode: Any) -> bool:
        state = self.episodes.get(episode.id_)
        return state is None or episode.t == 0 or state.last_t < episode.t


def embed_observations(embedding: torch.nn.Module, observations: list[Any]) -> np.ndarray:
    """``phi`` of a list of dict observations, as float64 rows."""
    device = next(embedding.parameters()).device
    batch = {
        key: _tensor(np.stack([obs[key] for obs in observations]), device)
        for key in observations[0]
    }
    with torch.inference_mode():
        return embedding(batch).double().cpu().numpy()  # type: ignore[no-any-return]


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    if array.dtype == np.float64:  # as RLlib's env-to-module pipeline hands it to the module
        array = array.astype(np.float32)
    return torch.from_numpy(array).to(device)


@dataclass(frozen=True)
class E3BBonusFactory:
    """Picklable ``env_to_module_connector`` builder for ``AlgorithmConfig.env_runners()``."""

    ridge: float

    def __call__(self, *args: Any, **kwargs: Any) -> E3BBonus:
        return E3BBonus(ridge=self.ridge)


class _InverseDynamicsLoss:
    """Mixin in front of one of our learners: its loss plus E3B's inverse-dynamics loss."""

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        inverse = inverse_dynamics_loss(
            getattr(module, E3B_ATTRIBUTE),
            getattr(module, INVERSE_HEAD),
            batch[Columns.OBS],
            batch[Columns.ACTIONS],
            batch[Columns.LOSS_MASK],
        )
        coeff = float(module.model_config[E3B_ATTRIBUTE]["inverse_loss_coeff"])
        self.metrics.log_value(  # type: ignore[attr-defined]
            (module_id, "e3b_inverse_loss"), inverse.detach(), window=1
        )
        return loss + coeff * inverse


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
