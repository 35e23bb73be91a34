"""A ttyrec minibatch of ``nle.dataset`` as our model's training batch.

``TtyrecDataset`` yields ``B`` lanes of ``T`` frames: the screen
(``tty_chars``/``tty_colors``/``tty_cursor``), the key pressed in answer to
each frame (``keypresses``), ``done`` where a new game starts in the lane and
``gameids`` (0 for padding). The model reads the env's observation keys, with
the env's dtypes; a ttyrec has the terminal only, so the model must read no
more than that (``chaotic_dwarf_tty``), plus ``prev_action``, which the
keypresses give. Each lane's last action is kept for its next minibatch.

A key that is not in the task's action set cannot be a label: it is masked out
of the loss and counted (:attr:`TtyBatcher.unmapped`), never dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray
from ray.rllib.core.columns import Columns

from rllib_nethack.envs.wrappers.prev_action import PREV_ACTION_KEY
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.cores import RESETS

#: The observation keys a ttyrec can give.
TTY_KEYS = ("tty_chars", "tty_colors", "tty_cursor")
#: Marks a key with no action in the lookup table.
NO_ACTION = -1


def key_to_action_table(action_keys: list[int]) -> NDArray[np.int64]:
    """A 256-entry table: byte -> action index (:data:`NO_ACTION` where none).

    Args:
        action_keys: The keypress (ASCII code) of each action index, in order.
    """
    table = np.full(256, NO_ACTION, dtype=np.int64)
    for index, key in reversed(list(enumerate(action_keys))):
        table[int(key)] = index  # the first index wins where two actions share a key
    return table


def check_readable(observation_space: gym.spaces.Dict, model: str) -> None:
    """ConfigError if the model reads an observation a ttyrec cannot give."""
    missing = [k for k in observation_space.spaces if k not in (*TTY_KEYS, PREV_ACTION_KEY)]
    if missing:
        raise ConfigError(
            f"model {model!r} reads {', '.join(missing)}, which a ttyrec does not record: "
            f"train a model that reads the screen only (model=chaotic_dwarf_tty)"
        )


class TtyBatcher:
    """Turns successive ``TtyrecDataset`` minibatches into training batches."""

    def __init__(self, observation_space: gym.spaces.Dict, action_keys: list[int]) -> None:
        check_readable(observation_space, "this")
        self.space = observation_space
        self.table = key_to_action_table(action_keys)
        #: Keys pressed in the data that are no action of the task, by key code.
        self.unmapped: Counter[int] = Counter()
        #: Frames turned into labelled training steps so far.
        self.frames = 0
        self._last_action: NDArray[np.int64] | None = None

    def __call__(self, minibatch: Mapping[str, NDArray[Any]]) -> dict[str, Any]:
        """The training batch (``[B, T, ...]`` arrays) of one ``TtyrecDataset`` minibatch."""
        keys = minibatch["keypresses"]
        actions = self.table[keys]
        real = minibatch["gameids"] != 0
        unknown = real & (actions == NO_ACTION)
        if unknown.any():
            self.unmapped.update(keys[unknown].tolist())
        mask = real & ~unknown
        resets = minibatch["done"].astype(bool)
        obs = {
            key: np.asarray(minibatch[key]).astype(self.space[key].dtype, copy=True)
            for key in TTY_KEYS
            if key in self.space.spaces
        }
        if PREV_ACTION_KEY in self.space.spaces:
            obs[PREV_ACTION_KEY] = self._previous_actions(actions, resets)[..., None]
        self.frames += int(mask.sum())
        return {
            Columns.OBS: obs,
            Columns.ACTIONS: np.where(mask, actions, 0),
            Columns.LOSS_MASK: mask,
            RESETS: resets,
        }

    def _previous_actions(
        self, actions: NDArray[np.int64], resets: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """The action before each frame: 0 at a game's start (as the env's
        ``prev_action`` after a reset), the lane's last one at a minibatch's start."""
        lanes = actions.shape[0]
        last = self._last_action
        if last is None or last.shape[0] != lanes:
            last = np.zeros(lanes, dtype=np.int64)
        known = np.where(actions == NO_ACTION, 0, actions)
        previous = np.concatenate([last[:, None], known[:, :-1]], axis=1)
        previous[resets] = 0
        self._last_action = known[:, -1].copy()
        return previous.astype(np.int64)
