"""Progress's "trained" column: each minibatch counts its real env steps, once per pass.

RLlib 2.60's minibatch iterator labels every minibatch with the whole batch's
size, so its own count grows by the batch once per minibatch (PPO read 10x the
env steps sampled). These tests cut real batches with RLlib's iterator.
"""

from __future__ import annotations

import numpy as np
import pytest
from ray.rllib.core.columns import Columns
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch
from ray.rllib.utils.minibatch_utils import MiniBatchCyclicIterator

from rllib_nethack.algorithms.actor_critic.learners import real_env_steps


def _batch(rows: int, masked: int = 0) -> MultiAgentBatch:
    """One module's batch of ``rows`` rows whose last ``masked`` rows are padding."""
    mask = np.ones(rows, dtype=bool)
    mask[rows - masked :] = False
    columns = {Columns.OBS: np.arange(rows, dtype=np.float32), Columns.LOSS_MASK: mask}
    return MultiAgentBatch({"default_policy": SampleBatch(columns)}, rows - masked)


def test_real_steps_leave_out_masked_rows() -> None:
    assert real_env_steps(_batch(40, masked=6)) == 34
    plain = MultiAgentBatch({"p": SampleBatch({Columns.OBS: np.zeros(9)})}, 9)
    assert real_env_steps(plain) == 9  # no loss mask: every row


@pytest.mark.parametrize(("epochs", "minibatch"), [(2, 256), (1, 1024), (1, 256)])
def test_minibatches_add_up_to_the_passes(epochs: int, minibatch: int) -> None:
    batch = _batch(1024)
    minibatches = list(MiniBatchCyclicIterator(batch, minibatch_size=minibatch, num_epochs=epochs))
    assert sum(real_env_steps(mb) for mb in minibatches) == epochs * 1024
    if len(minibatches) > 1:  # what RLlib's own label adds up to instead
        assert sum(mb.env_steps() for mb in minibatches) == len(minibatches) * 1024
