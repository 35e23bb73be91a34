"""A batch of demonstrations (:class:`~rllib_nethack.datasets.DemoBatch`) as the
model's training batch.

The model reads the env's observation keys; a ttyrec has the terminal only
(``tty_chars``/``tty_colors``/``tty_cursor``), so the model must read no more
than that (``chaotic_dwarf_tty``), plus ``prev_action``, which the keypresses
give: each row's last action is kept for its next batch, and a new game starts
from 0 as the env's ``prev_action`` does after a reset.

A key that is not in the task's action set cannot be a label: it is masked out
of the loss; the dataset's key map counts it (never dropped silently).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray
from ray.rllib.core.columns import Columns

from rllib_nethack.datasets import UNMAPPED, DemoBatch
from rllib_nethack.envs.wrappers.prev_action import PREV_ACTION_KEY
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.cores import RESETS

#: The observation keys a ttyrec can give.
TTY_KEYS = ("tty_chars", "tty_colors", "tty_cursor")


def check_readable(observation_space: gym.spaces.Dict, model: str) -> None:
    """ConfigError if the model reads an observation a ttyrec cannot give."""
    missing = [k for k in observation_space.spaces if k not in (*TTY_KEYS, PREV_ACTION_KEY)]
    if missing:
        raise ConfigError(
            f"model {model!r} reads {', '.join(missing)}, which a ttyrec does not record: "
            f"train a model that reads the screen only (model=chaotic_dwarf_tty)"
        )


class TtyBatcher:
    """Turns successive demonstration batches into training batches (``[B, T, ...]``)."""

    def __init__(self, observation_space: gym.spaces.Dict) -> None:
        check_readable(observation_space, "this")
        self.keys = tuple(observation_space.spaces)
        self._last_action: NDArray[np.int64] | None = None

    def __call__(self, demo: DemoBatch) -> dict[str, Any]:
        mask = demo.valid & (demo.action != UNMAPPED)
        obs: dict[str, Any] = {key: getattr(demo, key) for key in TTY_KEYS if key in self.keys}
        if PREV_ACTION_KEY in self.keys:
            obs[PREV_ACTION_KEY] = self._previous_actions(demo.action, demo.reset)[..., None]
        return {
            Columns.OBS: obs,
            Columns.ACTIONS: np.where(mask, demo.action, 0),
            Columns.LOSS_MASK: mask,
            RESETS: demo.reset,
        }

    def _previous_actions(
        self, actions: NDArray[np.int64], resets: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """The action before each frame: 0 at a game's start, the row's last one
        at a batch's start (a key with no action counts as 0, as nothing was sent)."""
        rows = actions.shape[0]
        last = self._last_action
        if last is None or last.shape[0] != rows:
            last = np.zeros(rows, dtype=np.int64)
        known = np.where(actions == UNMAPPED, 0, actions)
        previous = np.concatenate([last[:, None], known[:, :-1]], axis=1)
        previous[resets] = 0
        self._last_action = known[:, -1].copy()
        return previous.astype(np.int64)


def flatten_rows(batch: Any) -> None:
    """A training batch's ``[B, T, ...]`` columns as ``[B * T, ...]``, in place, for a
    feed-forward model (``rnn_size=0``): it reads frames, not sequences, so no resets."""
    batch[Columns.OBS] = {k: v.flatten(0, 1) for k, v in batch[Columns.OBS].items()}
    for column in (Columns.ACTIONS, Columns.LOSS_MASK):
        batch[column] = batch[column].flatten(0, 1)
    del batch[RESETS]
