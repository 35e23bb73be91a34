"""E3B's networks (Henaff et al. 2022): an observation embedding trained by inverse dynamics.

The embedding ``phi`` has its own encoder (the model's architecture, its own
weights), so the bonus measures novelty in features that predict the agent's
own actions, not in whatever the policy finds useful. It lives inside the
RLModule: RLlib's weight sync brings it to the env runners (where
:mod:`rllib_nethack.algorithms.exploration.e3b` computes the elliptical bonus
from it) and checkpoints save it with its optimizer state. The inverse-dynamics
head is only trained, so inference-only modules drop it.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F

from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.layers import flatten_time, mlp

#: Attributes of the RLModule holding :class:`E3BEmbedding` and the inverse-dynamics
#: head (absent without E3B). The head is top level: RLlib's inference-only
#: modules drop top-level attributes only.
E3B_ATTRIBUTE = "e3b"
INVERSE_HEAD = "e3b_inverse"


class E3BEmbedding(nn.Module):
    """``phi(o)``: the model's encoder (own weights) -> a linear embedding."""

    def __init__(self, encoder: CombinedEncoder, embedding_dim: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.project = nn.Linear(int(encoder.out_dim), embedding_dim)
        self.embedding_dim = embedding_dim

    def forward(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """``phi`` of a ``[N, ...]`` batch of observations: ``[N, embedding_dim]``."""
        return self.project(self.encoder(obs))  # type: ignore[no-any-return]


def inverse_head(embedding_dim: int, num_actions: int, hidden: int = 256) -> nn.Module:
    """``(phi_t, phi_t+1) -> a_t`` logits."""
    return nn.Sequential(mlp(2 * embedding_dim, (hidden,)), nn.Linear(hidden, num_actions))


def inverse_dynamics_loss(
    embedding: nn.Module,
    inverse: nn.Module,
    obs: Mapping[str, torch.Tensor],
    actions: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """Cross-entropy of ``a_t`` from ``(phi(o_t), phi(o_t+1))`` over training sequences.

    ``obs`` is ``[B, T, ...]``, ``actions`` and ``mask`` (the loss mask) ``[B, T]``.
    A step in the loss mask is followed, in its row, by the next observation
    of its episode: every chunk ends with the bootstrap step RLlib appends
    (outside the mask), and a packed row never splits a chunk.
    """
    b, t = actions.shape[:2]
    phi = embedding({k: flatten_time(v, 2) for k, v in obs.items()}).reshape(b, t, -1)
    logits = inverse(torch.cat([phi[:, :-1], phi[:, 1:]], dim=-1))
    valid = mask[:, :-1].bool()
    if not bool(valid.any()):
        return phi.sum() * 0.0  # keeps the graph whole on a batch without pairs
    return F.cross_entropy(logits[valid], actions[:, :-1][valid].long())
