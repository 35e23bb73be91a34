"""`python -m rllib_nethack.run` as users run it: a subprocess, from another directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from commands import run_cli
from omegaconf import OmegaConf


def test_no_task_prints_the_task_list_and_fails(tmp_path: Path) -> None:
    done = run_cli(cwd=tmp_path)
    assert done.returncode == 2
    assert "no task given" in done.stderr
    for name in ("challenge", "nethack_seeded", "MiniHack-Room-5x5-v0"):
        assert name in done.stderr


def test_unknown_task_is_one_line_with_suggestions(tmp_path: Path) -> None:
    done = run_cli("+task=chalenge", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "unknown task 'chalenge'" in done.stderr and "challenge" in done.stderr
    assert "Traceback" not in done.stderr


def test_task_names_are_forgiving(tmp_path: Path) -> None:
    done = run_cli("task=ROOM5X5", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "name: MiniHack-Room-5x5-v0" in done.stdout


def test_hydra_run_dir_sets_the_run_directory(tmp_path: Path) -> None:
    done = run_cli(
        "+task=room5x5", f"hydra.run.dir={tmp_path / 'mine'}", "--cfg", "job", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert f"run_dir: {tmp_path / 'mine'}" in done.stdout


def test_hydra_setting_that_does_nothing_is_one_line(tmp_path: Path) -> None:
    done = run_cli("+task=room5x5", "hydra.job.chdir=true", cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: hydra.job.chdir=true does nothing")
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_bad_override_names_the_key(tmp_path: Path) -> None:
    done = run_cli("+task=challenge", "algo.lrr=1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "algo.lrr" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_option_value_is_one_clear_error(tmp_path: Path) -> None:
    done = run_cli("+task=challenge", "task.options.character=wizard", cwd=tmp_path)
    assert done.returncode == 2
    assert "option 'character'" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    done = run_cli("+task=room5x5", f"resume={tmp_path / 'nope'}", cwd=tmp_path)
    assert done.returncode == 2
    assert "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_smoke_run_writes_checkpoint_tensorboard_and_curve(tmp_path: Path) -> None:
    done = run_cli("+task=room5x5", "debug=smoke", "experiment.root_dir=runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("iter ") >= 2
    (task_line,) = [line for line in done.stdout.splitlines() if line.startswith("task ")]
    assert task_line.endswith("algo appo  explore count"), task_line  # MiniHack's default bonus
    (run_dir,) = (tmp_path / "runs" / "MiniHack-Room-5x5-v0-minihack-appo").iterdir()
    assert (run_dir / "checkpoints" / "iter_000002" / "rllib_checkpoint.json").is_file()
    assert (run_dir / "checkpoints" / "iter_000002" / "run_config.yaml").is_file()
    assert any((run_dir / "tensorboard").iterdir())
    assert (run_dir / "learning_curve.png").stat().st_size > 1000
    rows = [line for line in done.stdout.splitlines() if line.startswith("iter ")]
    assert all("success" in row and "mean of last" in row for row in rows), rows
    assert "score" not in rows[-1]  # NetHack's columns mean nothing on MiniHack
    header = (run_dir / "progress.csv").read_text().splitlines()[0].split(",")
    assert {"success_rate", "episode_len_mean", "return_std", "window"} <= set(header)
    saved = OmegaConf.load(run_dir / "run_config.yaml")
    assert saved.explore.name == "count" and "coeff" in saved.explore  # what it trained with
    # Hydra writes nothing of its own: the run config is the record of the run.
    assert not (run_dir / ".hydra").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
    assert "stopped by iterations" in done.stdout


def test_bad_typed_value_exits_2_with_one_line_before_ray(tmp_path: Path) -> None:
    done = run_cli("+task=room5x5", "stop.iterations=abc", cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "stop.iterations" in lines[0]
    assert not (tmp_path / "runs").exists()  # refused before Hydra made a run directory
