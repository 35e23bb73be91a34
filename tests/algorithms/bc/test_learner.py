"""The BC learner: the loss against a plain loop, each row's LSTM carried between batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch

from rllib_nethack.algorithms.bc.learner import behaviour_cloning_loss
from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.models.cores import RESETS


def test_loss_and_accuracy_match_a_plain_loop() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 7, generator=gen)
    actions = torch.randint(0, 7, (3, 5), generator=gen)
    mask = torch.rand(3, 5, generator=gen) > 0.3
    loss, accuracy = behaviour_cloning_loss(logits, actions, mask)
    terms, hits = [], []
    for b in range(3):
        for t in range(5):
            if mask[b, t]:
                log_p = logits[b, t] - torch.logsumexp(logits[b, t], 0)
                terms.append(-float(log_p[actions[b, t]]))
                hits.append(int(logits[b, t].argmax()) == int(actions[b, t]))
    assert float(loss) == pytest.approx(np.mean(terms), rel=1e-5)
    assert float(accuracy) == pytest.approx(np.mean(hits))
    nothing, _ = behaviour_cloning_loss(logits, actions, torch.zeros_like(mask))
    assert float(nothing) == 0.0


@pytest.fixture(scope="module")
def learner(nle_games: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    cfg = compose_config(
        [
            "+task=challenge",
            "algo=bc",
            "model=chaotic_dwarf_tty",
            "model.rnn_size=16",
            f"dataset.path={nle_games}",
            f"dataset.db={tmp_path_factory.mktemp('db') / 'nld.db'}",
            "algo.lr=0.0",  # the weights stay put: only the carried state moves
        ]
    )
    return build_algorithm_config(cfg).build_learner(env=None, spaces=None)


def random_batch(lanes: int, steps: int, seed: int, resets_at_0: list[bool]) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    resets = np.zeros((lanes, steps), bool)
    resets[:, 0] = resets_at_0
    return {
        Columns.OBS: {
            "tty_chars": rng.integers(32, 128, (lanes, steps, 24, 80), dtype=np.uint8),
            "tty_colors": rng.integers(0, 16, (lanes, steps, 24, 80), dtype=np.int8),
            "tty_cursor": rng.integers(1, 20, (lanes, steps, 2), dtype=np.uint8),
            "prev_action": rng.integers(0, 121, (lanes, steps, 1), dtype=np.int64),
        },
        Columns.ACTIONS: rng.integers(0, 121, (lanes, steps)),
        Columns.LOSS_MASK: np.ones((lanes, steps), bool),
        RESETS: resets,
    }


def final_state(learner: Any, batch: dict[str, Any]) -> torch.Tensor:
    """The LSTM's state after the batch, from the initial state, without the learner."""
    module = learner.module[DEFAULT_MODULE_ID]
    tensors = {
        Columns.OBS: {k: torch.as_tensor(v) for k, v in batch[Columns.OBS].items()},
        RESETS: torch.as_tensor(batch[RESETS]),
    }
    lanes = batch[RESETS].shape[0]
    tensors[Columns.STATE_IN] = {
        k: torch.as_tensor(v).expand(lanes, -1) for k, v in module.get_initial_state().items()
    }
    with torch.no_grad():
        return module.forward_train(tensors)[Columns.STATE_OUT]["h"]


def update(learner: Any, batch: dict[str, Any]) -> None:
    frames = int(batch[Columns.LOSS_MASK].sum())
    learner.update(batch=MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(batch)}, frames))


def test_each_lane_goes_on_from_its_last_state(learner: Any) -> None:
    first = random_batch(2, 4, seed=1, resets_at_0=[False, False])
    second = random_batch(2, 4, seed=2, resets_at_0=[False, True])  # lane 1: a new game
    update(learner, first)
    update(learner, second)
    carried = learner._lanes.get(DEFAULT_MODULE_ID)["h"]
    # Lane 0 saw one game of 8 frames; lane 1 a new game in the second batch.
    whole = {
        Columns.OBS: {
            k: np.concatenate([first[Columns.OBS][k], second[Columns.OBS][k]], axis=1)
            for k in first[Columns.OBS]
        },
        RESETS: np.concatenate([first[RESETS], np.zeros_like(second[RESETS])], axis=1),
    }
    torch.testing.assert_close(carried[0], final_state(learner, whole)[0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(carried[1], final_state(learner, second)[1], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(carried[0], final_state(learner, second)[0])
