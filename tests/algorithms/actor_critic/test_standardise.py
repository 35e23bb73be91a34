"""Advantages standardised over real steps: the function, and inside RLlib's V-trace losses."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from ray.rllib.algorithms.impala.torch.vtrace_torch_v2 import vtrace_torch

from rllib_nethack.algorithms.actor_critic.standardise import standardise, standardised_vtrace

LOSSES = (
    "ray.rllib.algorithms.appo.torch.appo_torch_learner",
    "ray.rllib.algorithms.impala.torch.impala_torch_learner",
)


def test_standardise_uses_only_the_masked_steps() -> None:
    rng = np.random.default_rng(0)
    advantages = torch.as_tensor(rng.normal(0.3, 0.02, size=(6, 5)), dtype=torch.float32)
    mask = torch.as_tensor(rng.random((6, 5)) < 0.7)
    out = standardise(advantages, mask)
    real = out[mask]
    assert float(real.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(real.std(correction=0)) == pytest.approx(1.0, abs=1e-4)
    assert torch.all(out[~mask] == 0)
    # What lies outside the mask (padding, the phantom step) changes nothing.
    noisy = torch.where(mask, advantages, torch.full_like(advantages, 50.0))
    assert torch.allclose(standardise(noisy, mask), out)
    # Order is kept: the better step stays the better step.
    assert torch.equal(torch.argsort(real), torch.argsort(advantages[mask]))


def test_alike_advantages_are_not_blown_up() -> None:
    advantages = torch.full((4, 3), 0.25) + torch.arange(12).reshape(4, 3) * 1e-7
    out = standardise(advantages, torch.ones(4, 3, dtype=torch.bool))
    assert float(out.abs().max()) < 0.01  # scale floored at 1e-4, not 1e-7
    assert torch.all(standardise(advantages, torch.zeros(4, 3, dtype=torch.bool)) == 0)


def _vtrace_inputs(t: int = 7, b: int = 3) -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(1)

    def f(*shape: int) -> torch.Tensor:
        return torch.as_tensor(rng.normal(size=shape), dtype=torch.float32)

    return {
        "target_action_log_probs": -f(t, b).abs(),
        "behaviour_action_log_probs": -f(t, b).abs(),
        "discounts": torch.full((t, b), 0.9),
        "rewards": f(t, b) * 0.01,
        "values": f(t, b) * 0.1,
        "bootstrap_values": f(b) * 0.1,
        "clip_rho_threshold": 1.0,
        "clip_pg_rho_threshold": 1.0,
    }


def test_rllibs_losses_get_standardised_advantages_inside_and_their_own_after() -> None:
    inputs = _vtrace_inputs()
    mask = torch.ones(7, 3, dtype=torch.bool)
    mask[5:, 2] = False
    raw_targets, raw_advantages = vtrace_torch(**inputs)
    modules = [importlib.import_module(name) for name in LOSSES]
    originals = [m.vtrace_torch for m in modules]
    with standardised_vtrace(mask):
        for module in modules:
            targets, advantages = module.vtrace_torch(**inputs)
            assert torch.allclose(targets, raw_targets)  # the value targets are untouched
            assert torch.allclose(advantages, standardise(raw_advantages, mask))
            assert not torch.allclose(advantages, raw_advantages)
    assert [m.vtrace_torch for m in modules] == originals


def test_a_loss_that_never_calls_vtrace_is_an_error_and_restores() -> None:
    module = importlib.import_module(LOSSES[0])
    original = module.vtrace_torch
    mask = torch.ones(2, 2, dtype=torch.bool)
    with pytest.raises(RuntimeError, match="normalize_advantages=false"), standardised_vtrace(mask):
        pass
    assert module.vtrace_torch is original
    with pytest.raises(ValueError, match="boom"), standardised_vtrace(mask):
        raise ValueError("boom")
    assert module.vtrace_torch is original


@pytest.mark.slow  # builds RLlib learners: ~10 s each on a busy machine
@pytest.mark.parametrize("algo", ["impala", "appo"])
def test_the_learners_loss_runs_through_rllibs_vtrace_with_the_switch(algo: str) -> None:
    """RLlib's loss really calls the swapped ``vtrace_torch`` (else RuntimeError), and
    the policy head's gradient is that of standardised advantages."""
    from ray.rllib.core.columns import Columns

    from rllib_nethack import make_env
    from rllib_nethack.config import build_algorithm_config
    from rllib_nethack.config import compose_config as compose_run
    from rllib_nethack.testing.sampling import random_observations, stack_sequences

    env = make_env("room5x5")
    pulls = {}
    for on in (True, False):
        overrides = ["+task=room5x5", f"algo={algo}", "debug=smoke"]
        overrides.append(f"+algo.learner_config_dict={{normalize_advantages:{str(on).lower()}}}")
        config = build_algorithm_config(compose_run(overrides))
        torch.manual_seed(0)
        learner = config.build_learner(env=env)
        module = learner.module["default_policy"]
        n, width = 4, 9
        rng = np.random.default_rng(0)
        obs = stack_sequences(random_observations(env, n * width), n, width)
        real = np.ones((n, width), dtype=bool)
        real[:, -1] = False  # each row's bootstrap step
        actions = rng.integers(0, env.action_space.n, size=(n, width))
        logits = rng.normal(size=(n, width, env.action_space.n)).astype(np.float32)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        size = int(module.model_config["rnn_size"])
        batch = {
            Columns.OBS: {k: torch.as_tensor(v) for k, v in obs.items()},
            Columns.LOSS_MASK: torch.as_tensor(real),
            Columns.TERMINATEDS: torch.zeros(n, width, dtype=torch.bool),
            Columns.REWARDS: torch.as_tensor(rng.normal(size=(n, width)) * 0.01 * real).float(),
            Columns.ACTIONS: torch.as_tensor(actions),
            Columns.ACTION_DIST_INPUTS: torch.as_tensor(logits),
            Columns.ACTION_LOGP: torch.as_tensor(
                np.take_along_axis(logp, actions[..., None], -1)[..., 0]
            ),
            Columns.STATE_IN: {k: torch.zeros(n, size) for k in ("h", "c")},
            "seq_lens": torch.full((n,), width),
        }
        fwd_out = module.forward_train(batch)
        loss = learner.compute_loss_for_module(
            module_id="default_policy", config=config, batch=batch, fwd_out=fwd_out
        )
        (grad,) = torch.autograd.grad(loss, module.pi.weight)
        pulls[on] = float(grad.norm())
    # Rewards of a hundredth: the raw advantages barely move the policy head,
    # the standardised ones move it as rewards of any scale would.
    assert np.isfinite(pulls[True]) and pulls[True] > 10 * pulls[False]
