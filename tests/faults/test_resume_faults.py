"""Resuming from damaged checkpoints, and with another task or model than the
checkpoint's: one line before Ray starts, or a fall-back that says so.

One real smoke run (two checkpoints) is trained per module; each test damages
a copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from commands import IN_PROCESS, SMOKE, run_cli

from rllib_nethack.training.reporting import read_progress

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with checkpoints iter_000001 and iter_000002."""
    root = tmp_path_factory.mktemp("trained")
    done = run_cli(*SMOKE, *IN_PROCESS, "stop.iterations=2", "experiment.run_dir=run", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "run"


@pytest.fixture
def run_copy(trained: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "old"
    shutil.copytree(trained, copy)
    return copy


def truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def garble(file: Path) -> None:
    data = bytearray(file.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8] = b"\xff\x00garble"
    file.write_bytes(bytes(data))


DAMAGE = {
    "truncated learner state": ("learner_group/learner/state.pkl", truncate),
    "garbled algorithm state": ("algorithm_state.pkl", garble),
    "garbled run config": ("run_config.yaml", lambda f: f.write_bytes(b"\xff\xfe: [oops\n")),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_checkpoint_is_one_line_before_ray_starts(
    run_copy: Path, tmp_path: Path, error_line: Callable[[str], str], damage: str
) -> None:
    name, how = DAMAGE[damage]
    checkpoint = run_copy / "checkpoints" / "iter_000002"
    how(checkpoint / name)
    done = run_cli(
        *SMOKE, *IN_PROCESS, f"resume={checkpoint}", "experiment.run_dir=new", cwd=tmp_path
    )
    assert done.returncode == 2
    line = error_line(done.stderr)
    assert "corrupt" in line and Path(name).name in line
    assert "run dir" not in done.stdout  # stopped before the run (and Ray) started
    assert not (tmp_path / "new").exists()


def test_resuming_a_run_whose_newest_checkpoint_is_damaged_uses_the_one_before(
    run_copy: Path, tmp_path: Path
) -> None:
    truncate(run_copy / "checkpoints" / "iter_000002" / "learner_group" / "learner" / "state.pkl")
    done = run_cli(
        *SMOKE,
        *IN_PROCESS,
        "stop.iterations=1",
        f"resume={run_copy}",
        "experiment.run_dir=new",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping corrupt checkpoint iter_000002" in done.stdout
    assert "using iter_000001" in done.stdout
    assert "(iteration 1)" in done.stdout
    (row,) = read_progress(tmp_path / "new" / "progress.csv")
    assert row["iteration"] == 2


@pytest.mark.parametrize(
    ("override", "named"),
    [("+task=staircase", "task=MiniHack-Room-5x5-v0"), ("model=baseline", "model=minihack")],
)
def test_resuming_with_another_task_or_model_is_refused(
    trained: Path, tmp_path: Path, error_line: Callable[[str], str], override: str, named: str
) -> None:
    args = [a for a in SMOKE if not (override.startswith("+task") and a.startswith("+task"))]
    args += IN_PROCESS
    done = run_cli(*args, override, f"resume={trained}", "experiment.run_dir=new", cwd=tmp_path)
    assert done.returncode == 2
    assert named in error_line(done.stderr)
    assert not (tmp_path / "new").exists()


def test_resume_alone_goes_on_with_the_checkpoints_task_algo_and_model(
    trained: Path, tmp_path: Path
) -> None:
    args = [a for a in SMOKE if not a.startswith("+task")] + list(IN_PROCESS)
    done = run_cli(
        *args, "stop.iterations=1", f"resume={trained}", "experiment.run_dir=new", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "(iteration 2)" in done.stdout
    assert "MiniHack-Room-5x5-v0" in done.stdout
    (row,) = read_progress(tmp_path / "new" / "progress.csv")
    assert row["iteration"] == 3
