"""Cores: what turns per-step features into the policy's hidden state.

``LSTMCore`` carries state across steps; RLlib's episode connectors store it
per episode and feed it back (as ``state_in``) at the start of each rollout
fragment and each training sequence. A training sequence may hold several
episodes packed one after another (:class:`rllib_nethack.algorithms.actor_critic.connectors.
PackSequences`); the batch column :data:`RESETS` marks the steps where the
state goes back to zero (the initial state) inside it. ``IdentityCore`` makes
a feed-forward model.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import torch
from torch import nn

State = dict[str, torch.Tensor]
#: Batch column ``[B, T]`` (bool): the core's state is zeroed before this step.
RESETS = "state_resets"


class LSTMCore(nn.Module):
    """A one-layer LSTM over ``[B, T, F]`` features; state ``{"h", "c"}`` each ``[B, H]``."""

    def __init__(self, in_dim: int, size: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_dim, size, batch_first=True)
        self.out_dim = size

    def initial_state(self) -> dict[str, Any]:
        zeros = np.zeros(self.out_dim, dtype=np.float32)
        return {"h": zeros, "c": zeros.copy()}

    def forward(
        self, x: torch.Tensor, state: State, resets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        if x.shape[1] == 1:  # acting: one step per call
            # torch's fused LSTM pays a fixed cost per call on CPU that a single
            # step does not amortise; the cell is about twice as fast at batch 16.
            w_ih, w_hh, b_ih, b_hh = self.lstm.all_weights[0]
            h1, c1 = torch.lstm_cell(x[:, 0], (state["h"], state["c"]), w_ih, w_hh, b_ih, b_hh)
            return h1.unsqueeze(1), {"h": h1, "c": c1}
        h, c = state["h"].unsqueeze(0).contiguous(), state["c"].unsqueeze(0).contiguous()
        if resets is None or not bool(resets[:, 1:].any()):
            out, (h, c) = self.lstm(x, (h, c))
            return out, {"h": h.squeeze(0), "c": c.squeeze(0)}
        # Run the LSTM over the spans between steps where some row resets, and
        # zero those rows' state in between: one call per span, not per step.
        resets = resets.bool()
        cuts = [0, *(t for t in range(1, x.shape[1]) if bool(resets[:, t].any())), x.shape[1]]
        outs = []
        for start, stop in itertools.pairwise(cuts):
            if start:
                keep = (~resets[:, start]).to(h.dtype).view(1, -1, 1)
                h, c = h * keep, c * keep
            out, (h, c) = self.lstm(x[:, start:stop], (h, c))
            outs.append(out)
        return torch.cat(outs, dim=1), {"h": h.squeeze(0), "c": c.squeeze(0)}


class IdentityCore(nn.Module):
    """No recurrence: the features are the hidden state."""

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.out_dim = in_dim

    def initial_state(self) -> dict[str, Any]:
        return {}

    def forward(
        self, x: torch.Tensor, state: State, resets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        return x, state
