"""The previous action as part of the observation.

Sample Factory's NetHack models condition on the last action taken (it tells a
recurrent policy what it just typed, which matters when a key opens a menu or
a prompt). RLlib can add previous actions through a connector too, but putting
it in the observation keeps every algorithm, the keystroke interface and
evaluation scripts on one code path.
"""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsInt

import gymnasium as gym
import numpy as np

PREV_ACTION_KEY = "prev_action"


def _frozen_action(action: int) -> np.ndarray:
    array = np.array([action], dtype=np.int64)
    array.flags.writeable = False
    return array


class PrevActionWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Add ``prev_action`` (shape ``(1,)``, int64; 0 after a reset) to a dict observation."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        spaces = env.observation_space
        action_space = env.action_space
        assert isinstance(spaces, gym.spaces.Dict)
        assert isinstance(action_space, gym.spaces.Discrete)
        # One read-only array per action, shared by every step that took it:
        # cheaper than allocating one per step, and nothing downstream writes
        # into observations.
        self._encoded = tuple(_frozen_action(a) for a in range(int(action_space.n)))
        self.observation_space = gym.spaces.Dict(
            {
                **spaces.spaces,
                PREV_ACTION_KEY: gym.spaces.Box(
                    low=0, high=int(action_space.n) - 1, shape=(1,), dtype=np.int64
                ),
            }
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        obs[PREV_ACTION_KEY] = self._encoded[0]
        return obs, info

    def step(self, action: SupportsInt) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        obs[PREV_ACTION_KEY] = self._encoded[int(action)]
        return obs, reward, terminated, truncated, info
