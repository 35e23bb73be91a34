"""The optimizer step of our learners: fused Adam, and one finiteness check.

RLlib 2.60's ``TorchLearner`` builds ``torch.optim.Adam(params)``, which on CPU
takes torch's single-tensor path, and checks every gradient for NaN/inf twice
per update (once when it sets the gradients, once before it steps). On the
default NetHack model the single-tensor Adam step and the two checks are a few
percent of an update that the learner, the brake on 2 CPUs, spends on
bookkeeping (measured in ``benchmarks/RESULTS.md``). :class:`FastOptimizerStep`
keeps RLlib's semantics:

- Adam with RLlib's settings (the learning rate comes from ``config.lr`` and its
  schedule), fused where torch has a fused kernel for the parameters' device;
- one pass summing the gradients decides whether they are all finite; only when
  they are not (or a grad scaler or torch LR scheduler is configured) does
  RLlib's own ``apply_gradients`` run, with its NaN handling unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

#: Device types with a fused Adam kernel in the torch versions we support.
FUSED_DEVICES = frozenset({"cpu", "cuda"})


def adam_options(params: Iterable[torch.Tensor]) -> dict[str, Any]:
    """``fused=True`` when every parameter is a float tensor on one fused-capable
    device type, else nothing (torch then picks its default path)."""
    params = list(params)
    devices = {p.device.type for p in params}
    if (
        params
        and len(devices) == 1
        and devices <= FUSED_DEVICES
        and all(p.is_floating_point() for p in params)
    ):
        return {"fused": True}
    return {}


def all_finite(gradients: Iterable[torch.Tensor | None]) -> bool:
    """Whether every gradient is free of NaN and inf, in one reduction.

    A sum is finite only if every term is; a finite but overflowing sum reads
    as not finite, which only sends the update down RLlib's exact path.
    """
    sums = [g.sum() for g in gradients if g is not None]
    return not sums or bool(torch.isfinite(torch.stack(sums).sum()))


class FastOptimizerStep:
    """Mixin in front of an RLlib ``TorchLearner``: fused Adam, one finiteness check."""

    def configure_optimizers_for_module(self, module_id: Any, config: Any = None) -> None:
        params = self.get_parameters(self._module[module_id])  # type: ignore[attr-defined]
        self.register_optimizer(  # type: ignore[attr-defined]
            module_id=module_id,
            optimizer=torch.optim.Adam(params, **adam_options(params)),
            params=params,
            lr_or_lr_schedule=config.lr,
        )

    def apply_gradients(self, gradients_dict: dict[Any, Any]) -> None:
        if (
            self._grad_scalers is not None  # type: ignore[attr-defined]
            or self._lr_scheduler_classes is not None  # type: ignore[attr-defined]
            or not all_finite(gradients_dict.values())
        ):
            super().apply_gradients(gradients_dict)  # type: ignore[misc]
            return
        for param_id, grad in gradients_dict.items():
            self._params[param_id].grad = grad  # type: ignore[attr-defined]
        for module_id, names in self._module_optimizers.items():  # type: ignore[attr-defined]
            for name in names:
                self.get_optimizer(module_id, name).step()  # type: ignore[attr-defined]
