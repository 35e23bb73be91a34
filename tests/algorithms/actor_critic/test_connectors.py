"""Learner-side reward clipping on real episodes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from ray.rllib.env.single_agent_episode import SingleAgentEpisode

from rllib_nethack.algorithms.actor_critic.connectors import ClipRewards, ClipRewardsFactory


def episode(rewards: list[float]) -> SingleAgentEpisode:
    ep = SingleAgentEpisode(
        observations=[0] * (len(rewards) + 1),
        actions=[0] * len(rewards),
        rewards=rewards,
        len_lookback_buffer=0,
    )
    ep.to_numpy()  # as the learner receives them
    return ep


def test_clips_to_the_limit_and_keeps_small_rewards() -> None:
    eps = [episode([0.5, 50.0, -20.0]), episode([1.0, 2.0])]
    batch = {"x": 1}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = ClipRewardsFactory(10.0)()(rl_module=None, batch=batch, episodes=eps)
    # RLlib's setter makes gymnasium warn on every call; the console stays quiet.
    assert not [w for w in seen if "Casting input" in str(w.message)]
    assert out is batch
    assert np.array_equal(eps[0].get_rewards(), [0.5, 10.0, -10.0])
    assert np.array_equal(eps[1].get_rewards(), [1.0, 2.0])


def test_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="> 0"):
        ClipRewards(limit=0.0)
