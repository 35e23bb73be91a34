"""Ctrl-C inside ``sigterm_deferred`` waits for the block's end; a second one, or one
outside a block, does not (tests/faults/test_signals.py).
"""

import os
import signal
import time

from rllib_nethack.training.signals import (
    interrupt_requested,
    sigterm_as_interrupt,
    sigterm_deferred,
    stop_name,
)

with sigterm_as_interrupt(), sigterm_deferred():  # an iteration that ends by itself
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.3)
    print("finished", interrupt_requested(), flush=True)
with sigterm_as_interrupt():
    try:
        with sigterm_deferred():  # a second Ctrl-C does not wait
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
    except KeyboardInterrupt as interrupt:
        print("interrupted", stop_name(interrupt), flush=True)
    try:  # outside an iteration, at once
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    except KeyboardInterrupt:
        print("at once", flush=True)
