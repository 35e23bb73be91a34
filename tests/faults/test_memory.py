"""Long-lived envs do not grow: 2,000 resets keep the resident set flat."""

from __future__ import annotations

import subprocess
import sys

import pytest

_RESETS = """
import resource, sys
from rllib_nethack import make_env

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

env = make_env(sys.argv[1])
for seed in range(200):  # warm-up: caches, allocator pools
    env.reset(seed=seed % 1000)
    env.step(0)
before = rss_mb()
for seed in range(200, 2000):
    env.reset(seed=seed % 1000)
    env.step(0)
print(before, rss_mb())
env.close()
"""


@pytest.mark.slow
@pytest.mark.parametrize("task", ["score", "room5x5"])
def test_resets_keep_memory_flat(task: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _RESETS, task], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    before, after = map(float, done.stdout.split())
    # 1,800 resets: a leak of 10 KB each would add 18 MB.
    assert after - before < 16, (before, after)
