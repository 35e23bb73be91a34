"""Reading recordings through nle.dataset: filters, observation layout, and one-line errors."""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import numpy as np
import pytest

from rllib_nethack.agents.record import run_record, seed_dir, ttyrec_name
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.datasets import Demonstrations, GameFilter, add_directory, open_db
from rllib_nethack.envs.factory import make_env
from rllib_nethack.envs.wrappers.screen_image import TTY_KEYS
from rllib_nethack.errors import ConfigError


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Explorer games 0-2 (one dies, two are cut at max_steps), indexed as 'demo'."""
    root = tmp_path_factory.mktemp("nld")
    run_record(BenchConfig("explorer", (0, 2), 120, 1, str(root / "rec")))
    add_directory(open_db(root / "ttyrecs.db"), root / "rec", "demo")
    return root


def test_batches_have_the_envs_observation_layout(recorded: Path) -> None:
    demos = Demonstrations(recorded / "ttyrecs.db", "demo", batch_size=2, seq_length=50)
    env = make_env("nethack_seeded", observation_keys=list(TTY_KEYS))
    try:
        space = env.observation_space
    finally:
        env.close()
    batches = list(demos)
    for key in TTY_KEYS:
        array = getattr(batches[0], key)
        assert array.shape[:2] == (2, 50)
        assert (array.dtype, array.shape[2:]) == (space[key].dtype, space[key].shape)
    frames = sum(b.frames() for b in batches)
    assert frames == sum(b.valid.sum() for b in batches) and frames > 300
    resets = sum(int(b.reset.sum()) for b in batches)
    assert resets == len(demos.gameids) == 3
    assert batches[0].tty_chars is not batches[1].tty_chars  # copies, not nle.dataset's buffers


def test_filters_select_games_by_their_xlogfile_fields(recorded: Path) -> None:
    db = recorded / "ttyrecs.db"
    every = Demonstrations(db, "demo")
    roles = {every.meta(g)["role"] for g in every.gameids}
    role = sorted(roles)[0]
    by_role = Demonstrations(db, "demo", games=GameFilter(role=role.lower()))
    assert {by_role.meta(g)["role"] for g in by_role.gameids} == {role}
    died = Demonstrations(db, "demo", games=GameFilter(death="killed by"))
    assert [died.meta(g)["death"] for g in died.gameids] == ["killed by a newt"]
    best = max(every.meta(g)["points"] for g in every.gameids)
    top = Demonstrations(db, "demo", games=GameFilter(min_score=best))
    assert all(top.meta(g)["points"] == best for g in top.gameids)
    assert GameFilter().sql() == (None, ())
    with pytest.raises(ConfigError, match="no game of dataset 'demo' passes"):
        Demonstrations(db, "demo", games=GameFilter(min_score=10**9))


def test_bad_input_is_one_line(recorded: Path, tmp_path: Path) -> None:
    db = open_db(tmp_path / "new.db")
    with pytest.raises(ConfigError, match="does not exist"):
        add_directory(db, tmp_path / "missing", "x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="holds no NLE savedirs"):
        add_directory(db, tmp_path / "empty", "x")
    with pytest.raises(ConfigError, match="already in"):
        add_directory(recorded / "ttyrecs.db", recorded / "rec", "demo")
    with pytest.raises(ConfigError, match="no dataset index"):
        Demonstrations(tmp_path / "none.db", "demo")
    with pytest.raises(ConfigError, match="did you mean 'demo'"):
        Demonstrations(recorded / "ttyrecs.db", "dem")


def test_ttyrecs_without_keypresses_are_refused(recorded: Path, tmp_path: Path) -> None:
    """Version-1 ttyrecs (alt.org's, NLD-NAO) hold screens but no keys: no actions to learn."""
    savedir = tmp_path / "v1" / "savedir"
    savedir.mkdir(parents=True)
    source = seed_dir(recorded / "rec", 0)
    shutil.copy(source / "nle.0.xlogfile", savedir / "nle.0.xlogfile")
    (savedir / "nle.0.0.ttyrec.bz2").write_bytes(bz2.compress(b""))
    with pytest.raises(ConfigError, match="version-1 ttyrecs, which hold no keypresses"):
        add_directory(open_db(tmp_path / "v1.db"), tmp_path / "v1", "v1")
    assert (source / ttyrec_name(0)).exists()


def test_screens_only_reading_maps_no_keys(recorded: Path) -> None:
    demos = Demonstrations(recorded / "ttyrecs.db", "demo", seq_length=64, with_actions=False)
    batch = next(iter(demos))
    assert demos.keymap is None and demos.report() == ""
    assert (batch.action == -1).all() and batch.valid.all() and batch.tty_chars.any()


def test_unmapped_keys_are_counted_for_a_smaller_action_set(recorded: Path) -> None:
    demos = Demonstrations(recorded / "ttyrecs.db", "demo", task="score", seq_length=4096)
    batch = next(iter(demos))
    unmapped = int((batch.valid & (batch.action == -1)).sum())
    assert demos.keymap is not None and unmapped == sum(demos.keymap.unmapped.values())
    if unmapped:
        assert demos.report().startswith(f"{unmapped} keypresses outside the task's 23 actions")
    assert np.all(batch.action[batch.valid] < 23)
