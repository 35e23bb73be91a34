"""RLlib's ``OfflineData`` over ``nle.dataset``: ttyrec minibatches for the BC learner.

RLlib's own class reads Parquet or JSON rows with Ray Data and rebuilds
episodes from them. NetHack demonstrations are ttyrecs indexed by
``nle.dataset``'s SQLite database (NLD-AA, NLD-NAO, or games recorded here),
and the recurrent learner needs each lane to go on with its game from one
minibatch to the next, which is what ``TtyrecDataset`` yields (decompressing
on a thread pool). So this subclass keeps RLlib's interface (``sample``, the
attributes the algorithm sets) and reads through ``nle.dataset`` instead, here
or in a Ray actor (:mod:`.feed`, ``dataset.reader``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.offline.offline_data import OfflineData
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch

from rllib_nethack.algorithms.bc.feed import open_feed


class NLDOfflineData(OfflineData):
    """Training batches from ``nle.dataset`` (``config.dataset_settings`` says which games)."""

    def __init__(self, config: Any) -> None:
        # Not RLlib's constructor: it would open ``input_`` with Ray Data.
        self.config = config
        self.is_multi_agent = False
        self.path = config.input_
        self.data_is_mapped = True
        self.batch_iterators = None
        self.returned_streaming_split = False
        # Set by the algorithm after setup (RLlib's contract with OfflineData).
        self.spaces: Any = None
        self.learner_handles: Any = None
        self.module_spec: Any = None
        self.locality_hints: Any = None
        self.settings: dict[str, Any] = dict(config.dataset_settings)
        space = config.observation_space
        assert isinstance(space, gym.spaces.Dict)  # set by the translation
        self.feed = open_feed(self.settings, space)

    def sample(
        self,
        num_samples: int = 0,
        return_iterator: bool = False,
        num_shards: int = 1,
        module_state: Any = None,
    ) -> MultiAgentBatch:
        """The next training batch: ``B`` rows x ``T`` frames (``dataset.batch_size``,
        ``dataset.seq_len``); ``num_samples`` is RLlib's, and ignored."""
        batch = self.feed.next_batch()
        frames = int(batch["loss_mask"].sum())
        return MultiAgentBatch({DEFAULT_MODULE_ID: SampleBatch(batch)}, env_steps=frames)

    @property
    def unmapped_keys(self) -> int:
        """Keypresses read so far that no action of the task sends (masked out of the loss)."""
        return self.feed.unmapped_keys
