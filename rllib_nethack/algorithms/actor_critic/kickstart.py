"""Kickstarting: APPO/IMPALA/PPO pulled towards a teacher policy (a BC checkpoint, say).

With ``kickstart.teacher=CHECKPOINT`` every RL loss gets ``coeff`` x
KL(teacher || student) over the online batch's real steps; ``coeff`` falls
linearly to 0 over ``kickstart.decay_env_steps`` env steps (sampled, lifetime;
none: it stays). The teacher is the checkpoint's module, frozen, in eval mode,
in the learner. It runs over each training sequence from a zero LSTM state
(its state at the env runners is not recorded), its core resetting where a
game starts inside a sequence, as the student's does. The settings reach the
learner in ``learner_config_dict`` under :data:`KICKSTART`, written only by
the translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME

from rllib_nethack.models.cores import RESETS
from rllib_nethack.runs.modules import restore_module

#: ``learner_config_dict``'s key for ``{teacher, coeff, decay_env_steps}``; the translation's.
KICKSTART = "_kickstart"
KICKSTART_KL = "kickstart_kl"
KICKSTART_COEFF = "kickstart_coeff"


def kickstart_coeff(coeff: float, decay_env_steps: int | None, env_steps: int) -> float:
    """The KL term's coefficient after ``env_steps``: linear from ``coeff`` to 0."""
    if not decay_env_steps:
        return coeff
    return coeff * max(0.0, 1.0 - env_steps / decay_env_steps)


def teacher_kl(
    teacher_logits: torch.Tensor, student_logits: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Mean KL(teacher || student) over the steps in ``mask`` (0 if there are none)."""
    log_t = torch.log_softmax(teacher_logits, -1)
    log_s = torch.log_softmax(student_logits, -1)
    per_step = (log_t.exp() * (log_t - log_s)).sum(-1)
    chosen = mask.bool()
    if not chosen.any():
        return student_logits.sum() * 0.0
    return per_step[chosen].mean()


def teacher_logits(teacher: Any, batch: Mapping[str, Any]) -> torch.Tensor:
    """The teacher's logits over a ``[B, T]`` batch, from a zero state per row."""
    inputs: dict[str, Any] = {Columns.OBS: batch[Columns.OBS]}
    if RESETS in batch:
        inputs[RESETS] = batch[RESETS]
    if teacher.is_stateful():
        rows = int(batch[Columns.LOSS_MASK].shape[0])
        device = batch[Columns.LOSS_MASK].device
        inputs[Columns.STATE_IN] = {
            k: torch.zeros(rows, *torch.as_tensor(v).shape[-1:], device=device)
            for k, v in teacher.get_initial_state().items()
        }
    with torch.no_grad():
        return cast(torch.Tensor, teacher.forward_train(inputs)[Columns.ACTION_DIST_INPUTS])


class Kickstarting:
    """Mixin in front of an RLlib actor-critic learner: its loss + ``coeff`` x KL."""

    def build(self) -> None:
        super().build()  # type: ignore[misc]
        settings = (self.config.learner_config_dict or {}).get(KICKSTART)  # type: ignore[attr-defined]
        self._kickstart: dict[str, Any] | None = dict(settings) if settings else None
        self._env_steps = 0
        self._teacher: Any = None
        if self._kickstart is not None:
            teacher = restore_module(Path(self._kickstart["teacher"]))
            teacher.to(self._device)  # type: ignore[attr-defined]
            teacher.eval()
            for param in teacher.parameters():
                param.requires_grad_(False)
            self._teacher = teacher

    def before_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        super().before_gradient_based_update(timesteps=timesteps)  # type: ignore[misc]
        self._env_steps = int(timesteps.get(NUM_ENV_STEPS_SAMPLED_LIFETIME, 0) or 0)

    def compute_loss_for_module(
        self, *, module_id: Any, config: Any, batch: dict[str, Any], fwd_out: dict[str, Any]
    ) -> Any:
        loss = super().compute_loss_for_module(  # type: ignore[misc]
            module_id=module_id, config=config, batch=batch, fwd_out=fwd_out
        )
        if self._kickstart is None:
            return loss
        kl = teacher_kl(
            teacher_logits(self._teacher, batch),
            fwd_out[Columns.ACTION_DIST_INPUTS],
            batch[Columns.LOSS_MASK],
        )
        coeff = kickstart_coeff(
            float(self._kickstart["coeff"]), self._kickstart.get("decay_env_steps"), self._env_steps
        )
        self.metrics.log_dict(  # type: ignore[attr-defined]
            {KICKSTART_KL: kl.detach(), KICKSTART_COEFF: coeff}, key=module_id, window=1
        )
        return loss + coeff * kl
