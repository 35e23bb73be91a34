"""Demonstration batches as training batches: labels, masks, previous actions, bad datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from nle import nethack
from ray.rllib.core.columns import Columns

from rllib_nethack import ConfigError
from rllib_nethack.algorithms.bc.batches import TtyBatcher, check_readable
from rllib_nethack.algorithms.bc.source import open_demonstrations, prepare_dataset
from rllib_nethack.datasets import UNMAPPED, DemoBatch
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


def demo(actions: list[list[int]], reset: list[list[int]], valid: list[list[int]]) -> DemoBatch:
    a = np.array(actions, dtype=np.int64)
    b, t = a.shape
    return DemoBatch(
        tty_chars=np.full((b, t, 24, 80), 32, np.uint8),
        tty_colors=np.zeros((b, t, 24, 80), np.int8),
        tty_cursor=np.ones((b, t, 2), np.uint8),
        action=a,
        keypress=np.zeros((b, t), np.uint8),
        reset=np.array(reset, bool),
        valid=np.array(valid, bool),
        gameid=np.ones((b, t), np.int32),
        score=np.zeros((b, t), np.int32),
    )


def test_labels_masks_and_previous_actions_follow_the_rows() -> None:
    batcher = TtyBatcher(space())
    first = batcher(
        demo([[4, 5, UNMAPPED], [7, 7, 0]], [[1, 0, 0], [1, 0, 0]], [[1, 1, 1], [1, 1, 0]])
    )
    assert first[Columns.ACTIONS].tolist() == [[4, 5, 0], [7, 7, 0]]
    # An unmapped key and padding are no labels.
    assert first[Columns.LOSS_MASK].tolist() == [[True, True, False], [True, True, False]]
    assert first[Columns.OBS]["prev_action"][..., 0].tolist() == [[0, 4, 5], [0, 7, 7]]
    assert set(first[Columns.OBS]) == {"tty_chars", "tty_colors", "tty_cursor", "prev_action"}
    # The next batch goes on with each row; a new game starts from 0.
    second = batcher(demo([[3, 2], [9, 8]], [[0, 1], [1, 0]], [[1, 1], [1, 1]]))
    assert second[Columns.OBS]["prev_action"][..., 0].tolist() == [[0, 0], [0, 9]]
    assert second[RESETS].tolist() == [[False, True], [True, False]]
    plain = demo([[3, 2]], [[0, 1]], [[1, 1]])
    assert "prev_action" not in TtyBatcher(space(prev_action=False))(plain)[Columns.OBS]


def test_a_model_reading_more_than_a_ttyrec_is_refused() -> None:
    check_readable(space(), "chaotic_dwarf_tty")
    with_blstats = gym.spaces.Dict({**space().spaces, "blstats": gym.spaces.Box(0, 1, (27,))})
    with pytest.raises(ConfigError, match=r"reads blstats.*model=chaotic_dwarf_tty"):
        check_readable(with_blstats, "chaotic_dwarf")


def test_recorded_games_read_back_as_labelled_batches(nle_games: Path, tmp_path: Path) -> None:
    dataset = {"path": str(nle_games), "db": str(tmp_path / "nld.db"), "batch_size": 4}
    settings = prepare_dataset({**dataset, "seq_len": 16}, KEYS)
    assert settings["games"] == 3
    assert prepare_dataset({**dataset, "seq_len": 16}, KEYS)["games"] == 3  # indexed once
    demonstrations = open_demonstrations(settings)
    batches = iter(demonstrations)
    batcher = TtyBatcher(space())
    for _ in range(3):
        batch = batcher(next(batches))
    # Every key of a NetHackChallenge recording is one of its actions.
    assert batch[Columns.LOSS_MASK].all() and not demonstrations.report()
    assert batch[Columns.OBS]["tty_chars"].shape == (4, 16, 24, 80)
    # 4 rows over 3 games: every row has a game on its screen.
    assert (batch[Columns.OBS]["tty_chars"][:, 0] != ord(" ")).any(axis=(1, 2)).all()


def test_bad_datasets_are_one_line(nle_games: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"needs demonstrations: dataset\.path=DIR"):
        prepare_dataset({}, KEYS)
    with pytest.raises(ConfigError, match="is not a folder"):
        prepare_dataset({"path": str(tmp_path / "nothing")}, KEYS)
    (tmp_path / "empty" / "savedir").mkdir(parents=True)
    with pytest.raises(ConfigError, match="holds no NLE savedirs"):
        prepare_dataset({"path": str(tmp_path / "empty")}, KEYS)
    with pytest.raises(ConfigError, match="no game of dataset"):
        prepare_dataset(
            {"path": str(nle_games), "db": str(tmp_path / "x.db"), "min_score": 10**9}, KEYS
        )
