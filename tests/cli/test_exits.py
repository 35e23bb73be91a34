"""A stop that lands outside a command's own stopped path still exits as the signal says.

A scheduler's SIGTERM can arrive between two of a command's steps (after a
recording's "already in" line, before its games start); the command then ends
through :func:`~rllib_nethack.cli.exits.user_errors`, which must report 143 for
SIGTERM (not Ctrl-C's 130) so that a job controller reads it as terminated.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import os, signal, time
from rllib_nethack.cli.exits import user_errors
from rllib_nethack.training.signals import sigterm_as_interrupt

with user_errors(), sigterm_as_interrupt():
    os.kill(os.getpid(), signal.{sig})
    time.sleep(30)
print("not stopped")
"""


@pytest.mark.parametrize(
    ("sig", "status", "line"),
    [("SIGTERM", 143, "SIGTERM: stopped"), ("SIGINT", 130, "interrupted")],
)
def test_a_stop_between_steps_exits_with_the_signals_status(
    sig: str, status: int, line: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(sig=sig)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert done.stderr.strip().splitlines() == [line]
    assert "not stopped" not in done.stdout
