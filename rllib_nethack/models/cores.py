"""Cores: what turns per-step features into the policy's hidden state.

``LSTMCore`` carries state across steps; RLlib's episode connectors store it
per episode and feed it back (as ``state_in``) at the start of each rollout
fragment and each training sequence. ``IdentityCore`` makes a feed-forward model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

State = dict[str, torch.Tensor]


class LSTMCore(nn.Module):
    """A one-layer LSTM over ``[B, T, F]`` features; state ``{"h", "c"}`` each ``[B, H]``."""

    def __init__(self, in_dim: int, size: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_dim, size, batch_first=True)
        self.out_dim = size

    def initial_state(self) -> dict[str, Any]:
        zeros = np.zeros(self.out_dim, dtype=np.float32)
        return {"h": zeros, "c": zeros.copy()}

    def forward(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        h, c = state["h"].unsqueeze(0), state["c"].unsqueeze(0)
        out, (h, c) = self.lstm(x, (h.contiguous(), c.contiguous()))
        return out, {"h": h.squeeze(0), "c": c.squeeze(0)}


class IdentityCore(nn.Module):
    """No recurrence: the features are the hidden state."""

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.out_dim = in_dim

    def initial_state(self) -> dict[str, Any]:
        return {}

    def forward(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        return x, state
