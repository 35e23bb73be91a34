"""n-step value targets for MuZero.

The value target of step ``t`` is ``sum_{i<k} gamma^i r_{t+i} + gamma^k v_{t+k}``
with ``k = min(n, T - t)``: ``n`` rewards and the search value ``n`` steps
later, or fewer rewards and the value of the last observation when the
trajectory ends first (0 after a terminal step). The reward sum and the
bootstrap are returned apart, so that Reanalyze can swap the stored bootstrap
value for a fresh one from the current network.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class NStepParts(NamedTuple):
    """The two halves of an n-step target, per position."""

    reward_sum: np.ndarray  #: discounted sum of the (up to n) rewards
    bootstrap_index: np.ndarray  #: observation whose value closes the target
    bootstrap_discount: np.ndarray  #: gamma ** (rewards summed)


def n_step_parts(rewards: np.ndarray, positions: np.ndarray, gamma: float, n: int) -> NStepParts:
    """The n-step reward sums and bootstrap indices at ``positions`` of one trajectory.

    Args:
        rewards: ``[T]``, ``rewards[t]`` follows the action at step ``t``.
        positions: observation indices in ``0 .. T`` (``T`` is the last observation).
        gamma: discount.
        n: the most rewards summed before bootstrapping.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.int64)
    length = len(rewards)
    steps = np.minimum(n, length - positions)  # rewards summed, 0 at the last observation
    padded = np.concatenate([rewards, np.zeros(n, dtype=np.float64)])
    offsets = np.arange(n)
    window = padded[positions[:, None] + offsets[None, :]]  # [P, n]
    used = offsets[None, :] < steps[:, None]
    reward_sum = (window * used * gamma ** offsets[None, :]).sum(axis=1)
    return NStepParts(reward_sum, positions + steps, gamma ** steps.astype(np.float64))


def n_step_targets(rewards: np.ndarray, values: np.ndarray, gamma: float, n: int) -> np.ndarray:
    """n-step value targets for every step of one trajectory.

    Args:
        rewards: ``[T]``.
        values: ``[T + 1]`` value estimates of the observations; ``values[T]``
            is 0 if the trajectory ended in a terminal state.
    """
    parts = n_step_parts(rewards, np.arange(len(rewards)), gamma, n)
    values = np.asarray(values, dtype=np.float64)
    return parts.reward_sum + parts.bootstrap_discount * values[parts.bootstrap_index]
