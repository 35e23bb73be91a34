"""The demonstration benchmarks hand their ``key=value`` settings to a resumed run too.

Rerunning a benchmark line after a stop resumes its run; the settings typed on that
line (a lower learning rate to finish with, the machine's torch threads) must reach
it, not only the run that started the folder. Each test leaves a stopped run behind
(a ``checkpoints`` folder and a ``progress.csv`` short of the budget), reruns the
real script, and reads the ``run`` command it printed; the resume itself then fails
fast (the folder holds no checkpoint), before Ray starts.
"""

from __future__ import annotations

from pathlib import Path

from commands import ROOT, run_python

BENCHMARKS = ROOT / "benchmarks"


def resumed_command(script: str, run_dir: Path, *args: str) -> list[str]:
    """Leave ``run_dir`` as a stop leaves it (short of any budget), rerun ``script``
    with ``args``, and return the ``run`` command it printed, split into words."""
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "progress.csv").write_text("iteration,env_steps\n1,10\n")
    done = run_python(BENCHMARKS / script, *args, cwd=run_dir.parent, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("$ rllib_nethack.run ")]
    assert len(lines) == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode != 0  # the resume found no checkpoint and stopped there
    # ... and the benchmark says so in one line of its own, not a traceback.
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stderr.rstrip().splitlines()[-1].startswith("stopped: rllib_nethack.run exited")
    return lines[0].split()


def test_clone_explorer_gives_its_settings_to_the_resumed_bc_run(tmp_path: Path) -> None:
    command = resumed_command(
        "clone_explorer.py",
        tmp_path / "bc",
        *("--out", str(tmp_path), "--record-seeds", "0", "--max-steps", "20", "--workers", "1"),
        *("--frames", "1000", "algo.lr=5e-5", "cluster.torch_threads=1"),
    )
    assert f"resume={tmp_path / 'bc'}" in command
    assert {"algo.lr=5e-5", "cluster.torch_threads=1"} <= set(command)


def test_challenge_demos_gives_its_settings_to_a_resumed_run(tmp_path: Path) -> None:
    command = resumed_command(
        "challenge_demos.py",
        tmp_path / "appo",
        *("--out", str(tmp_path), "--only", "appo", "--env-steps", "1000", "algo.lr=5e-5"),
    )
    assert f"resume={tmp_path / 'appo'}" in command and "algo.lr=5e-5" in command
