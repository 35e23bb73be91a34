"""Keep the observation keys a model reads, as arrays of their own.

NLE hands out the *same* numpy buffers on every step and overwrites them in
place. RLlib keeps every observation of an episode until it is trained on, so
without a copy every stored step would silently become the last one. This
wrapper selects the keys asked for and copies exactly those (copying a few
small arrays costs far less than NLE's own per-step copy of all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym


class ObservationKeysWrapper(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Select ``keys`` from a dict observation, copying each array.

    Args:
        env: An env with a ``Dict`` observation space that has every key in ``keys``.
        keys: The keys to keep, in order.
        copy: Copy the arrays. Only an outer selection over arrays that an
            inner one already copied (or freshly computed) may skip it.
    """

    def __init__(self, env: gym.Env, keys: Sequence[str], copy: bool = True) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, keys=tuple(keys), copy=copy)
        super().__init__(env)
        spaces = env.observation_space
        assert isinstance(spaces, gym.spaces.Dict)
        missing = [k for k in keys if k not in spaces.spaces]
        if missing:
            raise KeyError(f"observation keys {missing} are not produced by this env")
        self.keys = tuple(keys)
        self.copy = copy
        self.observation_space = gym.spaces.Dict({k: spaces[k] for k in self.keys})

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        if self.copy:
            return {k: observation[k].copy() for k in self.keys}
        return {k: observation[k] for k in self.keys}
