"""Reset the task ARGV[1] 2,000 times and print the resident memory (MiB) before and
after the last 1,800 (tests/faults/test_memory.py): a fresh interpreter, so that
nothing else the test session holds moves the figure.
"""

import resource
import sys

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
