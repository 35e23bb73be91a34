"""``python -m rllib_nethack.run ARGV[2:]`` with the signal ARGV[1] landing while
TensorBoard's writer is fed (tests/faults/test_signals.py).
"""

import os
import signal
import sys
import time

from rllib_nethack.run import main
from rllib_nethack.training.reporting import TensorBoardLog

write = TensorBoardLog.write
sig = getattr(signal, sys.argv[1])


def write_after_a_signal(self, result, step):
    os.kill(os.getpid(), sig)
    time.sleep(0.5)  # the handler runs here, in the iteration's bookkeeping
    write(self, result, step)
    print("tensorboard written", flush=True)


TensorBoardLog.write = write_after_a_signal  # type: ignore[method-assign]  # the fault
main(sys.argv[2:])
