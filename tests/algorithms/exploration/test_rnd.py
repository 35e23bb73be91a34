"""RND: the bonus against a plain computation over recorded episodes; the predictor learns."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest
import torch
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from test_bonuses import ROOM, record

from rllib_nethack.algorithms.exploration.rewards import chunk_bonuses
from rllib_nethack.algorithms.exploration.rnd import RNDBonus
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY
from rllib_nethack.models.module import NetHackRLModule, module_spec
from rllib_nethack.models.rnd import distillation_loss


def rnd_module(env: gym.Env, rnn_size: int = 0) -> NetHackRLModule:
    spec = module_spec(
        "minihack", {"rnn_size": rnn_size, "rnd": {"embedding_dim": 8, "loss_coeff": 1.0}}
    )
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    torch.manual_seed(0)
    return spec.build()  # type: ignore[return-value]


def batch_of(obs: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v)[None] for k, v in obs.items()}


def test_rnd_bonus_is_half_the_squared_error_of_each_observation_reached(
    make: Callable[..., gym.Env],
) -> None:
    env = make(ROOM, max_episode_steps=20)
    module = rnd_module(env)
    assert module.rnd is not None
    steps = record(env, 45, seed=4)
    connector = RNDBonus()
    episode = SingleAgentEpisode(observations=[steps[0][0]], infos=[steps[0][5]])
    connector(rl_module=module, batch={}, episodes=[episode])
    chunks = [episode]
    for i, (obs, action, reward, term, trunc, info) in enumerate(steps[1:]):
        if action is None:
            episode = SingleAgentEpisode(observations=[obs], infos=[info])
            chunks.append(episode)
        else:
            episode.add_env_step(obs, action, reward, infos=info, terminated=term, truncated=trunc)
        connector(rl_module=module, batch={}, episodes=[episode])
        if i % 9 == 8 and not episode.is_done:  # a rollout fragment ends mid-episode
            episode = episode.cut()
            chunks.append(episode)
            connector(rl_module=module, batch={}, episodes=[episode])  # no new step: no bonus
    got = np.concatenate([chunk_bonuses(c) for c in chunks])

    # The plain computation: the two networks on each observation a step reached, one at a time.
    expected, returns, total = [], [], 0.0
    with torch.no_grad():
        for obs, action, *_ in steps:
            if action is None:
                total = 0.0
                continue
            target = module.rnd.target(batch_of(obs))[0].double().numpy()
            predicted = module.rnd.predictor(batch_of(obs))[0].double().numpy()
            b = 0.5 * float(((target - predicted) ** 2).sum())
            expected.append(b)
            total += b
            returns.append(total)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert min(got) > 0
    infos = [i for c in chunks for i in c.get_infos()[1:]]
    np.testing.assert_allclose([i[INTRINSIC_RETURN_KEY] for i in infos], returns, rtol=1e-5)
    assert sum(1 for s in steps if s[1] is None) >= 2 and len(chunks) > 3


@pytest.mark.parametrize("rnn_size", [0, 16])
def test_predictor_loss_falls_on_a_repeated_observation_and_the_target_stays(
    make: Callable[..., gym.Env], rnn_size: int
) -> None:
    env = make(ROOM, max_episode_steps=20)
    module = rnd_module(env, rnn_size)
    assert module.rnd is not None
    obs, _ = env.reset(seed=0)
    shape = (2, 3) if rnn_size else (6,)  # [B, T] sequences for an LSTM model, [N] frames without
    repeated = {k: torch.as_tensor(v).expand(*shape, *v.shape).clone() for k, v in obs.items()}
    mask = torch.ones(shape, dtype=torch.bool) if rnn_size else None
    target_before = [p.clone() for p in module.rnd.target.parameters()]
    with torch.no_grad():
        bonus_before = float(module.rnd.bonus(batch_of(obs)))
    trained = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trained, lr=1e-3)
    losses = []
    for _ in range(40):
        loss = distillation_loss(module.rnd, repeated, mask)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.2 * losses[0]
    with torch.no_grad():
        assert float(module.rnd.bonus(batch_of(obs))) < 0.2 * bonus_before
    assert all(
        torch.equal(a, b)
        for a, b in zip(target_before, module.rnd.target.parameters(), strict=True)
    )
    assert not any(p.requires_grad for p in module.rnd.target.parameters())
