"""APPO/IMPALA/PPO with a BC loss beside the RL loss (Dungeons & Data's supervised loss).

With ``dataset.bc_coeff > 0`` every RL loss gets ``bc_coeff`` x the
cross-entropy of the demonstrator's actions on the next ``nle.dataset``
minibatch (``dataset.batch_size`` lanes x ``dataset.seq_len`` frames), read
in the learner or by a Ray actor (:mod:`~rllib_nethack.algorithms.bc.feed`),
with each lane's LSTM state carried on as ``algo=bc`` does.
The settings reach the learner in ``learner_config_dict`` under
:data:`DEMONSTRATIONS`, which only the translation writes (a user's key there
is a switch, :func:`~rllib_nethack.algorithms.actor_critic.switches.check_switches`).
The reader is not part of a checkpoint: a resumed run reads the games anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.utils.torch_utils import convert_to_torch_tensor

from rllib_nethack.algorithms.bc.batches import flatten_rows
from rllib_nethack.algorithms.bc.feed import DemoFeed, open_feed
from rllib_nethack.algorithms.bc.lanes import LaneStates
from rllib_nethack.algorithms.bc.learner import behaviour_cloning_loss
from rllib_nethack.metrics.result_keys import BC_ACCURACY, BC_LOSS
from rllib_nethack.models.cores import RESETS

#: ``learner_config_dict``'s key for the prepared dataset settings plus ``bc_coeff``;
#: reserved for the translation.
DEMONSTRATIONS = "_demonstrations"


def demonstration_settings(learner_config_dict: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The BC loss's settings in a learner config, or None when there is no BC loss."""
    settings = (learner_config_dict or {}).get(DEMONSTRATIONS)
    return dict(settings) if settings else None


class DemonstrationLoss:
    """Mixin in front of an RLlib actor-critic learner: its loss + ``bc_coeff`` x BC's."""

    def build(self) -> None:
        super().build()  # type: ignore[misc]
        self._demo_settings = demonstration_settings(
            self.config.learner_config_dict  # type: ignore[attr-defined]
        )
        self._demo_feed: DemoFeed | None = None  # opened at the first loss
        self._demo_lanes = LaneStates()

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        if self._demo_settings is None:
            return loss
        bc_loss, accuracy = self.demonstration_loss(module_id)
        self.metrics.log_dict(  # type: ignore[attr-defined]
            {BC_LOSS: bc_loss.detach(), BC_ACCURACY: accuracy}, key=module_id, window=1
        )
        return loss + float(self._demo_settings["bc_coeff"]) * bc_loss

    def demonstration_loss(self, module_id: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """BC's cross-entropy and action accuracy on the next dataset minibatch."""
        assert self._demo_settings is not None
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        if self._demo_feed is None:
            self._demo_feed = open_feed(self._demo_settings, module.observation_space)
        device = next(module.parameters()).device
        batch = convert_to_torch_tensor(self._demo_feed.next_batch(), device)
        stateful = module.is_stateful()
        if stateful:
            batch[Columns.STATE_IN] = self._demo_lanes.start(module_id, module, batch[RESETS])
        else:  # a feed-forward model reads frames, as algo=bc's learner feeds it
            flatten_rows(batch)
        out = module.forward_train(batch)
        if stateful:
            self._demo_lanes.keep(module_id, out.get(Columns.STATE_OUT))
        logits = cast(torch.Tensor, out[Columns.ACTION_DIST_INPUTS])
        return behaviour_cloning_loss(logits, batch[Columns.ACTIONS], batch[Columns.LOSS_MASK])
