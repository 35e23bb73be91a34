"""RLlib ConnectorV2 pieces for training on NetHack.

RLlib's ``clip_rewards`` setting is honoured only by its old API stack. On the
current stack :class:`ClipRewards` does the same job as a learner connector:
the learner sees rewards clipped to ``[-limit, limit]`` (Sample Factory clips
NetHack rewards at 10, since score jumps of hundreds would swamp the value
loss), while episode returns and NetHack metrics stay unclipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ray.rllib.connectors.connector_v2 import ConnectorV2


class ClipRewards(ConnectorV2):
    """Clip the rewards of the episodes a learner trains on to ``[-limit, limit]``.

    Runs first in the learner pipeline, before rewards are batched, so every
    algorithm (V-trace, GAE) sees the clipped values.
    """

    def __init__(
        self,
        input_observation_space: Any = None,
        input_action_space: Any = None,
        *,
        limit: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        if limit <= 0:
            raise ValueError(f"reward clip limit must be > 0, got {limit}")
        self.limit = float(limit)

    def __call__(
        self,
        *,
        rl_module: Any,
        batch: dict[str, Any],
        episodes: list[Any],
        explore: bool | None = None,
        shared_data: dict[str, Any] | None = None,
        metrics: Any = None,
        **kwargs: Any,
    ) -> Any:
        for episode in episodes:
            rewards = np.asarray(episode.get_rewards(), dtype=np.float32)
            if rewards.size and np.abs(rewards).max() > self.limit:
                episode.set_rewards(new_data=np.clip(rewards, -self.limit, self.limit))
        return batch


@dataclass(frozen=True)
class ClipRewardsFactory:
    """Picklable ``learner_connector`` builder for ``AlgorithmConfig.learners()``."""

    limit: float

    def __call__(self, observation_space: Any = None, action_space: Any = None) -> ClipRewards:
        return ClipRewards(observation_space, action_space, limit=self.limit)
