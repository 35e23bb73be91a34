"""Packed LSTM sequences: the model sees the same thing, the state really resets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ray.rllib.core.columns import Columns

from rllib_nethack import make_env
from rllib_nethack.envs.sampling import random_observations, stack_sequences
from rllib_nethack.models import MODELS
from rllib_nethack.models.cores import RESETS, LSTMCore
from rllib_nethack.training.connectors import pack_module_batch, pack_rows


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


def test_chunks_from_a_live_state_start_their_own_row() -> None:
    seq_lens = np.array([5, 2, 3, 6, 1, 4])
    zero = np.array([False, True, True, False, True, True])
    rows = pack_rows(seq_lens, zero, width=6)
    assert sorted(i for r in rows for i in r) == list(range(6))
    assert all(sum(seq_lens[r]) <= 6 for r in rows)
    assert [r[0] for r in rows if not zero[r[0]]] == [0, 3]
    assert all(zero[i] for r in rows for i in r[1:])
    assert len(rows) == 4  # 21 steps in rows of 6: the fewest that can hold them


@pytest.mark.parametrize("use_torch", [True, False], ids=["torch", "numpy"])
def test_packed_batch_gives_the_model_the_same_outputs(use_torch: bool) -> None:
    env = make_env("room5x5")
    torch.manual_seed(0)
    module = MODELS["minihack"](
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={"rnn_size": 16},
    )
    width, seq_lens = 6, np.array([5, 2, 3, 6, 1, 4])
    live = np.array([True, False, False, True, False, False])  # chunks that continue an episode
    n = len(seq_lens)
    obs = stack_sequences(random_observations(env, n * width), n, width)
    valid = np.arange(width)[None, :] < seq_lens[:, None]
    rng = np.random.default_rng(0)
    state = {k: rng.normal(size=(n, 16)).astype(np.float32) * live[:, None] for k in ("h", "c")}
    batch = {
        Columns.OBS: {k: v * valid.reshape(n, width, *[1] * (v.ndim - 2)) for k, v in obs.items()},
        Columns.LOSS_MASK: valid,
        Columns.REWARDS: (rng.normal(size=(n, width)) * valid).astype(np.float32),
        "step_id": np.where(valid, np.arange(n * width).reshape(n, width) + 1, 0),
        Columns.STATE_IN: state,
        "seq_lens": seq_lens,
    }
    if use_torch:
        batch = {
            k: {kk: torch.as_tensor(vv) for kk, vv in v.items()}
            if isinstance(v, dict)
            else torch.as_tensor(v)
            for k, v in batch.items()
        }
    packed = pack_module_batch(batch)
    assert len(packed["seq_lens"]) < n
    assert int(np.asarray(packed[Columns.LOSS_MASK]).sum()) == int(seq_lens.sum())

    def outputs(b: dict) -> tuple[np.ndarray, np.ndarray]:
        tb = {
            k: {kk: torch.as_tensor(vv) for kk, vv in v.items()}
            if isinstance(v, dict)
            else torch.as_tensor(v)
            for k, v in b.items()
        }
        with torch.no_grad():
            out = module.forward_train(tb)
            values = module.compute_values(tb, embeddings=out[Columns.EMBEDDINGS])
        return out[Columns.ACTION_DIST_INPUTS].numpy(), values.numpy()

    logits, values = outputs(batch)
    packed_logits, packed_values = outputs(packed)
    ids = np.asarray(packed["step_id"])
    for row, t in zip(*np.nonzero(ids), strict=True):
        src = divmod(int(ids[row, t]) - 1, width)
        assert np.allclose(packed_logits[row, t], logits[src], atol=1e-5)
        assert np.isclose(packed_values[row, t], values[src], atol=1e-5)
        assert (
            np.asarray(packed[Columns.REWARDS])[row, t] == np.asarray(batch[Columns.REWARDS])[src]
        )
    assert sorted(ids[ids > 0].tolist()) == sorted(np.asarray(batch["step_id"])[valid].tolist())
    assert np.asarray(packed[RESETS]).sum() == len(seq_lens) - len(packed["seq_lens"])
