"""``python -m rllib_nethack.run ARGV``, whose third iteration starts with Ray's
processes killed and a SIGTERM pending (tests/faults/test_signals_to_ray.py).
"""

import contextlib
import os
import signal
import subprocess
import sys

from ray.rllib.algorithms import Algorithm

from rllib_nethack.run import main


def ray_processes():
    # Every process this driver started (GCS, raylet, its workers ...), theirs included.
    table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(int(n) for n in line.split()) for line in table.splitlines()]
    found = {os.getpid()}
    while new := {pid for pid, parent in pairs if parent in found} - found:
        found |= new
    return found - {os.getpid()}


train, calls = Algorithm.train, list[int]()


def train_as_ray_dies(self):
    calls.append(1)
    if len(calls) == 3:  # Ray's processes die, the driver is signalled, and the iteration runs
        for pid in ray_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGTERM)
    return train(self)


Algorithm.train = train_as_ray_dies  # type: ignore[method-assign]  # the fault injected
main(sys.argv[1:])
