"""Long-lived envs do not grow: 2,000 resets keep the resident set flat."""

from __future__ import annotations

import pytest
from commands import run_program


@pytest.mark.slow
@pytest.mark.parametrize("task", ["score", "room5x5"])
def test_resets_keep_memory_flat(task: str) -> None:
    done = run_program("reset_memory", task)
    assert done.returncode == 0, done.stderr[-3000:]
    before, after = map(float, done.stdout.split())
    # 1,800 resets: a leak of 10 KB each would add 18 MB.
    assert after - before < 16, (before, after)
