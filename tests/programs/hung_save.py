"""A save that hangs after SIGTERM: the grace period must end it with 143
(tests/faults/test_signals.py).
"""

import os
import signal
import time

from rllib_nethack.training.signals import TerminationRequested, sigterm_as_interrupt

with sigterm_as_interrupt(grace_s=1.0):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    except TerminationRequested:
        print("saving", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)  # a second SIGTERM must not stop the save
        time.sleep(30)  # a save that never ends
print("not reached", flush=True)
