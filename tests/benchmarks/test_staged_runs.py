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


def stopped_run(run_dir: Path) -> None:
    """A run folder as a stop leaves it, short of any budget."""
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "progress.csv").write_text("iteration,env_steps\n1,10\n")


def printed_run_command(stdout: str) -> str:
    """The ``run`` command the script printed before starting it."""
    lines = [line for line in stdout.splitlines() if line.startswith("$ rllib_nethack.run ")]
    assert len(lines) == 1, stdout[-3000:]
    return lines[0]


def test_clone_explorer_gives_its_settings_to_the_resumed_bc_run(tmp_path: Path) -> None:
    out = tmp_path / "clone"
    stopped_run(out / "bc")
    done = run_python(
        BENCHMARKS / "clone_explorer.py",
        *("--out", str(out), "--record-seeds", "0", "--max-steps", "20", "--workers", "1"),
        *("--frames", "1000", "algo.lr=5e-5", "cluster.torch_threads=1"),
        cwd=tmp_path,
        timeout=300,
    )
    command = printed_run_command(done.stdout)
    assert f"resume={out / 'bc'}" in command.split()
    assert {"algo.lr=5e-5", "cluster.torch_threads=1"} <= set(command.split())
    assert done.returncode != 0  # the resume found no checkpoint and stopped there


def test_challenge_demos_gives_its_settings_to_a_resumed_run(tmp_path: Path) -> None:
    out = tmp_path / "demos"
    stopped_run(out / "appo")
    done = run_python(
        BENCHMARKS / "challenge_demos.py",
        *("--out", str(out), "--only", "appo", "--env-steps", "1000", "algo.lr=5e-5"),
        cwd=tmp_path,
        timeout=300,
    )
    command = printed_run_command(done.stdout).split()
    assert f"resume={out / 'appo'}" in command and "algo.lr=5e-5" in command
    assert done.returncode != 0
