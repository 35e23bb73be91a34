"""Our console commands and Python programs as users run them, in a subprocess.

Test modules import this by name (``from commands import run_cli``): pytest puts
``tests/`` on ``sys.path`` for its conftest. Programs that a test runs in a fresh
interpreter live as files in ``tests/programs/`` (so ruff checks them) and run
through :func:`run_program`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: A smoke-sized run on two CPUs (about 20-30 s with Ray's start-up).
SMOKE = ("+task=room5x5", "debug=smoke", "cluster.num_cpus=2")
#: Sampling in the learner's process: for the runs whose point is not Ray's
#: worker processes, it saves the quarter-minute a remote env runner takes to
#: start on 2 CPUs (once for the run, once for each resume).
IN_PROCESS = ("cluster.rllib.num_env_runners=0",)

#: The folder of the programs that tests run in a fresh interpreter.
PROGRAMS = Path(__file__).resolve().parent / "programs"

#: The repository root (benchmarks/ and examples/ are scripts there).
ROOT = Path(__file__).resolve().parents[1]


def run_python(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` (this interpreter) to the end, output captured; ``env`` adds
    to ours; ``stdin`` is the input, or none at all (never the test's own)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_program(
    name: str,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python tests/programs/NAME.py ARGS``: a test's program in a fresh interpreter."""
    return run_python(PROGRAMS / f"{name}.py", *args, cwd=cwd, env=env, timeout=timeout)


def run_command(
    module: str,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` to the end, output captured; ``env`` adds to ours."""
    return run_python("-m", module, *args, cwd=cwd, env=env, stdin=stdin, timeout=timeout)


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m rllib_nethack.run ARGS``."""
    return run_command("rllib_nethack.run", *args, cwd=cwd, env=env, timeout=timeout)


def run_tune(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m rllib_nethack.tune ARGS``."""
    return run_command("rllib_nethack.tune", *args, cwd=cwd, env=env, timeout=timeout)
