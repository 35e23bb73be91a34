"""Demonstrations read by a Ray actor give the batches the training process would read."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from ray.rllib.core.columns import Columns

from rllib_nethack import make_env
from rllib_nethack.algorithms.bc.batches import TTY_KEYS
from rllib_nethack.algorithms.bc.feed import ActorFeed, LocalFeed, ReaderError, _cause, open_feed
from rllib_nethack.algorithms.bc.source import prepare_dataset, reader_settings
from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.models.cores import RESETS

SEED = 3


def gone(pid: int, timeout_s: float = 60.0) -> None:
    """Wait until process ``pid`` has ended."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still runs {timeout_s:g} s after the kill")


def settings_and_space(nle_games: Path, db: Path, reader: str) -> tuple[dict[str, Any], Any]:
    env = make_env("challenge")
    try:
        keys = [int(a) for a in env.unwrapped.actions]  # type: ignore[attr-defined]
        full = env.observation_space
        assert isinstance(full, gym.spaces.Dict)
        space = gym.spaces.Dict({k: full[k] for k in TTY_KEYS})
    finally:
        env.close()
    dataset = {"path": str(nle_games), "db": str(db), "batch_size": 2, "seq_len": 8}
    settings = prepare_dataset({**dataset, "reader": reader}, keys)
    return {**settings, "seed": SEED}, space


def actor_feed(nle_games: Path, db: Path) -> tuple[ActorFeed, dict[str, Any], Any]:
    """A reader actor over the three games, with its settings and observation space."""
    settings, space = settings_and_space(nle_games, db, "actor")
    feed = open_feed(settings, space)
    assert isinstance(feed, ActorFeed)
    return feed, settings, space


def flat(batch: dict[str, Any]) -> dict[str, np.ndarray]:
    obs = {f"obs/{k}": v for k, v in batch[Columns.OBS].items()}
    return {**obs, **{k: v for k, v in batch.items() if k != Columns.OBS}}


def test_the_actor_reads_the_batches_the_learner_would(
    ray_local: Any, nle_games: Path, tmp_path: Path
) -> None:
    remote, settings, space = actor_feed(nle_games, tmp_path / "nld.db")
    np.random.seed(SEED)  # what RLlib's seeding does in the learner
    local = LocalFeed(settings, space)
    resets = 0
    for _ in range(6):  # past the first game's end in each lane: lanes go on
        got, want = flat(remote.next_batch()), flat(local.next_batch())
        assert got.keys() == want.keys()
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=key)
            assert got[key].flags.writeable, key  # torch may take it as is
        resets += int(got[RESETS].sum())
    assert resets >= 2  # every lane started a game, each seen once
    assert remote.unmapped_keys == local.unmapped_keys


@pytest.mark.parametrize(
    ("reader", "address", "resolved", "cpus"),
    [
        ("auto", None, "local", 0.0),
        ("auto", "auto", "actor", 1.0),
        ("auto", "ray://head:10001", "local", 1.0),  # Ray Client: the learner is here
        ("local", "auto", "local", 1.0),
        ("actor", None, "actor", 0.0),
    ],
)
def test_auto_reads_in_an_actor_on_a_cluster(
    reader: str, address: str | None, resolved: str, cpus: float
) -> None:
    assert reader_settings(reader, address) == {"reader": resolved, "reader_cpus": cpus}


def test_cluster_remote_runs_reach_the_reader(nle_games: Path, tmp_path: Path) -> None:
    base = ["+task=challenge", "algo=bc", "model=chaotic_dwarf_tty"]
    data = [f"dataset.path={nle_games}", f"dataset.db={tmp_path / 'nld.db'}"]
    remote = build_algorithm_config(compose_config([*base, *data, "cluster=remote"]))
    assert remote.dataset_settings["reader"] == "actor"
    here = build_algorithm_config(compose_config([*base, *data]))
    assert here.dataset_settings["reader"] == "local"


@pytest.mark.slow  # a second actor process: half a minute on 2 CPUs
def test_a_reader_that_dies_is_restarted_and_starts_its_lanes_anew(
    ray_local: Any, nle_games: Path, tmp_path: Path
) -> None:
    feed, _, _ = actor_feed(nle_games, tmp_path / "nld.db")
    feed.next_batch()
    second = feed.next_batch()
    assert not second[RESETS][:, 0].all()  # lanes go on with their games
    pid = ray_local.get(feed._actor.__ray_call__.remote(lambda _: os.getpid()))
    # As when its node is lost: Ray restarts the actor and retries the call.
    ray_local.kill(feed._actor, no_restart=False)
    gone(pid)  # the kill is asynchronous: a call sent before the process ends may reach it
    after = [feed.next_batch() for _ in range(2)]  # the one in flight may predate the kill
    assert any(batch[RESETS][:, 0].all() for batch in after)  # a fresh reader: new games


@pytest.mark.slow  # an actor process: ten seconds on 2 CPUs
def test_a_reader_that_cannot_read_is_one_line(
    ray_local: Any, nle_games: Path, tmp_path: Path
) -> None:
    settings, space = settings_and_space(nle_games, tmp_path / "nld.db", "actor")
    # As when the actor's node does not see the dataset: its index is not there.
    feed = open_feed({**settings, "db": str(tmp_path / "elsewhere" / "nld.db")}, space)
    with pytest.raises(ReaderError) as caught:
        feed.next_batch()
    message = str(caught.value)
    assert message.startswith("dataset.reader=actor: the reader failed: "), message
    assert "no dataset index at" in message and "\n" not in message, message


@pytest.mark.parametrize(
    ("report", "line"),
    [
        (
            "The actor died because of an error raised in its creation task, \x1b[36mray::"
            "_Reader.__init__()\x1b[39m (pid=1)\nTraceback (most recent call last):\n"
            '  File "nld.py", line 226, in __init__\n    raise ConfigError(\n'
            "rllib_nethack.errors.ConfigError: no dataset index at '/data/nld.db'",
            "no dataset index at '/data/nld.db'",
        ),
        ("Traceback:\n  File x\nOSError: [Errno 5] I/O error", "OSError: [Errno 5] I/O error"),
        ("The actor died unexpectedly before finishing this task.", "The actor died unexpectedly"),
    ],
)
def test_the_readers_own_error_is_the_line_shown(report: str, line: str) -> None:
    assert _cause(RuntimeError(report)).startswith(line)
