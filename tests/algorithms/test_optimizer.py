"""Our learners' optimizer step: fused Adam and one finiteness check, RLlib's semantics."""

from __future__ import annotations

import copy

import gymnasium as gym
import pytest
import torch

from rllib_nethack.algorithms.actor_critic.learners import NetHackAPPOTorchLearner
from rllib_nethack.algorithms.optimizer import FastOptimizerStep, adam_options, all_finite
from rllib_nethack.algorithms.registry import ALGORITHMS


def test_fused_only_for_float_parameters_on_one_fused_device() -> None:
    assert adam_options([torch.zeros(3), torch.zeros(2, 2)]) == {"fused": True}
    assert adam_options([torch.zeros(3, dtype=torch.float64)]) == {"fused": True}
    assert adam_options([torch.zeros(3, dtype=torch.int64)]) == {}
    assert adam_options([torch.zeros(3, device="meta")]) == {}
    assert adam_options([]) == {}


def test_all_finite_sees_one_nan_or_inf_anywhere() -> None:
    grads: list[torch.Tensor | None] = [torch.ones(1000), None, torch.zeros(3, 3)]
    assert all_finite(grads)
    assert all_finite([])
    for bad in (float("nan"), float("inf"), float("-inf")):
        broken = [g.clone() if g is not None else None for g in grads]
        broken[2][1, 1] = bad  # type: ignore[index]
        assert not all_finite(broken)


@pytest.mark.parametrize(
    "learner", sorted({e.learner_class for e in ALGORITHMS.values()}, key=lambda c: c.__name__)
)
def test_every_learner_of_ours_steps_through_it(learner: type) -> None:
    assert issubclass(learner, FastOptimizerStep)


@pytest.fixture(scope="module")
def learner() -> NetHackAPPOTorchLearner:
    """Our APPO learner as RLlib builds it (CartPole: a small module)."""
    from ray.rllib.algorithms.appo import APPOConfig

    config = (
        APPOConfig()
        .environment("CartPole-v1")
        .training(lr=1e-3)
        .learners(learner_class=NetHackAPPOTorchLearner)
    )
    return config.build_learner(env=gym.make("CartPole-v1"))  # type: ignore[no-any-return]


def reference_step(learner: NetHackAPPOTorchLearner, grads: dict) -> dict:
    """The parameters after one step of torch's single-tensor Adam, RLlib's on CPU,
    with NaN/inf gradients replaced as RLlib's ``apply_gradients`` does."""
    params = {
        pid: copy.deepcopy(p.detach()).requires_grad_(True) for pid, p in learner._params.items()
    }
    optimizer = torch.optim.Adam(list(params.values()), lr=1e-3, foreach=False)
    # A deep copy: loading keeps the state's tensors, and stepping updates them in place.
    state = copy.deepcopy(learner.get_optimizer("default_policy").state_dict())
    optimizer.load_state_dict(state)
    for group in optimizer.param_groups:
        group["fused"] = group["foreach"] = False
    for pid, param in params.items():
        param.grad = torch.nan_to_num(grads[pid])  # inf: the largest finite float
    optimizer.step()
    return params


@pytest.mark.slow  # builds an RLlib learner
@pytest.mark.parametrize("poison", [None, "nan", "inf"])
def test_a_step_equals_rllibs_adam_step(
    learner: NetHackAPPOTorchLearner, poison: str | None
) -> None:
    optimizer = learner.get_optimizer("default_policy")
    assert isinstance(optimizer, torch.optim.Adam) and optimizer.defaults["fused"] is True
    torch.manual_seed(0)
    grads = {pid: torch.randn_like(p) for pid, p in learner._params.items()}
    if poison is not None:
        first = next(iter(grads))
        grads[first].view(-1)[0] = float(poison)
    expected = reference_step(learner, grads)
    before = {pid: p.detach().clone() for pid, p in learner._params.items()}

    learner.apply_gradients({pid: g.clone() for pid, g in grads.items()})

    for pid, param in learner._params.items():
        assert torch.isfinite(param).all()
        assert not torch.equal(param.detach(), before[pid])  # every tensor took a step
        torch.testing.assert_close(param.detach(), expected[pid].detach(), rtol=1e-5, atol=1e-6)
