"""Signals a training run gets in real life: SIGTERM from schedulers, Ctrl-C with
the output piped into a reader that is gone, SIGKILL followed by a resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from commands import IN_PROCESS, SMOKE, run_program

from rllib_nethack.runs.checkpoints import checkpoint_problem, checkpoints_in
from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.signals import (
    SIGNAL_STOPS,
    TerminationRequested,
    keep_sigterm_handler,
)

ENDLESS = ("stop.iterations=100000",)


def no_partials(run_dir: Path) -> None:
    leftovers = [p.name for p in (run_dir / "checkpoints").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def wait_for_rows(csv: Path, rows: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if csv.is_file() and len(read_progress(csv)) >= rows:
            return
        time.sleep(0.2)
    raise AssertionError(f"{csv} never had {rows} rows")


def test_the_exit_statuses_are_the_shells() -> None:
    assert SIGNAL_STOPS == {"SIGTERM": 143, "interrupted": 130}


def test_a_save_that_hangs_after_sigterm_ends_with_143_after_the_grace_period() -> None:
    done = run_program("hung_save", timeout=25)
    assert done.returncode == 143
    assert done.stdout == "saving\n"
    assert "grace period" in done.stderr and "Traceback" not in done.stderr


def test_a_sigterm_while_ray_starts_is_a_termination_request() -> None:
    """`ray.init` installs a SIGTERM handler that calls `sys.exit(15)`; one that
    fires before it is undone still ends the run with status 143."""
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(TerminationRequested), keep_sigterm_handler():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))  # as Ray does
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # the handler runs here
    assert signal.getsignal(signal.SIGTERM) is before
    with pytest.raises(SystemExit), keep_sigterm_handler():  # any other exit stays one
        sys.exit(3)


def test_sigterm_inside_an_iteration_waits_for_its_end_or_escalates() -> None:
    """Inside `sigterm_deferred` (around `algo.train()`) SIGTERM lets the block
    finish; a block still running after `escalate_s` is interrupted, as SIGTERM."""
    done = run_program("sigterm_deferred", timeout=60)
    # Without the escalation the 30 s sleep would run into the 20 s grace period (exit 143).
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:2] == ["finished True", "interrupted SIGTERM"]


def test_ctrl_c_inside_an_iteration_waits_for_its_end_and_twice_does_not() -> None:
    done = run_program("ctrl_c_deferred", timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["finished True", "interrupted interrupted", "at once"]
    assert done.stderr.count("Ctrl-C: stopping after this iteration") == 2


@pytest.mark.slow
def test_sigterm_inside_ray_get_is_still_named_sigterm() -> None:
    """Ray turns whatever the handler raises inside ``ray.get`` into a plain
    ``KeyboardInterrupt``; the run must still report SIGTERM (exit 143), not Ctrl-C."""
    done = run_program("sigterm_in_ray_get", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    caught, name = done.stdout.split()
    assert caught in ("KeyboardInterrupt", "TerminationRequested") and name == "SIGTERM"


@pytest.mark.slow
def test_sigterm_saves_a_final_checkpoint_and_exits_143(
    spawn: Callable[..., Any], tmp_path: Path
) -> None:
    run = spawn(*SMOKE, *ENDLESS, "experiment.checkpoint_every=0", "experiment.run_dir=run")
    run.wait_for(r"^iter +3 ")
    run.send(signal.SIGTERM)
    assert run.finish(timeout=120) == 143, run.out + run.err
    assert "SIGTERM: saving a checkpoint" in run.out, run.out + run.err
    assert "stopped by SIGTERM" in run.out, run.out + run.err
    assert "Traceback" not in run.err
    (final,) = checkpoints_in(tmp_path / "run")  # periodic checkpoints are off
    rows = len(read_progress(tmp_path / "run" / "progress.csv"))
    # The iteration under way when SIGTERM came is saved (its row, if the signal
    # landed between the iteration and its bookkeeping, is the one missing).
    assert final.name in (f"iter_{rows:06d}", f"iter_{rows + 1:06d}") and rows >= 3
    assert checkpoint_problem(final) is None
    no_partials(tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "status", "name"), [("SIGTERM", 143, "SIGTERM"), ("SIGINT", 130, "interrupted")]
)
def test_a_signal_in_the_iterations_bookkeeping_waits_for_it(
    tmp_path: Path, sig: str, status: int, name: str
) -> None:
    """A SIGTERM or Ctrl-C that lands after `algo.train()` returns, while
    TensorBoard's writer (a thread, a queue, locks) is being fed, does not cut the
    write short: an exception there could leave the writer's close, or the save,
    waiting forever."""
    args = (*SMOKE, *ENDLESS, "experiment.checkpoint_every=0", "experiment.run_dir=run")
    done = run_program("signal_in_bookkeeping", sig, *args, cwd=tmp_path, timeout=300)
    assert done.returncode == status, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines.count("tensorboard written") == 1, done.stdout
    assert lines[-1] == f"stopped by {name} after 1 iterations", done.stdout
    (final,) = checkpoints_in(tmp_path / "run")
    assert final.name == "iter_000001" and checkpoint_problem(final) is None


@pytest.mark.slow
def test_sigterm_during_start_up_exits_143_without_a_traceback(
    spawn: Callable[..., Any],
) -> None:
    run = spawn(*SMOKE, *ENDLESS, "experiment.run_dir=run")
    run.wait_for(r"^task ")  # printed just before Ray starts
    run.send(signal.SIGTERM)
    assert run.finish(timeout=120) == 143
    assert "nothing saved" in run.err
    assert "Traceback" not in run.err


@pytest.mark.slow
def test_ctrl_c_after_the_reader_of_the_output_left_still_saves(
    spawn: Callable[..., Any], tmp_path: Path
) -> None:
    """`run ... | head -3` then Ctrl-C: printing into the closed pipe must not stop the save."""
    run = spawn(
        *SMOKE,
        *ENDLESS,
        "experiment.checkpoint_every=0",
        "experiment.run_dir=run",
        close_stdout_after=r"^iter +1 ",
    )
    run.wait_for(r"^iter +1 ")
    # Two more iterations printed into the closed pipe.
    wait_for_rows(tmp_path / "run" / "progress.csv", 3)
    run.send(signal.SIGINT, group=True)  # as a terminal does
    assert run.finish(timeout=120) == 130, run.err
    assert "BrokenPipeError" not in run.err, run.err
    assert "Traceback" not in run.err, run.err
    (final,) = checkpoints_in(tmp_path / "run")
    assert checkpoint_problem(final) is None
    rows = len(read_progress(tmp_path / "run" / "progress.csv"))
    assert final.name in (f"iter_{rows:06d}", f"iter_{rows + 1:06d}") and rows >= 3


@pytest.mark.slow(seconds=80)
def test_sigkill_then_resume_keeps_the_step_counter(
    spawn: Callable[..., Any], cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    run = spawn(
        *SMOKE, *IN_PROCESS, *ENDLESS, "experiment.checkpoint_every=1", "experiment.run_dir=first"
    )
    run.wait_for(r"^iter +4 ")
    run.send(signal.SIGKILL, group=True)
    assert run.finish(timeout=60) == -signal.SIGKILL

    newest = checkpoints_in(tmp_path / "first")[-1]
    done_iterations = int(newest.name.split("_")[1])
    steps_then = read_progress(tmp_path / "first" / "progress.csv")[done_iterations - 1]
    resumed = cli(
        *SMOKE,
        *IN_PROCESS,
        "stop.iterations=1",
        "resume=first",
        "experiment.run_dir=second",
        cwd=tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"(iteration {done_iterations})" in resumed.stdout
    (row,) = read_progress(tmp_path / "second" / "progress.csv")
    assert row["iteration"] == done_iterations + 1
    assert row["env_steps"] > steps_then["env_steps"]
    # The killed run's half-written checkpoint, if any, was never taken for a whole one.
    assert checkpoint_problem(newest) is None
