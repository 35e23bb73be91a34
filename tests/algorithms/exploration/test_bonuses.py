"""Each exploration bonus against a plain loop over recorded episodes (real MiniHack and torch)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from nle import nethack
from ray.rllib.env.single_agent_episode import SingleAgentEpisode

from rllib_nethack.algorithms.exploration.e3b import E3BBonus, EllipticalEpisode
from rllib_nethack.algorithms.exploration.rewards import AddIntrinsicReward, chunk_bonuses
from rllib_nethack.envs.wrappers.episodic_count import (
    EPISODIC_VISITS_KEY,
    INTRINSIC_RETURN_KEY,
    INTRINSIC_REWARD_KEY,
)
from rllib_nethack.models.module import NetHackRLModule, module_spec

ROOM = "room5x5"


def record(env: gym.Env, steps: int, seed: int) -> list[tuple[Any, Any, float, bool, bool, dict]]:
    """Reset then ``steps`` random steps (resetting after an episode's end), as tuples."""
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    out = [(obs, None, 0.0, False, False, info)]
    for _ in range(steps):
        action = int(rng.integers(int(env.action_space.n)))  # type: ignore[attr-defined]
        obs, reward, terminated, truncated, info = env.step(action)
        out.append((obs, action, float(reward), terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            out.append((obs, None, 0.0, False, False, info))
    return out


Step = tuple[Any, Any, float, bool, bool, dict]


def replay(steps: list[Step], connector: Any, module: Any, cut_every: int) -> list[Any]:
    """``steps`` through an env-to-module bonus ``connector`` as env runners meet them:
    one episode per reset, cut into a new chunk every ``cut_every`` steps (a rollout
    fragment ending mid-episode); the connector sees each chunk after each step."""
    episode = SingleAgentEpisode(observations=[steps[0][0]], infos=[steps[0][5]])
    connector(rl_module=module, batch={}, episodes=[episode])
    chunks, since_cut = [episode], 0
    for obs, action, reward, term, trunc, info in steps[1:]:
        if action is None:  # the env runner's next episode
            episode = SingleAgentEpisode(observations=[obs], infos=[info])
            chunks.append(episode)
        else:
            episode.add_env_step(obs, action, reward, infos=info, terminated=term, truncated=trunc)
            since_cut += 1
        connector(rl_module=module, batch={}, episodes=[episode])
        if since_cut == cut_every and not episode.is_done:
            episode = episode.cut()
            chunks.append(episode)
            since_cut = 0
            connector(rl_module=module, batch={}, episodes=[episode])  # no new step: no bonus
    return chunks


def test_count_bonus_is_one_over_sqrt_visits_of_this_episode(make: Callable[..., gym.Env]) -> None:
    env = make(ROOM, count_bonus="position", max_episode_steps=30, observation_keys=["blstats"])
    steps = record(env, 80, seed=3)  # several episodes: the counts must restart with each
    counts: Counter[tuple[int, ...]] = Counter()
    total, resets = 0.0, 0
    for obs, action, _, _, _, info in steps:
        bl = obs["blstats"]
        here = tuple(int(bl[i]) for i in (nethack.NLE_BL_DNUM, nethack.NLE_BL_DLEVEL))
        here += (int(bl[nethack.NLE_BL_X]), int(bl[nethack.NLE_BL_Y]))
        if action is None:  # a reset: a new episode's counts
            counts, total, resets = Counter({here: 1}), 0.0, resets + 1
            assert info[INTRINSIC_REWARD_KEY] == 0.0
            continue
        counts[here] += 1
        expected = 1.0 / math.sqrt(counts[here])
        total += expected
        assert info[EPISODIC_VISITS_KEY] == counts[here]
        assert info[INTRINSIC_REWARD_KEY] == pytest.approx(expected)
        assert info[INTRINSIC_RETURN_KEY] == pytest.approx(total)
    assert resets >= 3
    bonuses = [s[5][INTRINSIC_REWARD_KEY] for s in steps if s[1] is not None]
    assert min(bonuses) < 1.0 and max(bonuses) == 1.0  # revisits happened, and first visits


def test_count_bonus_on_glyphs_counts_identical_maps(make: Callable[..., gym.Env]) -> None:
    env = make(ROOM, count_bonus="glyphs", max_episode_steps=40, observation_keys=["glyphs"])
    steps = record(env, 39, seed=1)
    counts: Counter[bytes] = Counter({steps[0][0]["glyphs"].tobytes(): 1})
    for obs, action, *_, info in steps[1:]:
        if action is None:
            break
        counts[obs["glyphs"].tobytes()] += 1
        expected = 1.0 / math.sqrt(counts[obs["glyphs"].tobytes()])
        assert info[INTRINSIC_REWARD_KEY] == pytest.approx(expected)


def test_learner_adds_weighted_bonus_to_the_rewards_of_each_step(
    make: Callable[..., gym.Env],
) -> None:
    env = make(ROOM, count_bonus="position", max_episode_steps=200)
    steps = record(env, 12, seed=0)[:13]
    episode = SingleAgentEpisode(observations=[steps[0][0]], infos=[steps[0][5]])
    for obs, action, reward, term, trunc, info in steps[1:]:
        episode.add_env_step(obs, action, reward, infos=info, terminated=term, truncated=trunc)
    extrinsic = np.array([s[2] for s in steps[1:]])
    bonus = np.array([s[5][INTRINSIC_REWARD_KEY] for s in steps[1:]])
    np.testing.assert_allclose(chunk_bonuses(episode), bonus)
    episodes = [episode]
    AddIntrinsicReward(coeff=0.5)(rl_module=None, batch={}, episodes=episodes)
    trained = episodes[0]
    np.testing.assert_allclose(trained.get_rewards(), extrinsic + 0.5 * bonus, rtol=1e-6)
    assert trained.get_return() == pytest.approx(float((extrinsic + 0.5 * bonus).sum()), rel=1e-5)
    # The env runner's own chunk keeps its extrinsic rewards (its return is what is reported).
    np.testing.assert_allclose(episode.get_rewards(), extrinsic)


def test_normalised_bonus_is_divided_by_the_running_std() -> None:
    connector = AddIntrinsicReward(coeff=2.0, normalise=True)
    seen: list[float] = []
    for chunk in ([1.0, 3.0, 2.0], [10.0, 0.5]):
        episode = SingleAgentEpisode(observations=[0], infos=[{}])
        for b in chunk:
            episode.add_env_step(0, 0, 1.0, infos={INTRINSIC_REWARD_KEY: b})
        episodes = [episode]
        connector(rl_module=None, batch={}, episodes=episodes)
        seen += chunk
        expected = 1.0 + 2.0 * np.array(chunk) / np.std(seen)
        np.testing.assert_allclose(episodes[0].get_rewards(), expected, rtol=1e-5)


def test_sherman_morrison_bonus_equals_the_direct_inverse() -> None:
    rng = np.random.default_rng(0)
    phis = rng.normal(size=(30, 8))
    ridge = 0.1
    state = EllipticalEpisode(8, ridge)
    for t, phi in enumerate(phis):
        cov = ridge * np.eye(8) + phis[:t].T @ phis[:t]
        assert state.bonus(phi) == pytest.approx(float(phi @ np.linalg.solve(cov, phi)), rel=1e-8)


def e3b_module(env: gym.Env) -> NetHackRLModule:
    spec = module_spec(
        "minihack",
        {"rnn_size": 16, "e3b": {"embedding_dim": 6, "inverse_loss_coeff": 1.0}},
    )
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    torch.manual_seed(0)
    return spec.build()  # type: ignore[return-value]


def test_e3b_connector_carries_over_fragments_and_resets_with_episodes(
    make: Callable[..., gym.Env],
) -> None:
    env = make(ROOM, max_episode_steps=25)
    module = e3b_module(env)
    assert module.e3b is not None
    steps = record(env, 60, seed=2)
    connector = E3BBonus(ridge=0.1)
    chunks = replay(steps, connector, module, 7)
    got = np.concatenate([chunk_bonuses(c) for c in chunks])

    # The plain loop: phi of every observation, C from ridge * I at each reset.
    with torch.no_grad():
        phis = [
            module.e3b({k: torch.as_tensor(v)[None] for k, v in s[0].items()})[0].double().numpy()
            for s in steps
        ]
    expected: list[float] = []
    for (_, action, *_), phi in zip(steps, phis, strict=True):
        if action is None:
            history = [phi]
            continue
        cov = 0.1 * np.eye(6) + sum(np.outer(p, p) for p in history)
        expected.append(float(phi @ np.linalg.solve(cov, phi)))
        history.append(phi)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert sum(1 for s in steps if s[1] is None) >= 3  # several episodes, so several resets
    assert len(chunks) > 4  # and cuts
