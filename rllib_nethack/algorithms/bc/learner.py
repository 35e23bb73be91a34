"""The BC learner: cross-entropy on the demonstrator's actions, the LSTM carried
through games (:class:`~rllib_nethack.algorithms.bc.lanes.LaneStates`)."""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.torch.torch_learner import TorchLearner
from ray.rllib.utils.typing import ModuleID, TensorType

from rllib_nethack.algorithms.bc.batches import flatten_rows
from rllib_nethack.algorithms.bc.lanes import LaneStates
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


class NetHackBCTorchLearner(FastOptimizerStep, TorchLearner):  # type: ignore[misc]
    """BC on our RLModule (any architecture; the tty-only one reads exactly what a ttyrec has)."""

    def build(self) -> None:
        super().build()
        self._lanes = LaneStates()

    def _update(self, batch: dict[str, Any], **kwargs: Any) -> tuple[Any, Any, Any]:
        stateful = []
        for module_id, module_batch in batch.items():
            module = self.module[module_id].unwrapped()
            if module.is_stateful():
                module_batch[Columns.STATE_IN] = self._lanes.start(
                    module_id, module, module_batch[RESETS]
                )
                stateful.append(module_id)
            else:  # a feed-forward model (rnn_size=0) reads frames, not sequences
                flatten_rows(module_batch)
        fwd_out, loss_per_module, metrics = super()._update(batch, **kwargs)
        for module_id in stateful:
            self._lanes.keep(module_id, fwd_out[module_id].get(Columns.STATE_OUT))
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
