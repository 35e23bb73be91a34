"""Step limits are truncation, not termination.

When NLE stops an episode at its step limit it returns ``terminated=True``
(its ``truncated`` flag is computed before the step count moves, so it is
still False) and says why only in ``info["end_status"]`` (ABORTED). Gymnasium,
and every algorithm that bootstraps values, read ``terminated`` as "the game
really ended here": the value of a cut-off game would be learned as zero.
This wrapper reports a step-limit stop as truncation only, and a death or a
task's success as termination only. (A task won on the very last allowed step
is reported by NLE as aborted, hence truncated.)
"""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsInt

import gymnasium as gym

_ABORTED = -1  # NLE's StepStatus.ABORTED


class TruncationWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Make ``terminated`` and ``truncated`` exclusive, as gymnasium defines them."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)

    def step(self, action: SupportsInt) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            aborted = int(info.get("end_status", 0)) == _ABORTED
            terminated, truncated = not aborted, aborted
        return obs, reward, terminated, truncated, info
