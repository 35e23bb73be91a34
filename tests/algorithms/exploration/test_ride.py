"""RIDE: the bonus against a plain loop over recorded episodes; the dynamics losses learn."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from itertools import pairwise

import gymnasium as gym
import numpy as np
import pytest
import torch
from nle import nethack
from ray.rllib.core.columns import Columns
from test_bonuses import ROOM, record, replay

from rllib_nethack.algorithms.exploration.rewards import chunk_bonuses
from rllib_nethack.algorithms.exploration.ride import RIDEBonus, _DynamicsLosses
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY
from rllib_nethack.models.module import NetHackRLModule, module_spec


def ride_module(env: gym.Env, inverse_loss_coeff: float = 0.1) -> NetHackRLModule:
    settings = {
        "embedding_dim": 6,
        "hidden_dim": 32,
        "forward_loss_coeff": 1.0,
        "inverse_loss_coeff": inverse_loss_coeff,
    }
    spec = module_spec("minihack", {"rnn_size": 16, "ride": settings})
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    torch.manual_seed(0)
    return spec.build()  # type: ignore[return-value]


def position(obs: dict[str, np.ndarray]) -> tuple[int, ...]:
    bl = obs["blstats"]
    keys = (nethack.NLE_BL_DNUM, nethack.NLE_BL_DLEVEL, nethack.NLE_BL_X, nethack.NLE_BL_Y)
    return tuple(int(bl[i]) for i in keys)


def test_ride_bonus_is_the_embedding_step_over_sqrt_episodic_visits(
    make: Callable[..., gym.Env],
) -> None:
    env = make(ROOM, count_bonus="position", max_episode_steps=25)
    module = ride_module(env)
    assert module.ride is not None
    steps = record(env, 70, seed=5)
    connector = RIDEBonus()
    chunks = replay(steps, connector, module, 6)
    got = np.concatenate([chunk_bonuses(c) for c in chunks])

    # The plain loop: phi of every observation one at a time, visits counted per episode.
    with torch.no_grad():
        phis = [
            module.ride({k: torch.as_tensor(v)[None] for k, v in s[0].items()})[0].double().numpy()
            for s in steps
        ]
    expected, returns = [], []
    visits: Counter[tuple[int, ...]] = Counter()
    total = 0.0
    for t, (obs, action, *_) in enumerate(steps):
        if action is None:
            visits, total = Counter([position(obs)]), 0.0
            continue
        visits[position(obs)] += 1
        moved = float(np.sqrt(((phis[t] - phis[t - 1]) ** 2).sum()))
        total += moved / math.sqrt(visits[position(obs)])
        expected.append(moved / math.sqrt(visits[position(obs)]))
        returns.append(total)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    infos = [i for c in chunks for i in c.get_infos()[1:]]
    np.testing.assert_allclose([i[INTRINSIC_RETURN_KEY] for i in infos], returns, rtol=1e-5)
    assert sum(1 for s in steps if s[1] is None) >= 3 and len(chunks) > 5  # resets and cuts
    assert max(got) > 0 and len({round(v, 6) for v in got}) > 10  # 0 where a bump changed nothing

    # A connector meeting an episode mid-way (its state dropped) embeds the step's start.
    late = next(c for c in chunks[1:] if c.t > 1 and len(c) > 0)
    newest = sum(len(c) for c in chunks[: chunks.index(late) + 1]) - 1
    fresh = RIDEBonus()
    fresh(rl_module=module, batch={}, episodes=[late])
    assert chunk_bonuses(late)[-1] == pytest.approx(expected[newest], rel=1e-5)


def test_dynamics_losses_fall_on_repeated_transitions(make: Callable[..., gym.Env]) -> None:
    env = make(ROOM, max_episode_steps=50)
    module = ride_module(env, inverse_loss_coeff=1.0)
    steps = record(env, 40, seed=2)
    # Steps that moved something (a bump into a wall leaves the same observation).
    moves = [
        (before[0], after[1], after[0])
        for before, after in pairwise(steps)
        if after[1] is not None and not np.array_equal(before[0]["glyphs"], after[0]["glyphs"])
    ][:8]
    assert len({action for _, action, _ in moves}) >= 4
    # One row per move, [s_t, s_t+1]: the second step is the bootstrap, outside the loss mask.
    obs = {k: torch.as_tensor(np.stack([[s[k], n[k]] for s, _, n in moves])) for k in steps[0][0]}
    batch = {
        Columns.OBS: obs,
        Columns.ACTIONS: torch.as_tensor([[a, 0] for _, a, _ in moves]),
        Columns.LOSS_MASK: torch.tensor([[True, False]] * len(moves)),
    }
    optimizer = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=3e-3)
    history: dict[str, list[float]] = {"ride_forward_loss": [], "ride_inverse_loss": []}
    for _ in range(60):
        losses = _DynamicsLosses().auxiliary_losses(module, batch)
        assert {k: c for k, (_, c) in losses.items()} == {
            "ride_forward_loss": 1.0,
            "ride_inverse_loss": 1.0,
        }
        total = sum(coeff * loss for loss, coeff in losses.values())
        optimizer.zero_grad()
        total.backward()  # type: ignore[union-attr]
        optimizer.step()
        for name, (loss, _) in losses.items():
            history[name].append(float(loss.detach()))
    assert history["ride_forward_loss"][-1] < 0.3 * history["ride_forward_loss"][0]
    assert history["ride_inverse_loss"][-1] < 0.75 * history["ride_inverse_loss"][0]
