"""A SIGTERM while the driver waits in ``ray.get``: print what was raised and the
stop's name (tests/faults/test_signals.py).
"""

import os
import signal
import threading
import time

import ray

from rllib_nethack.training.signals import sigterm_as_interrupt, stop_name

ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)


@ray.remote
def slow():
    time.sleep(60)


with sigterm_as_interrupt():
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
    try:
        ray.get(slow.remote())
    except KeyboardInterrupt as interrupt:
        print(type(interrupt).__name__, stop_name(interrupt), flush=True)
ray.shutdown()
