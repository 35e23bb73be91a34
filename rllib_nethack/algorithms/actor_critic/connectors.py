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

from rllib_nethack.algorithms.actor_critic.standardise import standardise
from rllib_nethack.algorithms.episode_rewards import set_rewards
from rllib_nethack.models.cores import RESETS


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
                set_rewards(episode, np.clip(rewards, -self.limit, self.limit))
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
            module_batch[Postprocessing.ADVANTAGES] = standardise(
                module_batch[Postprocessing.ADVANTAGES], module_batch[Columns.LOSS_MASK]
            )
        return batch


def _map(tree: Any, fn: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _map(v, fn) for k, v in tree.items()}
    return fn(tree)


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


def pack_rows(seq_lens: np.ndarray, zero_state: np.ndarray, width: int) -> list[list[int]]:
    """Group padded rows (one episode chunk each) into rows of at most ``width`` steps.

    A chunk that starts from the zero state (an episode's start: our cores'
    initial state is zero) can start anywhere, after a reset; any other chunk
    opens a row of its own, whose ``state_in`` is that chunk's. First fit,
    longest chunks first; a chunk never spans two rows, so each chunk's
    bootstrap step stays right after its last step.
    """
    rows: list[list[int]] = [[int(i)] for i in np.flatnonzero(~zero_state)]
    used = [int(seq_lens[r[0]]) for r in rows]
    for i in sorted(np.flatnonzero(zero_state), key=lambda i: -int(seq_lens[i])):
        size = int(seq_lens[i])
        for j, u in enumerate(used):
            if u + size <= width:
                rows[j].append(int(i))
                used[j] += size
                break
        else:
            rows.append([int(i)])
            used.append(size)
    return rows


class PackSequences(ConnectorV2):
    """Pack short episode chunks into shared LSTM sequences, resetting the state between them.

    RLlib pads every chunk to its own ``max_seq_len`` row, so with 7-step
    episodes most of a training batch is padding the learner still runs the
    model on. Runs last in the learner pipeline (after GAE for PPO): moves the
    chunks into as few rows as fit, sets ``seq_lens``, ``state_in`` (each row's
    first chunk's) and the :data:`~rllib_nethack.models.cores.RESETS` column
    that the LSTM core reads. The loss sees the same steps, values and masks.
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
        for module_id, module_batch in list(batch.items()):
            if "seq_lens" in module_batch and Columns.STATE_IN in module_batch:
                batch[module_id] = pack_module_batch(module_batch)
        return batch


def pack_module_batch(module_batch: dict[str, Any]) -> dict[str, Any]:
    """:class:`PackSequences` for one module's batch (torch tensors or numpy arrays)."""
    seq_lens = np.asarray(_numpy(module_batch["seq_lens"]), dtype=np.int64)
    n, width = module_batch[Columns.LOSS_MASK].shape[:2]
    states = [_numpy(leaf).reshape(n, -1) for leaf in _leaves(module_batch[Columns.STATE_IN])]
    zero_state = np.all([~s.any(axis=1) for s in states], axis=0)
    rows = pack_rows(seq_lens, zero_state, width)
    source = np.full((len(rows), width), -1, dtype=np.int64)
    resets = np.zeros((len(rows), width), dtype=bool)
    for j, members in enumerate(rows):
        pos = 0
        for i in members:
            size = int(seq_lens[i])
            source[j, pos : pos + size] = i * width + np.arange(size)
            resets[j, pos] = pos > 0
            pos += size
    valid = source >= 0
    first = np.array([r[0] for r in rows], dtype=np.int64)

    def gather(leaf: Any) -> Any:
        if getattr(leaf, "shape", ())[:2] != (n, width):
            return leaf
        flat = leaf.reshape(n * width, *leaf.shape[2:])
        if isinstance(leaf, torch.Tensor):
            idx = torch.as_tensor(np.where(valid, source, 0).reshape(-1), device=leaf.device)
            keep = torch.as_tensor(valid.reshape(-1), device=leaf.device)
            out = flat[idx]
            keep = keep.view(-1, *([1] * (out.dim() - 1)))
            out = torch.where(keep, out, torch.zeros_like(out))
        else:
            out = flat[np.where(valid, source, 0).reshape(-1)]
            out = np.where(valid.reshape(-1, *([1] * (out.ndim - 1))), out, np.zeros_like(out))
        return out.reshape(len(rows), width, *leaf.shape[2:])

    def like(leaf: Any, value: np.ndarray) -> Any:
        if isinstance(leaf, torch.Tensor):
            return torch.as_tensor(value, device=leaf.device)
        return value

    packed = {
        k: _map(v, gather)
        for k, v in module_batch.items()
        if k not in ("seq_lens", Columns.STATE_IN)
    }
    packed[Columns.STATE_IN] = _map(module_batch[Columns.STATE_IN], lambda s: s[like(s, first)])
    packed["seq_lens"] = like(module_batch["seq_lens"], (valid.sum(axis=1)).astype(seq_lens.dtype))
    packed[RESETS] = like(module_batch[Columns.LOSS_MASK], resets)
    return packed


def _numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)
