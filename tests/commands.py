"""Our console commands as users run them: ``python -m MODULE ARGS`` in a subprocess.

Test modules import this by name (``from commands import run_cli``): pytest puts
``tests/`` on ``sys.path`` for its conftest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_command(
    module: str,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` to the end, output captured; ``env`` adds to ours."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
