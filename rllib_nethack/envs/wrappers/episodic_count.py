"""The episodic count bonus: ``1 / sqrt(N(s))`` for the state just reached.

``N`` counts the visits of this episode only (reset with the game), so the
bonus pushes each episode to new places instead of fading over training as a
lifetime count does. The env is the one place that sees every step of an
episode in order, whatever RLlib's rollout fragments cut: the counts carry over
fragment boundaries by construction. The state is the hero's position (dungeon,
level, x, y from NLE's blstats, which NLE tracks whatever observation keys were
asked for) or, with ``on="glyphs"``, a hash of the whole glyph map.

The bonus goes into ``info`` (:data:`INTRINSIC_REWARD_KEY`, with the episode's
running sum under :data:`INTRINSIC_RETURN_KEY` and ``N`` itself under
:data:`EPISODIC_VISITS_KEY`, which RIDE's bonus divides by), never into the reward: the
learner adds it, times its coefficient, to the rewards it trains on
(:mod:`rllib_nethack.algorithms.exploration.rewards`), so returns and success
metrics stay extrinsic.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Hashable
from typing import Any

import gymnasium as gym
from nle import nethack

from rllib_nethack.envs.nle_access import RawObservation, base_env
from rllib_nethack.envs.options import COUNT_ON

#: ``info`` key of the step's intrinsic reward (before its coefficient).
INTRINSIC_REWARD_KEY = "intrinsic_reward"
#: ``info`` key of the episode's intrinsic reward so far (its last step's: the episode's).
INTRINSIC_RETURN_KEY = "intrinsic_return"
#: ``info`` key of ``N(s)``, this episode's visits of the state just reached (RIDE divides by
#: its square root).
EPISODIC_VISITS_KEY = "episodic_visits"


class EpisodicCountWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Put ``1 / sqrt(N(s_t+1))`` of the state each step reaches into ``info``."""

    def __init__(self, env: gym.Env, on: str = "position") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, on=on)
        super().__init__(env)
        if on not in COUNT_ON:
            raise ValueError(f"count on {on!r}: expected one of {', '.join(COUNT_ON)}")
        self.on = on
        self._raw = RawObservation(base_env(env))
        self.counts: Counter[Hashable] = Counter()
        self._return = 0.0

    def state_key(self) -> Hashable:
        """The counted state of the current step."""
        if self.on == "position":
            bl = self._raw.blstats()
            return (
                int(bl[nethack.NLE_BL_DNUM]),
                int(bl[nethack.NLE_BL_DLEVEL]),
                int(bl[nethack.NLE_BL_X]),
                int(bl[nethack.NLE_BL_Y]),
            )
        return hashlib.blake2b(self._raw.glyphs().tobytes(), digest_size=16).digest()

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self.counts.clear()
        self.counts[self.state_key()] = 1  # the start is visited, not discovered
        self._return = 0.0
        counted = {INTRINSIC_REWARD_KEY: 0.0, INTRINSIC_RETURN_KEY: 0.0, EPISODIC_VISITS_KEY: 1}
        return obs, {**info, **counted}

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        key = self.state_key()
        self.counts[key] += 1
        visits = self.counts[key]
        bonus = 1.0 / math.sqrt(visits)
        self._return += bonus
        counted = {
            INTRINSIC_REWARD_KEY: bonus,
            INTRINSIC_RETURN_KEY: self._return,
            EPISODIC_VISITS_KEY: visits,
        }
        info = {**info, **counted}
        return obs, reward, terminated, truncated, info
