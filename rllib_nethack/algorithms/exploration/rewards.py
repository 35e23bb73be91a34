"""Intrinsic rewards into the rewards a learner trains on, and only there.

Every bonus (the env's count, E3B's connector on the env runners) leaves each
step's value in that step's ``info``; :class:`AddIntrinsicReward`, first in
the learner pipeline (before reward clipping, V-trace or GAE), adds ``coeff *
bonus`` to the episode chunk's rewards, or, when the module values the
intrinsic return with a head of its own (``explore.intrinsic_gamma``), puts it
in a column of its own, ``INTRINSIC_REWARDS``
(:mod:`~rllib_nethack.algorithms.actor_critic.intrinsic_critic` trains on
it). The env runners' episode returns, and so ``episode_return_mean``, the
progress rows and every success metric, stay extrinsic; the intrinsic return
is logged on its own
(:mod:`rllib_nethack.metrics.callbacks`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.env.utils.infinite_lookback_buffer import InfiniteLookbackBuffer

from rllib_nethack.algorithms.actor_critic.intrinsic_critic import INTRINSIC_REWARDS
from rllib_nethack.algorithms.episode_rewards import set_rewards
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_REWARD_KEY


def chunk_bonuses(episode: Any) -> np.ndarray:
    """The bonus of each step of an episode chunk (0 where a step has none).

    ``infos`` line up with observations: the chunk's first is the reset's (or
    the previous chunk's last), and step ``t``'s reward comes with info ``t + 1``.
    """
    infos = episode.get_infos()[1:]
    return np.asarray([float(i.get(INTRINSIC_REWARD_KEY, 0.0)) for i in infos], dtype=np.float64)


def with_rewards(episode: Any, added: np.ndarray) -> Any:
    """A copy of ``episode`` (sharing all but its rewards) whose rewards have ``added`` added.

    Not in place: an env runner in the learner's process (``num_env_runners=0``)
    hands the learner the very chunks it later sums into the episode's return.
    """
    out = copy.copy(episode)
    out.rewards = copy.deepcopy(episode.rewards)
    rewards = np.asarray(episode.get_rewards(), dtype=np.float64)
    set_rewards(out, rewards + added)
    return out


def with_intrinsic_column(episode: Any, added: np.ndarray) -> Any:
    """A copy of ``episode`` with ``added`` (one per step) as its :data:`INTRINSIC_REWARDS` output.

    Laid out as the chunk's other model outputs (the same lookback, zeros in it),
    so every connector after this one treats it as RLlib's own columns.
    """
    out = copy.copy(episode)
    out.extra_model_outputs = dict(episode.extra_model_outputs)
    template = next(iter(episode.extra_model_outputs.values()))
    data = np.zeros(len(template.data), dtype=np.float32)
    data[template.lookback :] = added
    out.extra_model_outputs[INTRINSIC_REWARDS] = InfiniteLookbackBuffer(
        data if template.finalized else list(data), lookback=template.lookback
    )
    return out


class RunningMoments:
    """Mean and variance of every value seen so far (Chan et al.'s parallel update)."""

    def __init__(self) -> None:
        self.count = 0.0
        self.mean = 0.0
        self.var = 1.0

    def update(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        n, mean, var = float(values.size), float(values.mean()), float(values.var())
        total = self.count + n
        delta = mean - self.mean
        m2 = self.var * self.count + var * n + delta**2 * self.count * n / total
        self.mean += delta * n / total
        self.var = m2 / total
        self.count = total

    @property
    def std(self) -> float:
        return float(np.sqrt(self.var)) if self.count else 1.0


class AddIntrinsicReward(ConnectorV2):
    """Add ``coeff * bonus`` (divided by the bonuses' running std if ``normalise``) to rewards,
    or with ``separate`` give it as each step's :data:`INTRINSIC_REWARDS`.

    Replaces each chunk in ``episodes`` by a copy with the new rewards
    (:func:`with_rewards`) or column (:func:`with_intrinsic_column`, every
    chunk, zeros where there is no bonus); the later pieces of the pipeline see
    the copies.
    """

    def __init__(
        self,
        input_observation_space: Any = None,
        input_action_space: Any = None,
        *,
        coeff: float,
        normalise: bool = False,
        separate: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.coeff = float(coeff)
        self.normalise = normalise
        self.separate = separate
        self.moments = RunningMoments()

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
        bonuses = [chunk_bonuses(episode) for episode in episodes]
        scale = self.coeff
        if self.normalise and bonuses:
            self.moments.update(np.concatenate(bonuses))
            scale = self.coeff / max(self.moments.std, 1e-8)
        for i, bonus in enumerate(bonuses):
            if self.separate:
                episodes[i] = with_intrinsic_column(episodes[i], scale * bonus)
            elif bonus.size and bonus.any():
                episodes[i] = with_rewards(episodes[i], scale * bonus)
        return batch

    def get_state(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"count": self.moments.count, "mean": self.moments.mean, "var": self.moments.var}

    def set_state(self, state: dict[str, Any]) -> None:
        self.moments.count = float(state.get("count", 0.0))
        self.moments.mean = float(state.get("mean", 0.0))
        self.moments.var = float(state.get("var", 1.0))


@dataclass(frozen=True)
class LearnerConnectors:
    """Picklable ``learner_connector`` builder: the intrinsic reward, then ``then``'s pieces."""

    coeff: float
    normalise: bool
    then: Any = None
    separate: bool = False

    def __call__(self, observation_space: Any = None, action_space: Any = None) -> list[Any]:
        pieces: list[Any] = [
            AddIntrinsicReward(
                observation_space,
                action_space,
                coeff=self.coeff,
                normalise=self.normalise,
                separate=self.separate,
            )
        ]
        if self.then is not None:
            more = self.then(observation_space, action_space)
            pieces += list(more) if isinstance(more, list | tuple) else [more]
        return pieces
