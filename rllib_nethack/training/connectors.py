"""RLlib ConnectorV2 pieces for training on NetHack.

:class:`StandardiseAdvantages` restandardises PPO's GAE advantages over the
real steps only: RLlib 2.60 standardises them over every row, the appended
bootstrap step of each chunk included, whose "advantage" is meaningless (its
TD residual reaches into the next chunk's values).

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
import torch
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.core.columns import Columns
from ray.rllib.evaluation.postprocessing import Postprocessing


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


class StandardiseAdvantages(ConnectorV2):
    """Standardise each module's advantages over the steps in its loss mask.

    Runs after RLlib's GAE connector. Standardising is affine, so doing it again
    over the real steps gives what standardising the raw advantages over them
    would; steps outside the mask get 0 (the loss ignores them).
    """

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
        for module_batch in batch.values():
            if (
                Postprocessing.ADVANTAGES not in module_batch
                or Columns.LOSS_MASK not in module_batch
            ):
                continue
            advantages = module_batch[Postprocessing.ADVANTAGES]
            mask = torch.as_tensor(module_batch[Columns.LOSS_MASK], device=advantages.device).bool()
            real = advantages[mask]
            scale = real.std(correction=0).clamp_min(1e-4) if real.numel() > 1 else 1.0
            standard = (advantages - real.mean()) / scale
            module_batch[Postprocessing.ADVANTAGES] = torch.where(
                mask, standard, torch.zeros_like(standard)
            )
        return batch
