"""Kickstarting: the learner adds exactly ``coeff`` x KL(teacher || student), decaying."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule
from test_demonstrations import learner_and_loss_inputs, tty_appo

from rllib_nethack.algorithms.actor_critic.kickstart import (
    KICKSTART_KL,
    Kickstarting,
    kickstart_coeff,
    teacher_kl,
)
from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.layout import MODULE_PATH
from rllib_nethack.training.init_from import policy_checkpoint


def test_the_coefficient_falls_linearly_to_zero() -> None:
    assert kickstart_coeff(2.0, 100, 0) == 2.0
    assert kickstart_coeff(2.0, 100, 25) == pytest.approx(1.5)
    assert kickstart_coeff(2.0, 100, 500) == 0.0
    assert kickstart_coeff(2.0, None, 10**9) == 2.0


def test_kl_matches_a_plain_loop() -> None:
    gen = torch.Generator().manual_seed(0)
    teacher, student = torch.randn(2, 3, 5, generator=gen), torch.randn(2, 3, 5, generator=gen)
    mask = torch.tensor([[True, False, True], [True, True, False]])
    terms = []
    for b in range(2):
        for t in range(3):
            if mask[b, t]:
                p, q = torch.softmax(teacher[b, t], 0), torch.softmax(student[b, t], 0)
                terms.append(float((p * (p.log() - q.log())).sum()))
    assert float(teacher_kl(teacher, student, mask)) == pytest.approx(sum(terms) / len(terms))
    assert float(teacher_kl(teacher, teacher, mask)) == pytest.approx(0.0, abs=1e-6)


def test_the_kl_term_is_coeff_times_kl_from_a_zero_state(tty_checkpoint: Path) -> None:
    config = tty_appo(f"kickstart.teacher={tty_checkpoint}", "kickstart.coeff=0.5")
    learner, kwargs = learner_and_loss_inputs(config)
    batch, fwd_out = kwargs["batch"], kwargs["fwd_out"]
    with_kl = float(learner.compute_loss_for_module(**kwargs).detach())
    rl_alone = float(super(Kickstarting, learner).compute_loss_for_module(**kwargs).detach())

    teacher = RLModule.from_checkpoint(str(tty_checkpoint.resolve() / MODULE_PATH))
    rows = batch[Columns.LOSS_MASK].shape[0]
    inputs = {
        Columns.OBS: batch[Columns.OBS],
        Columns.STATE_IN: {k: torch.zeros(rows, 16) for k in ("h", "c")},
    }
    with torch.no_grad():
        logits = teacher.forward_train(inputs)[Columns.ACTION_DIST_INPUTS]
    kl = teacher_kl(logits, fwd_out[Columns.ACTION_DIST_INPUTS], batch[Columns.LOSS_MASK])
    assert float(kl) > 0  # another network than the student's
    assert with_kl - rl_alone == pytest.approx(0.5 * float(kl), rel=1e-4, abs=1e-6)
    logged = learner.metrics.peek((DEFAULT_MODULE_ID, KICKSTART_KL))
    assert float(logged) == pytest.approx(float(kl), rel=1e-4)


def test_a_teacher_of_another_model_or_algorithm_is_one_line(tty_checkpoint: Path) -> None:
    run = ["+task=challenge", "model=chaotic_dwarf_tty", f"kickstart.teacher={tty_checkpoint}"]
    # The trainer checks that the teacher's model and actions fit, before Ray starts.
    cfg = compose_config([*run, "model=chaotic_dwarf"])
    with pytest.raises(ConfigError, match=r"kickstart\.teacher: .* holds model=chaotic_dwarf_tty"):
        policy_checkpoint(cfg, str(tty_checkpoint), "kickstart.teacher", print)
    # The translation refuses an algorithm that takes no kickstarting.
    with pytest.raises(ConfigError, match="algo=muzero takes no kickstarting"):
        build_algorithm_config(compose_config([*run, "algo=muzero", "model=chaotic_dwarf"]))
