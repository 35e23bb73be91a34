"""The bootstrap step of RLlib 2.60's V-trace, made to bootstrap.

IMPALA and APPO on RLlib 2.60 append one phantom step to every episode chunk
(``AddOneTsToEpisodesAndTruncate``: reward 0, ``loss_mask`` False) so that the
learner's forward pass yields ``V(o_T)``, the value of the chunk's last
observation. Their losses then use ``discount = gamma * (1 - terminated) *
loss_mask``, which is 0 *at* the phantom step, and V-trace gives that step a
delta of its own: ``rho * (0 - V(o_T))``. The recursion carries it back, so a
chunk that was cut (or truncated by a time limit) loses ``V(o_T)`` from every
target: on-policy, the last real step's target is ``r`` instead of
``r + gamma * V(o_T)``. Every NetHack episode is cut into many chunks, so the
value function learns chunk-length returns.

The fix here needs nothing else of RLlib's loss to change: give each step
outside the loss mask (the phantom, and the zero padding after it) the reward
``V`` of its own state. With its discount 0 its delta is then ``rho * (V - V)
= 0`` exactly, so the phantom's V-trace target is ``V(o_T)`` and the last real
step bootstraps from it, unless it terminated (its own discount is 0 then).
Drop this module once RLlib's V-trace leaves the bootstrap step out.
"""

from __future__ import annotations

import torch


def bootstrap_rewards(
    rewards: torch.Tensor, values: torch.Tensor, loss_mask: torch.Tensor
) -> torch.Tensor:
    """``rewards`` with each step outside ``loss_mask`` given its own value (no gradient).

    Args:
        rewards: the batch's rewards, any shape.
        values: the module's value estimates, the same shape.
        loss_mask: True on real steps, False on the appended bootstrap step and padding.
    """
    return torch.where(loss_mask.bool(), rewards, values.detach().to(rewards.dtype))
