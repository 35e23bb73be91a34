"""One mixin for the bonus networks' own losses beside an actor-critic learner's.

E3B trains its embedding by inverse dynamics, RIDE its embedding by inverse
and forward dynamics, RND its predictor by distillation; each adds ``coeff x
loss`` per loss to the learner's loss for the module and logs each loss on its
own. What differs is only which losses, so each bonus says that
(:meth:`AuxiliaryLoss.auxiliary_losses`) and this class does the rest.
"""

from __future__ import annotations

from typing import Any


class AuxiliaryLoss:
    """Mixin in front of one of our learners: its loss plus the bonus networks' losses."""

    def auxiliary_losses(self, module: Any, batch: dict[str, Any]) -> dict[str, tuple[Any, float]]:
        """Each bonus-network loss on ``batch`` and its weight, by the metric it is logged under."""
        raise NotImplementedError

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        module = self.module[module_id].unwrapped()  # type: ignore[attr-defined]
        for metric, (auxiliary, coeff) in self.auxiliary_losses(module, batch).items():
            self.metrics.log_value(  # type: ignore[attr-defined]
                (module_id, metric), auxiliary.detach(), window=1
            )
            loss = loss + coeff * auxiliary
        return loss
