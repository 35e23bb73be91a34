"""Runs stored at a URI: the staging mirror, upload after checkpoints, resume from the URI.

Quick tests use fsspec's ``memory://`` and pyarrow's ``file://`` (both real file
systems, no mocks); the slow test trains through the CLI into a ``file://`` root
and resumes from it.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from commands import run_cli

from rllib_nethack import ConfigError
from rllib_nethack.runs.checkpoints import checkpoints_in, is_checkpoint, resolve_checkpoint
from rllib_nethack.runs.storage import (
    STAGING_ENV,
    fetch,
    filesystem,
    is_uri,
    local_path,
    remote_of,
    sync_up,
)


@pytest.fixture(autouse=True)
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "staging"
    monkeypatch.setenv(STAGING_ENV, str(root))
    return root


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        import fsspec

        uri = f"memory://store-{os.getpid()}-{tmp_path.name}"
        yield uri
        memory = fsspec.filesystem("memory")
        if memory.exists(uri):
            memory.rm(uri, recursive=True)
    else:
        yield (tmp_path / "store").as_uri()


def _remote_listing(uri: str) -> set[str]:
    import pyarrow.fs as pafs

    fs, root = filesystem(uri)
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    return {i.path[len(root) + 1 :] for i in infos if i.type == pafs.FileType.File}


def _pickle_of_size(size: int) -> bytes:
    """A whole pickle of ``size`` bytes (random bytes plus pickle's 15-byte frame)."""
    data = pickle.dumps(os.urandom(size - 15), protocol=4)
    assert len(data) == size
    return data


def _fake_checkpoint(run_dir: Path, iteration: int) -> Path:
    ckpt = run_dir / "checkpoints" / f"iter_{iteration:06d}"
    (ckpt / "learner").mkdir(parents=True)
    # A whole pickle of 64 bytes (checkpoints are checked before resuming).
    (ckpt / "learner" / "state.pkl").write_bytes(_pickle_of_size(64))
    (ckpt / "rllib_checkpoint.json").write_text("{}")
    return ckpt


@pytest.mark.parametrize(
    "uri", ["s3://bucket/runs/a", "gs://b/x", "file:///mnt/runs/a", "memory://runs/b"]
)
def test_mirror_path_maps_back_to_its_uri(uri: str, staging: Path) -> None:
    assert is_uri(uri)
    mirror = local_path(uri)
    assert Path(mirror).is_relative_to(staging)
    assert remote_of(mirror) == uri


@pytest.mark.parametrize("path", ["runs", "/mnt/shared/runs", "./runs/x", "C:/runs"])
def test_local_paths_and_mounted_volumes_stay_as_they_are(path: str) -> None:
    assert not is_uri(path)
    assert local_path(path) == path
    assert remote_of(Path(path).resolve()) is None


def test_sync_uploads_run_and_mirrors_pruning(store: str) -> None:
    run_dir = Path(local_path(f"{store}/exp/run1"))
    run_dir.mkdir(parents=True)
    (run_dir / "progress.csv").write_text("iteration\n1\n")
    _fake_checkpoint(run_dir, 1)
    assert sync_up(run_dir) == f"{store}/exp/run1"
    assert _remote_listing(f"{store}/exp/run1") == {
        "progress.csv",
        "checkpoints/iter_000001/learner/state.pkl",
        "checkpoints/iter_000001/rllib_checkpoint.json",
    }
    # A later checkpoint replaces the pruned one; progress grew and goes up again.
    _fake_checkpoint(run_dir, 2)
    (run_dir / "progress.csv").write_text("iteration\n1\n2\n")
    import shutil

    shutil.rmtree(run_dir / "checkpoints" / "iter_000001")
    sync_up(run_dir)
    listing = _remote_listing(f"{store}/exp/run1")
    assert not any("iter_000001" in rel for rel in listing)
    assert "checkpoints/iter_000002/rllib_checkpoint.json" in listing
    fs, root = filesystem(f"{store}/exp/run1/progress.csv")
    with fs.open_input_stream(root) as f:
        assert f.read() == b"iteration\n1\n2\n"


def test_fetch_takes_the_newest_complete_checkpoint(store: str, tmp_path: Path) -> None:
    run_dir = Path(local_path(f"{store}/exp/run1"))
    run_dir.mkdir(parents=True)
    _fake_checkpoint(run_dir, 3)
    _fake_checkpoint(run_dir, 4)
    sync_up(run_dir)
    # An upload cut short: the marker (sent last) is missing from iter 5.
    fs, root = filesystem(f"{store}/exp/run1")
    fs.create_dir(f"{root}/checkpoints/iter_000005")
    with fs.open_output_stream(f"{root}/checkpoints/iter_000005/partial.bin") as f:
        f.write(b"x")
    import shutil

    shutil.rmtree(run_dir)  # a new pod: nothing local
    found = resolve_checkpoint(fetch(f"{store}/exp/run1"))
    assert found.name == "iter_000004" and is_checkpoint(found)
    assert (found / "learner" / "state.pkl").stat().st_size == 64
    # A checkpoint's own URI works too.
    direct = resolve_checkpoint(fetch(f"{store}/exp/run1/checkpoints/iter_000003"))
    assert direct.name == "iter_000003"


def test_fetch_of_an_empty_location_is_one_clear_error(store: str) -> None:
    with pytest.raises(ConfigError, match=r"resume: .* neither a checkpoint"):
        fetch(f"{store}/nothing/here")


def test_unknown_scheme_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="cannot open nosuchfs://x"):
        filesystem("nosuchfs://x/y")


@pytest.mark.slow(seconds=85)
def test_cli_run_lands_at_a_uri_and_resumes_from_it(tmp_path: Path, staging: Path) -> None:
    store = (tmp_path / "store").as_uri()
    env = {STAGING_ENV: str(staging)}
    common = ["+task=room5x5", "debug=smoke", "cluster.num_cpus=2", f"experiment.root_dir={store}"]

    def run(*overrides: str) -> str:
        proc = run_cli(*common, *overrides, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    first = run("experiment.name=first")
    (run_dir,) = (tmp_path / "store" / "first").iterdir()
    assert f"uploaded {run_dir.as_uri()}" in first
    assert (run_dir / "progress.csv").read_text().count("\n") == 3
    assert (run_dir / "learning_curve.png").stat().st_size > 0
    assert any((run_dir / "tensorboard").iterdir())
    assert [c.name for c in checkpoints_in(run_dir)] == ["iter_000001", "iter_000002"]
    assert not (tmp_path / "runs").exists() and not (tmp_path / "file:").exists()

    second = run("experiment.name=second", f"resume={run_dir.as_uri()}")
    assert "resumed" in second and "(iteration 2)" in second
    (resumed,) = (tmp_path / "store" / "second").iterdir()
    assert checkpoints_in(resumed)[-1].name == "iter_000004"
