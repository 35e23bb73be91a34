"""Value scaling round-trips; n-step targets equal a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rllib_nethack.algorithms.muzero.scaling import (
    from_support,
    h,
    h_inverse,
    logits_to_scalar,
    scalar_to_target,
    to_support,
)
from rllib_nethack.algorithms.muzero.targets import n_step_parts, n_step_targets


def test_transform_round_trips_and_squashes() -> None:
    x = torch.tensor([-1000.0, -3.5, -0.01, 0.0, 0.01, 1.0, 42.0, 5000.0], dtype=torch.float64)
    assert torch.allclose(h_inverse(h(x)), x, rtol=1e-9, atol=1e-9)
    assert torch.all(torch.abs(h(x)) <= torch.abs(x) + 1e-12)
    assert torch.all(torch.sign(h(x)) == torch.sign(x))


def test_support_encoding_round_trips_inside_the_support() -> None:
    x = torch.tensor([-4.0, -2.3, 0.0, 0.75, 3.999, 4.0], dtype=torch.float64)
    enc = to_support(x, 4)
    assert enc.shape == (6, 9)
    assert torch.allclose(enc.sum(-1), torch.ones(6, dtype=torch.float64))
    assert torch.all((enc > 0).sum(-1) <= 2)
    assert torch.allclose(from_support(enc, 4), x)
    # Outside the support values clip to its ends.
    assert from_support(to_support(torch.tensor([9.0, -9.0]), 4), 4).tolist() == [4.0, -4.0]


def test_raw_values_through_targets_and_logits() -> None:
    x = torch.tensor([-20.0, -0.5, 0.0, 0.3, 7.0, 90.0], dtype=torch.float64)
    target = scalar_to_target(x, 10)
    assert torch.allclose(logits_to_scalar(torch.log(target.clamp(min=1e-30)), 10), x, atol=1e-6)


def plain_n_step(rewards: list[float], values: list[float], gamma: float, n: int) -> list[float]:
    out = []
    for t in range(len(rewards)):
        total, discount, k = 0.0, 1.0, 0
        while k < n and t + k < len(rewards):
            total += discount * rewards[t + k]
            discount *= gamma
            k += 1
        out.append(total + discount * values[t + k])
    return out


@pytest.mark.parametrize("n", [1, 3, 10])
def test_n_step_targets_equal_a_plain_loop(n: int) -> None:
    rng = np.random.default_rng(n)
    rewards = rng.normal(size=7)
    values = np.append(rng.normal(size=7), 0.0)  # terminal: the last value is 0
    got = n_step_targets(rewards, values, 0.9, n)
    assert got == pytest.approx(plain_n_step(list(rewards), list(values), 0.9, n))


def test_n_step_parts_at_the_last_observation() -> None:
    parts = n_step_parts(np.array([1.0, 2.0]), np.array([0, 1, 2]), 0.5, 5)
    assert parts.reward_sum.tolist() == [2.0, 2.0, 0.0]
    assert parts.bootstrap_index.tolist() == [2, 2, 2]
    assert parts.bootstrap_discount.tolist() == [0.25, 0.5, 1.0]
