"""V-trace targets on RLlib 2.60's batch layout, checked against a plain loop.

The episodes go through the learner connectors that shape real batches
(reward clipping, then RLlib's phantom bootstrap step); the targets then come
from RLlib's own ``vtrace_torch`` with the discounts its IMPALA/APPO losses
build, once with our :func:`bootstrap_rewards` and once without.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from ray.rllib.algorithms.impala.torch.vtrace_torch_v2 import make_time_major, vtrace_torch
from ray.rllib.connectors.learner import AddOneTsToEpisodesAndTruncate
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode

from rllib_nethack.algorithms.actor_critic.connectors import ClipRewards
from rllib_nethack.algorithms.actor_critic.learners import (
    NetHackAPPOTorchLearner,
    NetHackIMPALATorchLearner,
)
from rllib_nethack.algorithms.actor_critic.vtrace import bootstrap_rewards
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run

GAMMA = 0.9
CLIP = 5.0
RHO_BAR, PG_RHO_BAR = 1.0, 1.5
ROW = 4  # rollout_fragment_length: the row length of RLlib's flat (no LSTM) layout


@dataclass
class Chunk:
    """One episode chunk as the learner sees it: real steps, then the phantom step."""

    raw_rewards: np.ndarray  # real steps, unclipped
    rewards: np.ndarray  # from the connectors, phantom included
    loss_mask: np.ndarray
    terminateds: np.ndarray
    values: np.ndarray  # V(o_0) .. V(o_T); the last is the phantom's
    target_logp: np.ndarray
    behaviour_logp: np.ndarray
    terminated: bool


def make_chunks(rng: np.random.Generator) -> list[Chunk]:
    # (length, terminated, truncated): cut, terminated, time limit, long cut, one step ended
    kinds = [
        (3, False, False),
        (2, True, False),
        (2, False, True),
        (6, False, False),
        (1, True, False),
    ]
    episodes = []
    raws = []
    for n, terminated, truncated in kinds:
        raw = rng.normal(0.0, 4.0, n).round(2)
        raw[0] = 12.0  # above the clip limit
        raws.append(raw)
        episodes.append(
            SingleAgentEpisode(
                observations=list(range(n + 1)),
                actions=[0] * n,
                rewards=raw.tolist(),
                terminated=terminated,
                truncated=truncated,
                len_lookback_buffer=0,
            ).to_numpy()
        )
    batch: dict = {}
    ClipRewards(limit=CLIP)(rl_module=None, batch=batch, episodes=episodes)
    AddOneTsToEpisodesAndTruncate()(rl_module=None, batch=batch, episodes=episodes, shared_data={})
    chunks = []
    for ep, raw, (n, terminated, _) in zip(episodes, raws, kinds, strict=True):
        key = (ep.id_,)
        chunks.append(
            Chunk(
                raw_rewards=raw,
                rewards=np.asarray(ep.get_rewards(), dtype=np.float32),
                loss_mask=np.asarray(batch[Columns.LOSS_MASK][key]),
                terminateds=np.asarray(batch[Columns.TERMINATEDS][key]),
                values=rng.normal(0.0, 2.0, n + 1).astype(np.float32),
                target_logp=rng.uniform(-2.0, 0.0, n + 1).astype(np.float32),
                behaviour_logp=rng.uniform(-2.0, 0.0, n + 1).astype(np.float32),
                terminated=terminated,
            )
        )
    return chunks


def reference(chunk: Chunk, row_ends: frozenset[int] = frozenset()) -> tuple[np.ndarray, ...]:
    """V-trace (Espeholt et al. 2018, eq. 1 and the policy-gradient advantage) as sums.

    ``row_ends``: steps after which the batch row ends (RLlib's flat layout), where
    the trace stops and bootstraps from the next step's value.
    """
    r = np.clip(chunk.raw_rewards, -CLIP, CLIP).astype(np.float64)
    n = len(r)
    v = chunk.values.astype(np.float64)
    rho = np.exp(chunk.target_logp[:n].astype(np.float64) - chunk.behaviour_logp[:n])
    disc = np.full(n, GAMMA)
    if chunk.terminated:
        disc[-1] = 0.0
    vs = np.zeros(n + 1)
    for s in range(n):
        total, trace = v[s], 1.0
        for t in range(s, n):
            total += trace * min(RHO_BAR, rho[t]) * (r[t] + disc[t] * v[t + 1] - v[t])
            if t in row_ends:
                break
            trace *= disc[t] * min(1.0, rho[t])
        vs[s] = total
    vs[n] = v[n]  # the bootstrap: V(o_T), whatever follows is the next chunk's
    nxt = [v[s + 1] if s in row_ends else vs[s + 1] for s in range(n)]
    adv = np.array([min(PG_RHO_BAR, rho[s]) * (r[s] + disc[s] * nxt[s] - v[s]) for s in range(n)])
    return vs[:n], adv


def rllib_targets(chunks: list[Chunk], *, fixed: bool, recurrent: bool) -> list[tuple]:
    """Targets and advantages per chunk as RLlib's IMPALA/APPO losses compute them."""
    cols = ("rewards", "values", "loss_mask", "terminateds", "target_logp", "behaviour_logp")
    if recurrent:  # one zero-padded row per chunk, seq_lens given
        width = max(len(c.rewards) for c in chunks)
        rows = {
            col: torch.stack(
                [
                    torch.nn.functional.pad(
                        torch.as_tensor(getattr(c, col)).float(), (0, width - len(c.rewards))
                    )
                    for c in chunks
                ]
            )
            for col in cols
        }
        seq_lens, traj = torch.tensor([len(c.rewards) for c in chunks]), None
    else:  # the chunks concatenated, cut into rows of rollout_fragment_length
        rows = {
            col: torch.cat([torch.as_tensor(getattr(c, col)).float() for c in chunks])
            for col in cols
        }
        seq_lens, traj = None, ROW
    rewards = rows["rewards"]
    if fixed:
        rewards = bootstrap_rewards(rewards, rows["values"], rows["loss_mask"])

    def tm(x: torch.Tensor) -> torch.Tensor:
        return make_time_major(x, trajectory_len=traj, recurrent_seq_len=seq_lens)

    values = tm(rows["values"])
    bootstrap = torch.cat([values[0][1:], values[0][0:1]])
    discounts = (1.0 - tm(rows["terminateds"])) * GAMMA * tm(rows["loss_mask"])
    vs, adv = vtrace_torch(
        target_action_log_probs=tm(rows["target_logp"]),
        behaviour_action_log_probs=tm(rows["behaviour_logp"]),
        discounts=discounts,
        rewards=tm(rewards),
        values=values,
        bootstrap_values=bootstrap,
        clip_rho_threshold=RHO_BAR,
        clip_pg_rho_threshold=PG_RHO_BAR,
    )
    out = []
    if recurrent:
        for i, c in enumerate(chunks):
            n = len(c.raw_rewards)
            out.append((vs[:n, i].numpy(), adv[:n, i].numpy(), frozenset()))
    else:
        flat_vs, flat_adv = vs.T.reshape(-1).numpy(), adv.T.reshape(-1).numpy()
        start = 0
        for c in chunks:
            n = len(c.raw_rewards)
            ends = frozenset(t for t in range(n) if (start + t + 1) % ROW == 0)
            out.append((flat_vs[start : start + n], flat_adv[start : start + n], ends))
            start += n + 1
    return out


def matches(chunks: list[Chunk], got: list[tuple]) -> bool:
    return all(
        np.allclose(vs, ref_vs, atol=1e-4) and np.allclose(adv, ref_adv, atol=1e-4)
        for c, (vs, adv, row_ends) in zip(chunks, got, strict=True)
        for ref_vs, ref_adv in [reference(c, row_ends)]
    )


@pytest.mark.parametrize("recurrent", [True, False], ids=["seq_lens", "flat"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_targets_match_the_plain_loop(seed: int, recurrent: bool) -> None:
    chunks = make_chunks(np.random.default_rng(seed))
    assert matches(chunks, rllib_targets(chunks, fixed=True, recurrent=recurrent))


@pytest.mark.parametrize("recurrent", [True, False], ids=["seq_lens", "flat"])
def test_unpatched_rllib_drops_the_bootstrap_value(recurrent: bool) -> None:
    chunks = make_chunks(np.random.default_rng(0))
    got = rllib_targets(chunks, fixed=False, recurrent=recurrent)
    assert not matches(chunks, got)
    # Terminated chunks never bootstrap, so only the cut and truncated ones are
    # wrong (in the flat layout, not one whose last step happens to end a row).
    wrong = [not matches([c], [g]) for c, g in zip(chunks, got, strict=True)]
    expected = [
        not c.terminated and (len(c.raw_rewards) - 1) not in g[2]
        for c, g in zip(chunks, got, strict=True)
    ]
    assert wrong == expected


def test_the_issues_example() -> None:
    """Values 1, rewards 0, on-policy, three real steps: targets gamma**k, not 0."""
    mask = torch.tensor([[True], [True], [True], [False]])
    ones = torch.ones(4, 1)
    kwargs = dict(
        target_action_log_probs=torch.zeros(4, 1),
        behaviour_action_log_probs=torch.zeros(4, 1),
        discounts=0.99 * mask.float(),
        values=ones,
        bootstrap_values=torch.ones(1),
    )
    broken, _ = vtrace_torch(rewards=torch.zeros(4, 1), **kwargs)
    vs, adv = vtrace_torch(rewards=bootstrap_rewards(torch.zeros(4, 1), ones, mask), **kwargs)
    assert np.allclose(broken[:3, 0], 0.0)
    assert np.allclose(vs[:3, 0], [0.99**3, 0.99**2, 0.99], atol=1e-6)
    assert vs[3, 0] == 1.0 and adv[3, 0] == 0.0


@pytest.mark.parametrize(
    ("algo", "learner"), [("appo", NetHackAPPOTorchLearner), ("impala", NetHackIMPALATorchLearner)]
)
def test_translation_selects_the_fixed_learner(algo: str, learner: type) -> None:
    config = build_algorithm_config(compose_run(["+task=score", f"algo={algo}"]))
    assert config.learner_class is learner


@pytest.mark.slow  # builds two RLlib learners: ~10 s each on a busy machine
@pytest.mark.parametrize("algo", ["impala", "appo"])
def test_learner_value_loss_uses_the_plain_loop_targets(algo: str) -> None:
    """Our learner classes, built by RLlib, train the value function on the right targets."""
    import gymnasium as gym
    from ray.rllib.algorithms.appo import APPOConfig
    from ray.rllib.algorithms.impala import IMPALAConfig
    from ray.rllib.core.learner.learner import VF_LOSS_KEY

    config_cls, learner_cls, key = {
        "impala": (IMPALAConfig, NetHackIMPALATorchLearner, "mean_vf_loss"),
        "appo": (APPOConfig, NetHackAPPOTorchLearner, VF_LOSS_KEY),
    }[algo]
    config = (
        config_cls()
        .environment("CartPole-v1")
        .training(gamma=GAMMA, vtrace_clip_rho_threshold=RHO_BAR)
        .training(vtrace_clip_pg_rho_threshold=PG_RHO_BAR)
        .env_runners(rollout_fragment_length=ROW)
        # RLlib's own module, so APPO's old policy is its target network (at
        # start, the module itself): the target logp below.
        .learners(learner_class=learner_cls, learner_config_dict={"target_network": True})
    )
    torch.manual_seed(0)
    learner = config.build_learner(env=gym.make("CartPole-v1"))
    module = learner.module["default_policy"]
    # Two chunks of three real steps + phantom (one row each): cut, then terminated.
    mask = torch.tensor([1, 1, 1, 0, 1, 1, 1, 0]).bool()
    batch = {
        Columns.OBS: torch.randn(8, 4),
        Columns.ACTIONS: torch.randint(0, 2, (8,)),
        Columns.ACTION_LOGP: -torch.rand(8),
        Columns.REWARDS: torch.randn(8) * mask,
        Columns.LOSS_MASK: mask,
        Columns.TERMINATEDS: torch.tensor([0, 0, 0, 0, 0, 0, 1, 0]).bool(),
    }
    fwd_out = module.forward_train(batch)
    learner.compute_loss_for_module(
        module_id="default_policy", config=config, batch=batch, fwd_out=fwd_out
    )
    with torch.no_grad():
        values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS)).numpy()
        dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        target_logp = dist.logp(batch[Columns.ACTIONS]).numpy()
    expected = []
    for start, terminated in [(0, False), (4, True)]:
        part = slice(start, start + 4)
        chunk = Chunk(
            raw_rewards=batch[Columns.REWARDS][part][:3].numpy(),
            rewards=batch[Columns.REWARDS][part].numpy(),
            loss_mask=mask[part].numpy(),
            terminateds=batch[Columns.TERMINATEDS][part].numpy(),
            values=values[part],
            target_logp=target_logp[part],
            behaviour_logp=batch[Columns.ACTION_LOGP][part].numpy(),
            terminated=terminated,
        )
        vs, _ = reference(chunk)
        expected.extend((values[part][:3] - vs) ** 2)
    got = float(learner.metrics.peek(("default_policy", key)))
    assert got == pytest.approx(0.5 * float(np.mean(expected)), rel=1e-4)
