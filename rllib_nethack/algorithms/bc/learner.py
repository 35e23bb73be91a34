"""The BC learner: cross-entropy on the demonstrator's actions, the LSTM carried through games.

A ttyrec minibatch holds ``B`` lanes of ``T`` frames, and each lane goes on
with the same game in the next minibatch (``nle.dataset``'s layout, as in
Dungeons & Data). The learner keeps each lane's final LSTM state and starts the
lane's next sequence from it, so the recurrent policy sees whole games, not
``T``-frame snippets from a zero state; a lane whose next sequence starts a new
game starts from zero (the core zeroes it inside a sequence, :data:`RESETS`).
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.torch.torch_learner import TorchLearner
from ray.rllib.utils.typing import ModuleID, TensorType

from rllib_nethack.algorithms.optimizer import FastOptimizerStep
from rllib_nethack.metrics.result_keys import BC_ACCURACY, BC_LOSS
from rllib_nethack.models.cores import RESETS


def behaviour_cloning_loss(
    logits: torch.Tensor, actions: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy of ``actions`` under ``logits`` over the steps in ``mask``,
    and the share of those steps whose most likely action is the one taken."""
    chosen = mask.bool()
    flat_logits, flat_actions = logits[chosen], actions[chosen].long()
    if flat_actions.numel() == 0:  # a batch of padding only: nothing to learn
        zero = logits.sum() * 0.0
        return zero, zero.detach()
    loss = F.cross_entropy(flat_logits, flat_actions)
    accuracy = (flat_logits.argmax(-1) == flat_actions).float().mean()
    return loss, accuracy.detach()


def _flatten_rows(batch: Any) -> None:
    """``[B, T, ...]`` columns as ``[B * T, ...]``, in place; no sequence, no resets."""
    batch[Columns.OBS] = {k: v.flatten(0, 1) for k, v in batch[Columns.OBS].items()}
    for column in (Columns.ACTIONS, Columns.LOSS_MASK):
        batch[column] = batch[column].flatten(0, 1)
    del batch[RESETS]


class NetHackBCTorchLearner(FastOptimizerStep, TorchLearner):  # type: ignore[misc]
    """BC on our RLModule (any architecture; the tty-only one reads exactly what a ttyrec has)."""

    def build(self) -> None:
        super().build()
        #: Each lane's LSTM state after its last sequence, by module.
        self._lane_state: dict[ModuleID, dict[str, torch.Tensor]] = {}

    def _carried_state(self, module_id: ModuleID, batch: dict[str, Any]) -> dict[str, Any]:
        module = self.module[module_id].unwrapped()
        initial = module.get_initial_state()
        actions = batch[Columns.ACTIONS]
        lanes = int(actions.shape[0])
        state = self._lane_state.get(module_id)
        if state is None or next(iter(state.values())).shape[0] != lanes:
            state = {
                k: torch.as_tensor(v, device=actions.device).expand(lanes, -1).clone()
                for k, v in initial.items()
            }
        # A lane whose sequence opens a new game starts from the initial state.
        fresh = batch[RESETS][:, :1].bool()
        return {k: torch.where(fresh, torch.zeros_like(v), v) for k, v in state.items()}

    def _update(self, batch: dict[str, Any], **kwargs: Any) -> tuple[Any, Any, Any]:
        stateful = {}
        for module_id, module_batch in batch.items():
            if self.module[module_id].unwrapped().is_stateful():
                module_batch[Columns.STATE_IN] = self._carried_state(module_id, module_batch)
                stateful[module_id] = True
            else:  # a feed-forward model (rnn_size=0) reads frames, not sequences
                _flatten_rows(module_batch)
        fwd_out, loss_per_module, metrics = super()._update(batch, **kwargs)
        for module_id in stateful:
            state_out = fwd_out[module_id].get(Columns.STATE_OUT)
            if state_out:
                self._lane_state[module_id] = {k: v.detach() for k, v in state_out.items()}
        return fwd_out, loss_per_module, metrics

    def compute_loss_for_module(
        self,
        *,
        module_id: ModuleID,
        config: Any = None,
        batch: dict[str, Any],
        fwd_out: dict[str, TensorType],
    ) -> TensorType:
        logits = cast(torch.Tensor, fwd_out[Columns.ACTION_DIST_INPUTS])
        loss, accuracy = behaviour_cloning_loss(
            logits, batch[Columns.ACTIONS], batch[Columns.LOSS_MASK]
        )
        self.metrics.log_dict(
            {BC_LOSS: loss.detach(), BC_ACCURACY: accuracy}, key=module_id, window=1
        )
        return loss
