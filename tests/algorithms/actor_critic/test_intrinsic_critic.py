"""The second critic (``explore.intrinsic_gamma``): its column, V-trace terms and PPO advantages,
each against a plain loop over the same chunks."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest
import torch
from ray.rllib.connectors.learner import (
    AddColumnsFromEpisodesToTrainBatch,
    AddOneTsToEpisodesAndTruncate,
)
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.evaluation.postprocessing import Postprocessing

from rllib_nethack.algorithms.actor_critic.intrinsic_critic import (
    INTRINSIC_REWARDS,
    INTRINSIC_VALUE_TARGETS,
    IntrinsicAdvantages,
    intrinsic_gamma,
    vtrace_terms,
)
from rllib_nethack.algorithms.exploration.rewards import AddIntrinsicReward
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_REWARD_KEY
from rllib_nethack.models.module import (
    INTRINSIC_CRITIC,
    OLD_POLICY_LOGITS,
    NetHackRLModule,
    module_spec,
)

GAMMA, LAMBDA, COEFF = 0.5, 0.8, 0.25
#: (length, terminated, truncated): a cut chunk, a terminated one, a time limit.
KINDS = [(3, False, False), (2, True, False), (4, False, True)]


def chunks(rng: np.random.Generator) -> tuple[list[SingleAgentEpisode], list[np.ndarray]]:
    """Episode chunks whose infos carry bonuses, as the env runners hand them to the learner."""
    episodes, bonuses = [], []
    for n, terminated, truncated in KINDS:
        bonus = rng.uniform(0.1, 1.0, n)
        bonuses.append(bonus)
        episodes.append(
            SingleAgentEpisode(
                observations=list(range(n + 1)),
                infos=[{}] + [{INTRINSIC_REWARD_KEY: float(b)} for b in bonus],
                actions=[0] * n,
                rewards=rng.normal(0.0, 1.0, n).tolist(),
                extra_model_outputs={Columns.ACTION_LOGP: [-1.0] * n},
                terminated=terminated,
                truncated=truncated,
                len_lookback_buffer=0,
            ).to_numpy()
        )
    return episodes, bonuses


def module(env: gym.Env, gamma: float | None = GAMMA) -> NetHackRLModule:
    settings: dict = {"rnn_size": 0}
    if gamma is not None:
        settings[INTRINSIC_CRITIC] = {"gamma": gamma}
    spec = module_spec("minihack", settings)
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    torch.manual_seed(0)
    return spec.build()  # type: ignore[return-value]


def test_the_bonus_is_a_column_of_its_own_and_the_rewards_stay_the_tasks() -> None:
    episodes, bonuses = chunks(np.random.default_rng(0))
    rewards = [ep.get_rewards().copy() for ep in episodes]
    batch: dict = {}
    piece = AddIntrinsicReward(coeff=COEFF, separate=True)
    piece(rl_module=None, batch=batch, episodes=episodes)
    AddOneTsToEpisodesAndTruncate()(rl_module=None, batch=batch, episodes=episodes, shared_data={})
    AddColumnsFromEpisodesToTrainBatch()(rl_module=None, batch=batch, episodes=episodes)
    for ep, bonus, reward in zip(episodes, bonuses, rewards, strict=True):
        key = (ep.id_,)
        column = np.concatenate(batch[INTRINSIC_REWARDS][key])
        np.testing.assert_allclose(column[:-1], COEFF * bonus, rtol=1e-6)  # then the phantom
        np.testing.assert_allclose(np.concatenate(batch[Columns.REWARDS][key])[:-1], reward)


def test_one_stream_adds_the_bonus_to_the_rewards_and_makes_no_column() -> None:
    episodes, bonuses = chunks(np.random.default_rng(1))
    rewards = [ep.get_rewards().copy() for ep in episodes]
    AddIntrinsicReward(coeff=COEFF)(rl_module=None, batch={}, episodes=episodes)
    for ep, bonus, reward in zip(episodes, bonuses, rewards, strict=True):
        np.testing.assert_allclose(ep.get_rewards(), reward + COEFF * bonus, rtol=1e-5)
        assert INTRINSIC_REWARDS not in ep.extra_model_outputs


def n_step_targets(rewards: np.ndarray, values: np.ndarray, terminated: bool) -> np.ndarray:
    """On-policy V-trace targets of one chunk: discounted returns bootstrapped by V(o_T)."""
    n = len(rewards)
    out, ahead = np.zeros(n), 0.0 if terminated else values[n]
    for s in reversed(range(n)):
        ahead = rewards[s] + GAMMA * ahead
        out[s] = ahead
    return out


@pytest.mark.parametrize("clip", [None, 0.3], ids=["impala", "appo"])
def test_vtrace_terms_match_the_plain_loop(
    make: Callable[..., gym.Env], clip: float | None
) -> None:
    net = module(make("room5x5"))
    assert intrinsic_gamma(net) == GAMMA
    rng = np.random.default_rng(2)
    width = max(n for n, _, _ in KINDS) + 1  # one zero-padded row per chunk, phantom included
    rows = len(KINDS)
    rewards = np.zeros((rows, width), np.float32)
    mask = np.zeros((rows, width), bool)
    terminateds = np.zeros((rows, width), np.float32)
    for i, (n, terminated, _) in enumerate(KINDS):
        rewards[i, :n] = rng.uniform(0.0, 1.0, n)
        rewards[i, n] = 99.0  # the phantom step's: never read
        mask[i, :n] = True
        terminateds[i, n - 1] = terminated
    logits = torch.as_tensor(rng.normal(size=(rows, width, net.num_actions)), dtype=torch.float32)
    actions = torch.as_tensor(rng.integers(net.num_actions, size=(rows, width)))
    logp = torch.log_softmax(logits, -1).gather(-1, actions[..., None])[..., 0]
    assert net.intrinsic_vf is not None
    features = net.intrinsic_vf.in_features
    embeddings = torch.as_tensor(rng.normal(size=(rows, width, features)), dtype=torch.float32)
    batch = {
        INTRINSIC_REWARDS: torch.as_tensor(rewards),
        Columns.LOSS_MASK: torch.as_tensor(mask),
        Columns.TERMINATEDS: torch.as_tensor(terminateds),
        Columns.ACTIONS: actions,
        Columns.ACTION_LOGP: logp,  # on-policy: every importance weight is 1
        "seq_lens": torch.as_tensor([n + 1 for n, _, _ in KINDS]),
        OLD_POLICY_LOGITS: logits,
    }
    fwd_out = {Columns.ACTION_DIST_INPUTS: logits, Columns.EMBEDDINGS: embeddings}
    config = SimpleNamespace(
        get_rollout_fragment_length=lambda: width,
        vtrace_clip_rho_threshold=1.0,
        vtrace_clip_pg_rho_threshold=1.0,
    )
    policy, value = vtrace_terms(net, config, batch, fwd_out, GAMMA, clip)

    values = net.intrinsic_vf(embeddings)[..., 0].detach().numpy()
    policy_ref, value_ref = 0.0, 0.0
    for i, (n, terminated, _) in enumerate(KINDS):
        targets = n_step_targets(rewards[i, :n], values[i], terminated)
        after = np.append(targets[1:], 0.0 if terminated else values[i, n])
        advantages = rewards[i, :n] + GAMMA * after - values[i, :n]
        value_ref += 0.5 * float(((values[i, :n] - targets) ** 2).sum())
        weight = logp[i, :n].detach().numpy() if clip is None else np.ones(n)  # APPO: ratio 1
        policy_ref -= float((weight * advantages).sum())
    real = sum(n for n, _, _ in KINDS)
    assert value.item() == pytest.approx(value_ref / real, rel=1e-4)
    assert policy.item() == pytest.approx(policy_ref / real, rel=1e-4)
    value.backward()
    assert net.intrinsic_vf.weight.grad is not None and net.intrinsic_vf.weight.grad.abs().sum() > 0


def test_ppo_advantages_are_the_tasks_raw_ones_plus_the_intrinsic_gae(
    make: Callable[..., gym.Env],
) -> None:
    env = make("room5x5")
    net = module(env)
    rng = np.random.default_rng(3)
    obs, _ = env.reset(seed=0)
    lens = [n + 1 for n, _, _ in KINDS]  # with the phantom step
    total = sum(lens)
    observations = {k: torch.as_tensor(np.stack([v] * total)) for k, v in obs.items()}
    column = {
        INTRINSIC_REWARDS: rng.uniform(0.0, 1.0, total),
        Columns.TERMINATEDS: np.zeros(total),
        Columns.TRUNCATEDS: np.zeros(total),
        Postprocessing.VALUE_TARGETS: rng.normal(size=total),
    }
    start = 0
    for (n, terminated, _), length in zip(KINDS, lens, strict=True):
        column[Columns.TERMINATEDS][start + n - 1] = terminated
        column[Columns.TRUNCATEDS][start + n - 1] = not terminated
        start += length
    module_batch = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in column.items()}
    module_batch[Columns.OBS] = observations
    module_batch[Postprocessing.ADVANTAGES] = torch.zeros(total)
    episodes = [
        SingleAgentEpisode(observations=list(range(n + 1)), actions=[0] * n, rewards=[0.0] * n)
        for n in lens
    ]
    piece = IntrinsicAdvantages(lambda_=LAMBDA)
    piece(rl_module={"p": net}, batch={"p": module_batch}, episodes=episodes)

    with torch.no_grad():
        task = net.compute_values({Columns.OBS: observations}).numpy()
        own = net.compute_intrinsic_values({Columns.OBS: observations}).numpy()
    start = 0
    for (n, terminated, _), length in zip(KINDS, lens, strict=True):
        real = slice(start, start + n)
        r = column[INTRINSIC_REWARDS][real]
        v = own[start : start + length]
        disc = np.full(n, GAMMA)
        disc[-1] = 0.0 if terminated else GAMMA
        deltas = r + disc * v[1:] - v[:-1]
        gae = np.array(
            [sum((GAMMA * LAMBDA) ** (t - s) * deltas[t] for t in range(s, n)) for s in range(n)]
        )
        raw = column[Postprocessing.VALUE_TARGETS][real] - task[real]
        got = module_batch[Postprocessing.ADVANTAGES][real].numpy()
        np.testing.assert_allclose(got, raw + gae, rtol=1e-4, atol=1e-5)
        targets = module_batch[INTRINSIC_VALUE_TARGETS][real].numpy()
        np.testing.assert_allclose(targets, gae + v[:-1], rtol=1e-4, atol=1e-5)
        start += length


def test_a_module_without_the_setting_has_no_second_head(make: Callable[..., gym.Env]) -> None:
    net = module(make("room5x5"), gamma=None)
    assert net.intrinsic_vf is None and intrinsic_gamma(net) is None
    assert not any(k.startswith("intrinsic_vf") for k in net.state_dict())
