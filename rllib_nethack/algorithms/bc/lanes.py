"""Each dataset lane's LSTM state, carried from one minibatch to the next.

A ttyrec minibatch holds ``B`` lanes of ``T`` frames, and each lane goes on
with the same game in the next minibatch (``nle.dataset``'s layout, as in
Dungeons & Data). Starting each lane's next sequence from its final state lets
the recurrent policy see whole games, not ``T``-frame snippets from a zero
state; a lane whose next sequence starts a new game starts from zero (the core
zeroes it inside a sequence, :data:`~rllib_nethack.models.cores.RESETS`).
Used by ``algo=bc``'s learner and by the BC loss beside APPO/IMPALA/PPO.
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.utils.typing import ModuleID


class LaneStates:
    """The state each lane ended its last sequence in, by module."""

    def __init__(self) -> None:
        self._state: dict[ModuleID, dict[str, torch.Tensor]] = {}

    def start(self, module_id: ModuleID, module: Any, resets: torch.Tensor) -> dict[str, Any]:
        """The state each lane's next sequence starts from (``resets``: ``[B, T]``)."""
        lanes = int(resets.shape[0])
        state = self._state.get(module_id)
        if state is None or next(iter(state.values())).shape[0] != lanes:
            state = {
                k: torch.as_tensor(v, device=resets.device).expand(lanes, -1).clone()
                for k, v in module.get_initial_state().items()
            }
        # A lane whose sequence opens a new game starts from the initial state.
        fresh = resets[:, :1].bool()
        return {k: torch.where(fresh, torch.zeros_like(v), v) for k, v in state.items()}

    def keep(self, module_id: ModuleID, state_out: dict[str, torch.Tensor] | None) -> None:
        """Remember each lane's final state (no gradient flows across minibatches)."""
        if state_out:
            self._state[module_id] = {k: v.detach() for k, v in state_out.items()}

    def get(self, module_id: ModuleID) -> dict[str, torch.Tensor] | None:
        """The kept state of ``module_id``'s lanes, if any."""
        return self._state.get(module_id)
