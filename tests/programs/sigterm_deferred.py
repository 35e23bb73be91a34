"""SIGTERM inside ``sigterm_deferred``: a block that ends by itself finishes, one that
runs on is interrupted after ``escalate_s`` (tests/faults/test_signals.py).
"""

import os
import signal
import time

from rllib_nethack.training.signals import (
    sigterm_as_interrupt,
    sigterm_deferred,
    stop_name,
    termination_requested,
)

with sigterm_as_interrupt(grace_s=20.0):
    with sigterm_deferred(escalate_s=1.0):  # an iteration that ends by itself
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.3)
        print("finished", termination_requested(), flush=True)
    time.sleep(1.5)  # its escalation time passes: nothing happens outside the block
with sigterm_as_interrupt(grace_s=20.0):
    try:
        with sigterm_deferred(escalate_s=1.0):  # one that would run on
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
    except KeyboardInterrupt as interrupt:
        print("interrupted", stop_name(interrupt), flush=True)
