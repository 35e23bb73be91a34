"""An observation embedding trained by the agent's own dynamics (E3B's and RIDE's ``phi``).

E3B (Henaff et al. 2022) and RIDE (Raileanu & Rocktäschel 2020) both measure
novelty in an embedding ``phi`` that is trained to predict the agent's own
action from two consecutive observations (inverse dynamics), so that ``phi``
keeps what the agent controls and drops what it does not (a monster moving,
the turn counter). RIDE also trains a forward model, ``(phi(s_t), a_t) ->
phi(s_t+1)``. The embedding has its own encoder (the model's architecture,
its own weights), so it is not whatever the policy finds useful.

The networks live inside the RLModule: RLlib's weight sync brings ``phi`` to
the env runners (where each bonus is computed from it) and checkpoints save it
with its optimizer state. The dynamics heads are only trained, so they sit at
the module's top level where inference-only modules drop them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.layers import flatten_time, mlp


class DynamicsEmbedding(nn.Module):
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


def forward_head(embedding_dim: int, num_actions: int, hidden: int) -> nn.Module:
    """``(phi_t, one_hot(a_t)) -> phi_t+1``."""
    return nn.Sequential(
        mlp(embedding_dim + num_actions, (hidden,)), nn.Linear(hidden, embedding_dim)
    )


class Transitions(NamedTuple):
    """The real ``s_t -> s_t+1`` steps of a training batch, embedded: ``[M, ...]`` each."""

    phi: torch.Tensor
    next_phi: torch.Tensor
    actions: torch.Tensor


def transitions(
    embedding: nn.Module,
    obs: Mapping[str, torch.Tensor],
    actions: torch.Tensor,
    mask: torch.Tensor,
) -> Transitions:
    """``(phi(o_t), phi(o_t+1), a_t)`` for every step of the training sequences in the loss mask.

    ``obs`` is ``[B, T, ...]``, ``actions`` and ``mask`` (the loss mask) ``[B, T]``.
    A step in the loss mask is followed, in its row, by the next observation
    of its episode: every chunk ends with the bootstrap step RLlib appends
    (outside the mask), and a packed row never splits a chunk. ``M`` may be 0
    (a batch without pairs); the tensors stay in the graph even then, so every
    parameter gets a (zero) gradient.
    """
    b, t = actions.shape[:2]
    phi = embedding({k: flatten_time(v, 2) for k, v in obs.items()}).reshape(b, t, -1)
    valid = mask[:, :-1].bool()
    return Transitions(phi[:, :-1][valid], phi[:, 1:][valid], actions[:, :-1][valid].long())


def inverse_dynamics_loss(inverse: nn.Module, steps: Transitions) -> torch.Tensor:
    """Mean cross-entropy of ``a_t`` predicted from ``(phi_t, phi_t+1)``."""
    if not len(steps.actions):
        return steps.phi.sum() * 0.0
    logits = inverse(torch.cat([steps.phi, steps.next_phi], dim=-1))
    return F.cross_entropy(logits, steps.actions)


def forward_dynamics_loss(forward: nn.Module, steps: Transitions, num_actions: int) -> torch.Tensor:
    """Mean ``||forward(phi_t, a_t) - phi_t+1||_2`` (RIDE's forward loss, per step).

    Not squared, and the target not detached: as RIDE's and MiniHack's code
    train it (the inverse loss keeps ``phi`` from collapsing to a constant).
    """
    if not len(steps.actions):
        return steps.phi.sum() * 0.0
    one_hot = F.one_hot(steps.actions, num_actions).to(steps.phi.dtype)
    predicted = forward(torch.cat([steps.phi, one_hot], dim=-1))
    return torch.linalg.vector_norm(predicted - steps.next_phi, dim=-1).mean()
