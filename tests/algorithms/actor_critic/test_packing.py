"""Packed LSTM sequences: the model sees the same thing, the state really resets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from ray.rllib.core.columns import Columns

from rllib_nethack import make_env
from rllib_nethack.algorithms.actor_critic.connectors import pack_module_batch, pack_rows
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.models import NetHackRLModule
from rllib_nethack.models.cores import RESETS, LSTMCore
from rllib_nethack.testing.sampling import random_observations, stack_sequences


def test_a_reset_inside_a_sequence_zeroes_the_state() -> None:
    torch.manual_seed(0)
    core = LSTMCore(4, 8)
    x = torch.randn(2, 6, 4)
    state = {"h": torch.randn(2, 8), "c": torch.randn(2, 8)}
    resets = torch.zeros(2, 6, dtype=torch.bool)
    resets[0, 3] = True
    with torch.no_grad():
        out, _ = core(x, state, resets)
        before, _ = core(x[:1, :3], {k: v[:1] for k, v in state.items()})
        after, _ = core(x[:1, 3:], {k: torch.zeros(1, 8) for k in state})
        other, _ = core(x[1:], {k: v[1:] for k, v in state.items()})
        carried, _ = core(x[:1], {k: v[:1] for k, v in state.items()})
    assert torch.allclose(out[0, :3], before[0], atol=1e-6)
    assert torch.allclose(out[0, 3:], after[0], atol=1e-6)
    assert torch.allclose(out[1], other[0], atol=1e-6)  # a row without resets runs on
    assert not torch.allclose(out[0, 3:], carried[0, 3:], atol=1e-3)


def test_acting_one_step_at_a_time_matches_the_sequence() -> None:
    """One-step calls (the env runners', on the LSTM cell) carry the state exactly
    as one call over the whole sequence (the learner's, on the fused LSTM)."""
    torch.manual_seed(0)
    core = LSTMCore(4, 8)
    x = torch.randn(3, 5, 4)
    state = {"h": torch.randn(3, 8), "c": torch.randn(3, 8)}
    with torch.no_grad():
        whole, last = core(x, state)
        steps = []
        for t in range(x.shape[1]):
            out, state = core(x[:, t : t + 1], state)
            steps.append(out)
    assert torch.allclose(torch.cat(steps, dim=1), whole, atol=1e-6)
    assert all(torch.allclose(state[k], last[k], atol=1e-6) for k in ("h", "c"))


def test_chunks_from_a_live_state_start_their_own_row() -> None:
    seq_lens = np.array([5, 2, 3, 6, 1, 4])
    zero = np.array([False, True, True, False, True, True])
    rows = pack_rows(seq_lens, zero, width=6)
    assert sorted(i for r in rows for i in r) == list(range(6))
    assert all(sum(seq_lens[r]) <= 6 for r in rows)
    assert [r[0] for r in rows if not zero[r[0]]] == [0, 3]
    assert all(zero[i] for r in rows for i in r[1:])
    assert len(rows) == 4  # 21 steps in rows of 6: the fewest that can hold them


WIDTH = 6
SEQ_LENS = np.array([5, 2, 3, 6, 1, 4])
LIVE = np.array([True, False, False, True, False, False])  # chunks that continue an episode


def unpacked_batch(env: Any, rnn_size: int) -> dict[str, Any]:
    """RLlib's layout: one zero-padded row per chunk, its last step the bootstrap step."""
    n = len(SEQ_LENS)
    obs = stack_sequences(random_observations(env, n * WIDTH), n, WIDTH)
    valid = np.arange(WIDTH)[None, :] < SEQ_LENS[:, None]
    real = np.arange(WIDTH)[None, :] < SEQ_LENS[:, None] - 1
    rng = np.random.default_rng(0)
    state = {
        k: rng.normal(size=(n, rnn_size)).astype(np.float32) * LIVE[:, None] for k in ("h", "c")
    }
    terminated = np.zeros((n, WIDTH), dtype=bool)
    terminated[2, SEQ_LENS[2] - 2] = True
    actions = rng.integers(0, env.action_space.n, size=(n, WIDTH)) * valid
    # The behaviour policy's logits and the taken actions' logp, as env runners record them.
    logits = rng.normal(size=(n, WIDTH, env.action_space.n)).astype(np.float32)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return {
        Columns.OBS: {k: v * valid.reshape(n, WIDTH, *[1] * (v.ndim - 2)) for k, v in obs.items()},
        Columns.LOSS_MASK: real,
        Columns.TERMINATEDS: terminated,
        Columns.REWARDS: (rng.normal(size=(n, WIDTH)) * real).astype(np.float32),
        Columns.ACTIONS: actions,
        Columns.ACTION_DIST_INPUTS: logits * valid[..., None],
        Columns.ACTION_LOGP: np.take_along_axis(logp, actions[..., None], -1)[..., 0] * valid,
        "step_id": np.where(valid, np.arange(n * WIDTH).reshape(n, WIDTH) + 1, 0),
        Columns.STATE_IN: state,
        "seq_lens": SEQ_LENS,
    }


def as_torch(batch: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {kk: torch.as_tensor(vv) for kk, vv in v.items()}
        if isinstance(v, dict)
        else torch.as_tensor(v)
        for k, v in batch.items()
    }


@pytest.mark.parametrize("use_torch", [True, False], ids=["torch", "numpy"])
def test_packed_batch_gives_the_model_the_same_outputs(use_torch: bool) -> None:
    env = make_env("room5x5")
    torch.manual_seed(0)
    module = NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={"name": "minihack", "rnn_size": 16},
    )
    batch = unpacked_batch(env, 16)
    if use_torch:
        batch = as_torch(batch)
    packed = pack_module_batch(batch)
    assert len(packed["seq_lens"]) < len(SEQ_LENS)
    assert int(np.asarray(packed["seq_lens"]).sum()) == int(SEQ_LENS.sum())

    def outputs(b: dict) -> tuple[np.ndarray, np.ndarray]:
        tb = as_torch(b)
        with torch.no_grad():
            out = module.forward_train(tb)
            values = module.compute_values(tb, embeddings=out[Columns.EMBEDDINGS])
        return out[Columns.ACTION_DIST_INPUTS].numpy(), values.numpy()

    logits, values = outputs(batch)
    packed_logits, packed_values = outputs(packed)
    ids = np.asarray(packed["step_id"])
    for row, t in zip(*np.nonzero(ids), strict=True):
        src = divmod(int(ids[row, t]) - 1, WIDTH)
        assert np.allclose(packed_logits[row, t], logits[src], atol=1e-5)
        assert np.isclose(packed_values[row, t], values[src], atol=1e-5)
        for col in (Columns.REWARDS, Columns.LOSS_MASK, Columns.ACTIONS):
            assert np.asarray(packed[col])[row, t] == np.asarray(batch[col])[src]
    valid = np.asarray(batch["step_id"]) > 0
    assert sorted(ids[ids > 0].tolist()) == sorted(np.asarray(batch["step_id"])[valid].tolist())
    assert np.asarray(packed[RESETS]).sum() == len(SEQ_LENS) - len(packed["seq_lens"])


@pytest.mark.slow  # builds RLlib learners: ~10 s each on a busy machine
@pytest.mark.parametrize("algo", ["impala", "appo"])
def test_packed_and_padded_batches_give_the_same_loss(algo: str) -> None:
    config = build_algorithm_config(compose_run(["+task=room5x5", f"algo={algo}", "debug=smoke"]))
    env = make_env("room5x5")
    torch.manual_seed(0)
    learner = config.build_learner(env=env)
    module = learner.module["default_policy"]
    batch = unpacked_batch(env, int(module.model_config["rnn_size"]))
    losses = []
    for b in (batch, pack_module_batch(batch)):
        tb = as_torch(b)
        fwd_out = module.forward_train(tb)
        loss = learner.compute_loss_for_module(
            module_id="default_policy", config=config, batch=tb, fwd_out=fwd_out
        )
        losses.append(float(loss.detach()))
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
