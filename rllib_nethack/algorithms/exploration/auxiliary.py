"""One mixin for the bonus networks' own losses beside an actor-critic learner's.

E3B trains its embedding by inverse dynamics and RND its predictor by
distillation; both add ``coeff x loss`` to the learner's loss for the module
and log the loss on its own. What differs is only which loss, so each bonus
says that (:meth:`AuxiliaryLoss.auxiliary_loss`) and this class does the rest.
"""

from __future__ import annotations

from typing import Any


class AuxiliaryLoss:
    """Mixin in front of one of our learners: its loss plus a bonus network's loss."""

    #: The metric the auxiliary loss is logged under (per module).
    metric: str

    def auxiliary_loss(self, module: Any, batch: dict[str, Any]) -> tuple[Any, float]:
        """The bonus network's loss on ``batch`` and its weight."""
        raise NotImplementedError

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        auxiliary, coeff = self.auxiliary_loss(module, batch)
        self.metrics.log_value(  # type: ignore[attr-defined]
            (module_id, self.metric), auxiliary.detach(), window=1
        )
        return loss + coeff * auxiliary
