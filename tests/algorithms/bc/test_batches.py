"""Ttyrec minibatches of nle.dataset as training batches: labels, masks, previous actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from nle import nethack
from ray.rllib.core.columns import Columns

from rllib_nethack import ConfigError
from rllib_nethack.algorithms.bc.batches import (
    NO_ACTION,
    TtyBatcher,
    check_readable,
    key_to_action_table,
)
from rllib_nethack.algorithms.bc.source import open_minibatches, prepare_dataset
from rllib_nethack.models.cores import RESETS

KEYS = [int(a) for a in nethack.ACTIONS]  # NetHackChallenge's full keyboard


def space(prev_action: bool = True) -> gym.spaces.Dict:
    spaces: dict[str, gym.Space[Any]] = {
        "tty_chars": gym.spaces.Box(0, 255, (24, 80), np.uint8),
        "tty_colors": gym.spaces.Box(0, 31, (24, 80), np.int8),
        "tty_cursor": gym.spaces.Box(0, 255, (2,), np.uint8),
    }
    if prev_action:
        spaces["prev_action"] = gym.spaces.Box(0, len(KEYS) - 1, (1,), np.int64)
    return gym.spaces.Dict(spaces)


def test_every_action_key_maps_back_to_its_action() -> None:
    table = key_to_action_table(KEYS)
    # Where two actions send the same key (NetHack has a few aliases), the label
    # is the first: the same keystroke either way.
    assert [KEYS[int(table[k])] for k in KEYS] == KEYS
    assert [int(table[k]) for k in KEYS] == [KEYS.index(k) for k in KEYS]
    others = sorted(set(range(256)) - set(KEYS))
    assert others and all(table[k] == NO_ACTION for k in others)


def minibatch(keys: list[list[int]], done: list[list[int]], gameids: list[list[int]]) -> dict:
    k = np.array(keys, dtype=np.uint8)
    b, t = k.shape
    return {
        "tty_chars": np.full((b, t, 24, 80), 32, np.uint8),
        "tty_colors": np.zeros((b, t, 24, 80), np.int8),
        "tty_cursor": np.ones((b, t, 2), np.int16),
        "keypresses": k,
        "done": np.array(done, np.uint8),
        "gameids": np.array(gameids, np.int32),
    }


def test_labels_masks_and_previous_actions_follow_the_lanes() -> None:
    h, j, k = (KEYS.index(ord(c)) for c in "hjk")
    unknown = next(c for c in range(1, 256) if c not in KEYS)
    batcher = TtyBatcher(space(), KEYS)
    first = batcher(
        minibatch(
            [[ord("h"), ord("j"), unknown], [ord("k"), ord("k"), 0]],
            done=[[0, 0, 0], [0, 0, 0]],
            gameids=[[1, 1, 1], [2, 2, 0]],  # lane 1 ends in padding
        )
    )
    assert first[Columns.ACTIONS][0, :2].tolist() == [h, j]
    assert first[Columns.LOSS_MASK].tolist() == [[True, True, False], [True, True, False]]
    assert batcher.unmapped == {unknown: 1}  # counted, not dropped silently
    assert first[Columns.OBS]["prev_action"][..., 0].tolist() == [[0, h, j], [0, k, k]]
    assert first[Columns.OBS]["tty_cursor"].dtype == np.uint8  # the env's dtype
    # The next minibatch goes on with each lane; a new game (done) starts from 0.
    second = batcher(
        minibatch([[ord("k"), ord("h")], [ord("j"), ord("h")]], [[0, 1], [1, 0]], [[1, 3], [4, 4]])
    )
    prev = second[Columns.OBS]["prev_action"][..., 0].tolist()
    assert prev == [[0, 0], [0, j]]  # lane 0: after the unknown key (no action), then reset
    assert second[RESETS].tolist() == [[False, True], [True, False]]
    assert batcher.frames == 4 + 4


def test_a_model_reading_more_than_a_ttyrec_is_refused() -> None:
    check_readable(space(), "chaotic_dwarf_tty")
    with_blstats = gym.spaces.Dict({**space().spaces, "blstats": gym.spaces.Box(0, 1, (27,))})
    with pytest.raises(ConfigError, match=r"reads blstats.*model=chaotic_dwarf_tty"):
        check_readable(with_blstats, "chaotic_dwarf")


def test_recorded_games_read_back_as_labelled_batches(nle_games: Path, tmp_path: Path) -> None:
    settings = prepare_dataset(
        {"path": str(nle_games), "db": str(tmp_path / "nld.db"), "batch_size": 4, "seq_len": 16},
        KEYS,
    )
    assert settings["games"] == 3
    batcher = TtyBatcher(space(), settings["action_keys"])
    source = open_minibatches(settings)
    batch = batcher(next(source))
    # Every frame of a NetHackChallenge recording was a key of its action set.
    assert batch[Columns.LOSS_MASK].all() and not batcher.unmapped
    assert batch[Columns.OBS]["tty_chars"].shape == (4, 16, 24, 80)
    # 4 lanes over 3 games: every lane has a game, and a screen with text on it.
    assert (batch[Columns.OBS]["tty_chars"][:, 0] != ord(" ")).any(axis=(1, 2)).all()


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ({}, "needs demonstrations: dataset.path=DIR"),
        ({"path": "/nonexistent/games"}, "is not a folder"),
    ],
)
def test_bad_dataset_is_one_line(dataset: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        prepare_dataset(dataset, KEYS)


def test_a_folder_without_finished_games_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "savedir").mkdir()
    with pytest.raises(ConfigError, match="no finished games"):
        prepare_dataset({"path": str(tmp_path)}, KEYS)


def test_a_filter_that_selects_no_game_is_one_line(nle_games: Path, tmp_path: Path) -> None:
    sql = "SELECT gameid FROM games WHERE points > 1000000"
    with pytest.raises(ConfigError, match="dataset.sql selects none"):
        prepare_dataset({"path": str(nle_games), "db": str(tmp_path / "x.db"), "sql": sql}, KEYS)
