"""RND's networks (Burda et al. 2018, as MiniHack's baselines use them): a fixed random
target and a trained predictor over the same observation.

Both read the observation through the model's architecture (each its own
encoder and weights), as MiniHack's ``int.input=full`` reads the glyphs, the
crop around the hero and the bottom-line stats. The target ends in one linear
layer and is never trained; the predictor ends in a deeper MLP (the paper's
asymmetry: the predictor must be able to fit the target). The squared error
between the two is large on observations the predictor has rarely been
trained on, which is the bonus.

They live inside the RLModule: RLlib's weight sync brings both to the env
runners (where :mod:`rllib_nethack.algorithms.exploration.rnd` computes the
bonus), and checkpoints keep them with the predictor's optimizer state.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.layers import mlp

#: Attribute of the RLModule holding :class:`RNDNetworks` (absent without RND).
RND_ATTRIBUTE = "rnd"


class RNDNetworks(nn.Module):
    """``target(o)`` (frozen) and ``predictor(o)``, both ``[N, out_dim]``."""

    def __init__(
        self, target_encoder: CombinedEncoder, predictor_encoder: CombinedEncoder, out_dim: int
    ) -> None:
        super().__init__()
        width = int(target_encoder.out_dim)
        self.target = nn.Sequential(target_encoder, nn.Linear(width, out_dim))
        self.target.requires_grad_(False)
        self.predictor = nn.Sequential(
            predictor_encoder, mlp(width, (out_dim, out_dim)), nn.Linear(out_dim, out_dim)
        )

    def forward(self, obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(target, predicted)`` features of a ``[N, ...]`` batch of observations."""
        with torch.no_grad():
            target = self.target(obs)
        return target, self.predictor(obs)

    def bonus(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """``0.5 * ||target - predicted||^2`` per observation (MiniHack's bonus): ``[N]``."""
        target, predicted = self(obs)
        return 0.5 * (target - predicted).pow(2).sum(-1)


def distillation_loss(
    rnd: RNDNetworks, obs: Mapping[str, torch.Tensor], mask: torch.Tensor | None
) -> torch.Tensor:
    """Mean squared error of the predictor over the real steps of a training batch.

    ``obs`` is ``[B, T, ...]`` (recurrent models) or ``[N, ...]``; ``mask`` (the
    loss mask, ``None`` when RLlib adds none) the matching ``[B, T]`` or ``[N]``.
    """
    lead = mask.dim() if mask is not None else 1
    flat = {k: v.reshape(-1, *v.shape[lead:]) for k, v in obs.items()}
    target, predicted = rnd(flat)
    errors = (target - predicted).pow(2).mean(-1)
    if mask is None:
        return errors.mean()
    valid = mask.reshape(-1).bool()
    if not bool(valid.any()):
        return errors.sum() * 0.0  # keeps the graph whole on a batch without real steps
    return errors[valid].mean()
