"""Advantages standardised over a batch's real steps, for every actor-critic learner.

Sample Factory's learner standardises the advantages of each minibatch (V-trace
or GAE) before its policy loss; RLlib standardises PPO's but leaves IMPALA's and
APPO's V-trace advantages raw. Raw, they carry the reward's scale: on a sparse
MiniHack task (+1 at the goal, values near 0.6) they are a few hundredths, well
under the entropy bonus's pull: on MiniHack-Room-Random-5x5 APPO's policy
stayed a random walk, its actions independent of what it saw, for 400k env
steps. Standardised, the policy step no longer depends on the reward's units,
``entropy_coeff`` means the same on every task, and APPO learns that task
(benchmarks/RESULTS.md), in more env steps than PPO, which takes several
updates from each batch.

RLlib's V-trace losses offer no hook between computing the advantages and
using them, so :func:`standardised_vtrace` swaps the ``vtrace_torch`` those
losses call for one that standardises its advantages, for the length of one
loss computation, and fails loudly if the loss did not call it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from ray.rllib.algorithms.impala.torch.vtrace_torch_v2 import vtrace_torch

#: The RLlib modules whose loss calls ``vtrace_torch`` by that name.
_VTRACE_LOSSES = (
    "ray.rllib.algorithms.appo.torch.appo_torch_learner",
    "ray.rllib.algorithms.impala.torch.impala_torch_learner",
)


def standardise(advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``advantages`` shifted and scaled to mean 0, std 1 over the steps in ``mask``; 0 elsewhere.

    The scale is floored at 1e-4, so a batch whose advantages are all alike
    (nothing learned, no reward yet) is not blown up into noise.
    """
    mask = torch.as_tensor(mask, device=advantages.device).bool()
    real = advantages[mask]
    if real.numel() < 2:  # nothing to compare a step with
        return torch.zeros_like(advantages)
    scale = real.std(correction=0).clamp_min(1e-4)
    return torch.where(mask, (advantages - real.mean()) / scale, torch.zeros_like(advantages))


@contextmanager
def standardised_vtrace(mask: torch.Tensor) -> Iterator[None]:
    """Inside: RLlib's IMPALA and APPO losses get V-trace advantages standardised over ``mask``.

    Args:
        mask: The batch's loss mask, time-major as the losses lay it out
            (``make_time_major``), True on real steps.

    Raises:
        RuntimeError: the loss run inside never called ``vtrace_torch`` (an
            RLlib version whose loss computes its advantages otherwise).
    """
    calls = 0

    def vtrace(**kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        nonlocal calls
        calls += 1
        targets, advantages = vtrace_torch(**kwargs)
        return targets, standardise(advantages, mask)

    modules = [importlib.import_module(name) for name in _VTRACE_LOSSES]
    originals = [getattr(module, "vtrace_torch") for module in modules]  # noqa: B009 (untyped)
    for module in modules:
        setattr(module, "vtrace_torch", vtrace)  # noqa: B010
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            setattr(module, "vtrace_torch", original)  # noqa: B010
    if calls == 0:
        raise RuntimeError(
            "RLlib's V-trace loss did not call vtrace_torch, so its advantages were not "
            "standardised; set algo.learner_config_dict.normalize_advantages=false"
        )
