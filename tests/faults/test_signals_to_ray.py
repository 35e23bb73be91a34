"""SIGTERM the way clusters send it: to Ray's processes as well as the run's.

``timeout`` and Slurm's time limit signal the whole process group, so the
embedded Ray's GCS and raylet die with the driver's SIGTERM and its env runners
follow. The final checkpoint must still be whole, and a resume must carry the
step counter on (see :mod:`rllib_nethack.training.final_save`).
"""

from __future__ import annotations

import pickle
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from commands import SMOKE, run_program
from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

from rllib_nethack.metrics import result_keys
from rllib_nethack.runs.checkpoints import checkpoint_iteration, checkpoint_problem, checkpoints_in
from rllib_nethack.training.reporting import read_progress

pytestmark = pytest.mark.slow

ENDLESS = ("stop.iterations=100000", "experiment.checkpoint_every=0", "experiment.run_dir=run")


def saved_steps(checkpoint: Path) -> int:
    """The env-step counter a checkpoint holds (read with RLlib's own metrics
    class; no Ray started)."""
    with (checkpoint / "algorithm_state.pkl").open("rb") as f:
        state = pickle.load(f)
    metrics = MetricsLogger()
    metrics.set_state(state["metrics_logger"])
    return int(metrics.peek(result_keys.ENV_RUNNER_STEPS_SAMPLED, default=0))


def whole_final_checkpoint(tmp_path: Path) -> tuple[Path, int]:
    """The run's one final checkpoint, whole, holding at least the step count
    of its iteration's progress row; the checkpoint and that count."""
    (final,) = checkpoints_in(tmp_path / "run")  # periodic checkpoints are off
    assert checkpoint_problem(final) is None
    iteration = checkpoint_iteration(final)
    assert iteration is not None and iteration >= 1
    steps_then = read_progress(tmp_path / "run" / "progress.csv")[iteration - 1]["env_steps"]
    assert saved_steps(final) >= steps_then > 0
    return final, steps_then


def resumes_on(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> tuple[Path, str]:
    """The run's final checkpoint is whole, and a resume from it goes on from its
    iteration and step counter; the checkpoint and the resume's output."""
    final, steps_then = whole_final_checkpoint(tmp_path)
    iteration = checkpoint_iteration(final)
    resumed = cli(
        *SMOKE, "stop.iterations=1", "resume=run", "experiment.run_dir=again", cwd=tmp_path
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"(iteration {iteration})" in resumed.stdout
    (row,) = read_progress(tmp_path / "again" / "progress.csv")
    assert row["iteration"] == iteration + 1
    assert row["env_steps"] > steps_then
    return final, resumed.stdout


@pytest.mark.slow(seconds=100)
def test_timeout_signalling_the_group_leaves_a_checkpoint_to_resume(
    spawn: Callable[..., Any],
    cli: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    """`timeout -s TERM` around the run. Its time limit is not waited for (that
    would be a timed test): a SIGTERM to `timeout` itself takes the same way out,
    the signal sent to the command and then to its whole process group, as
    Slurm's `kill -TERM -- -PGID` sends it. The run's and Ray's ends race (Ray's
    processes may be gone mid-iteration or not): the side where they are gone
    is forced by the next test."""
    run = spawn(*SMOKE, *ENDLESS, prefix=("timeout", "-s", "TERM", "3600"))
    run.wait_for(r"^iter +2 ")
    run.send(signal.SIGTERM)  # to `timeout`, which signals the group
    assert run.finish(timeout=120) == 143, run.out + run.err
    assert "stopped by SIGTERM" in run.out, run.out + run.err
    assert "Traceback" not in run.err, run.err[-3000:]
    resumes_on(cli, tmp_path)


@pytest.mark.slow(seconds=100)
def test_an_iteration_that_fails_as_ray_dies_is_saved_by_the_driver(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """The race's losing side, made certain: the third iteration starts with Ray's
    processes killed and a SIGTERM pending, so it fails (RLlib finds no healthy
    env runner). The driver saves its own learner state, and says so."""
    done = run_program("ray_dies_mid_iteration", *SMOKE, *ENDLESS, cwd=tmp_path, timeout=300)
    assert done.returncode == 143, done.stdout + done.stderr[-3000:]
    (said,) = [line for line in done.stdout.splitlines() if "driver's own state" in line]
    assert said.startswith("SIGTERM: Ray's processes stopped too (")
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    final, _ = resumes_on(cli, tmp_path)
    assert final.name == "iter_000002"
    assert not (final / "env_runner").exists()  # rebuilt on resume, not saved
