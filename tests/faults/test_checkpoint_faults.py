"""Checkpoint writes that fail for real (a file in the way, a dangling link, a
file-size limit standing in for a full disk) and checkpoints damaged on disk.

The quick tests save a stand-in algorithm (it writes files the way RLlib's
``save_to_path`` does) so that the file handling is tested in milliseconds; the
slow one trains for real and fails at every checkpoint.
"""

from __future__ import annotations

import os
import pickle
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from rllib_nethack import ConfigError
from rllib_nethack.runs.checkpoints import (
    MANIFEST,
    RUN_CONFIG,
    CheckpointWriteError,
    checkpoint_problem,
    checkpoints_in,
    resolve_checkpoint,
    save_checkpoint,
)

STATE = "learner_group/learner/state.pkl"
CONFIG = OmegaConf.create({"algo": {"name": "appo"}, "task": {"name": "x"}})


class StandInAlgorithm:
    """What ``save_checkpoint`` needs of an RLlib Algorithm: an iteration and
    ``save_to_path`` writing RLlib's marker and pickled state files."""

    def __init__(self, iteration: int, state_bytes: int = 1 << 20) -> None:
        self.iteration = iteration
        self.state_bytes = state_bytes

    def save_to_path(self, path: str) -> None:
        root = Path(path)
        (root / "learner_group" / "learner").mkdir(parents=True)
        (root / "rllib_checkpoint.json").write_text('{"checkpoint_version": "2.1"}')
        with (root / "algorithm_state.pkl").open("wb") as f:
            pickle.dump({"iteration": self.iteration}, f)
        with (root / STATE).open("wb") as f:
            pickle.dump(os.urandom(self.state_bytes), f)


def save(run_dir: Path, iteration: int, keep: int = 0) -> Path:
    return save_checkpoint(StandInAlgorithm(iteration), run_dir, CONFIG, keep)


def leftovers(run_dir: Path) -> list[str]:
    root = run_dir / "checkpoints"
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".")) if root.is_dir() else []


def test_a_saved_checkpoint_is_whole_and_has_a_manifest(tmp_path: Path) -> None:
    checkpoint = save(tmp_path, 1)
    assert checkpoint.name == "iter_000001"
    assert (checkpoint / MANIFEST).is_file() and (checkpoint / RUN_CONFIG).is_file()
    assert checkpoint_problem(checkpoint) is None


def test_a_full_disk_keeps_the_last_good_checkpoint_and_the_next_save_works(
    tmp_path: Path, file_size_limit: Callable[[int, Callable[[], object]], str | None]
) -> None:
    good = save(tmp_path, 1)
    message = file_size_limit(64 * 1024, lambda: save(tmp_path, 2))
    assert message is not None, "a checkpoint past the size limit was written"
    assert "iter_000002 not written" in message and "File too large" in message
    assert "\n" not in message
    assert leftovers(tmp_path) == []  # the partial is gone: no leaking space
    assert checkpoints_in(tmp_path) == [good] and checkpoint_problem(good) is None

    again = save(tmp_path, 3)
    assert checkpoints_in(tmp_path) == [good, again] and checkpoint_problem(again) is None


def test_a_file_where_the_checkpoint_directory_goes(tmp_path: Path) -> None:
    (tmp_path / "checkpoints").write_text("not a directory")
    with pytest.raises(CheckpointWriteError, match="iter_000001 not written"):
        save(tmp_path, 1)
    assert (tmp_path / "checkpoints").read_text() == "not a directory"


def test_a_dangling_link_fails_until_its_target_exists(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "checkpoints"
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoints").symlink_to(target)
    with pytest.raises(CheckpointWriteError, match="not written"):
        save(tmp_path / "run", 1)
    assert not (tmp_path / "elsewhere").exists()
    target.mkdir(parents=True)
    assert checkpoint_problem(save(tmp_path / "run", 2)) is None


def test_a_partial_left_by_a_killed_process_is_removed_by_the_next_save(tmp_path: Path) -> None:
    save(tmp_path, 1)
    killed = tmp_path / "checkpoints" / ".iter_000002.partial"
    StandInAlgorithm(2).save_to_path(str(killed))  # SIGKILL came before the rename
    save(tmp_path, 3)
    assert leftovers(tmp_path) == []
    assert [p.name for p in checkpoints_in(tmp_path)] == ["iter_000001", "iter_000003"]


def truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def garble(file: Path) -> None:
    data = bytearray(file.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\x00garbled-bytes\xff"
    file.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [truncate, garble])
@pytest.mark.parametrize("with_manifest", [True, False])
def test_damaged_state_files_are_found_without_unpickling(
    tmp_path: Path, damage: Callable[[Path], None], with_manifest: bool
) -> None:
    checkpoint = save(tmp_path, 1)
    if not with_manifest:  # a checkpoint RLlib wrote itself, or an older one of ours
        (checkpoint / MANIFEST).unlink()
        if damage is garble:  # random bytes inside a pickled bytes object still parse
            (checkpoint / "algorithm_state.pkl").write_bytes(b"\x80\x05garbage")
    damage(checkpoint / STATE)
    problem = checkpoint_problem(checkpoint)
    assert problem is not None
    assert ("algorithm_state.pkl" if not with_manifest and damage is garble else STATE) in problem


def test_a_garbled_run_config_is_one_line(tmp_path: Path) -> None:
    checkpoint = save(tmp_path, 1)
    (checkpoint / RUN_CONFIG).write_bytes(b"\xff\xfe: [unclosed\n")
    problem = checkpoint_problem(checkpoint)
    assert problem is not None and RUN_CONFIG in problem and "\n" not in problem
    with pytest.raises(ConfigError, match="is corrupt"):
        resolve_checkpoint(checkpoint)


def test_resume_from_a_run_falls_back_to_the_newest_whole_checkpoint(tmp_path: Path) -> None:
    first, second, third = save(tmp_path, 1), save(tmp_path, 2), save(tmp_path, 3)
    truncate(third / STATE)
    garble(second / STATE)
    notes: list[str] = []
    assert resolve_checkpoint(tmp_path, notes.append) == first
    assert len(notes) == 2
    assert "iter_000003" in notes[0] and "using iter_000001" in notes[0]
    assert "iter_000002" in notes[1]
    # Pointed at the corrupt checkpoint itself: refused, in one line.
    with pytest.raises(ConfigError, match="iter_000003 is corrupt"):
        resolve_checkpoint(third)
    truncate(first / STATE)
    with pytest.raises(ConfigError, match="none of the 3 checkpoints"):
        resolve_checkpoint(tmp_path)


@pytest.mark.slow
def test_training_goes_on_when_checkpoints_fail_and_only_the_final_one_fails_the_run(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    error_line: Callable[[str], str],
    tmp_path: Path,
) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoints").symlink_to(tmp_path / "nowhere" / "checkpoints")
    done = cli(
        "+task=room5x5",
        "debug=smoke",
        "cluster.num_cpus=2",
        "stop.iterations=3",
        "experiment.checkpoint_every=1",
        "experiment.run_dir=run",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    failures = [i for i, line in enumerate(lines) if "not written" in line]
    # Each periodic checkpoint failed in one line, and training went on after it ...
    assert len(failures) == 3
    assert all("trying again at the next checkpoint" in lines[i] for i in failures)
    assert lines[failures[0] + 1].startswith("iter    2 ")
    assert lines[failures[1] + 1].startswith("iter    3 ")
    # ... and the final checkpoint, tried once more at the end, failed too: that stops the run.
    assert "final checkpoint" in error_line(done.stderr) and "iter_000003" in done.stderr
    assert not (tmp_path / "nowhere").exists()
