"""APPO's learner queue, waiting on a condition instead of polling.

RLlib 2.60's APPO hands batches to its learner thread through a
``CircularBuffer`` whose ``get`` polls an empty buffer with
``time.sleep(0.0001)``: ten thousand wake-ups a second, each taking the GIL
from the driver's main thread, whenever the learner waits for the env runners.
In a real 2-CPU run of ``benchmarks/train_throughput.py`` that loop was 5.5% of
the driver's samples (``py-spy``), CPU the env runners on the same cores lack.
:func:`block_instead_of_polling` makes the buffer wait on a condition of its
own lock, which ``put`` notifies; which batch is returned, and when batches are
dropped, stays RLlib's.
"""

from __future__ import annotations

import threading
from typing import Any

from ray.rllib.algorithms.appo.utils import CircularBuffer


class BlockingCircularBuffer(CircularBuffer):  # type: ignore[misc]
    """RLlib's ``CircularBuffer`` whose blocking ``get`` sleeps until ``put`` adds."""

    _ready: threading.Condition

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> int:
        dropped = super().put(item, block=block, timeout=timeout)
        with self._ready:
            self._ready.notify_all()
        return int(dropped)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block:
            with self._ready:  # the buffer's own lock: no put slips between check and wait
                self._ready.wait_for(lambda: bool(self._indices), timeout)
        return super().get(block=block, timeout=timeout)


def block_instead_of_polling(learner: Any) -> None:
    """Turn the learner's APPO ``CircularBuffer`` (if it has one) into a
    :class:`BlockingCircularBuffer`, in place: the learner thread already holds it."""
    buffer = getattr(learner, "_learner_thread_in_queue", None)
    if type(buffer) is CircularBuffer:
        buffer._ready = threading.Condition(buffer._lock)  # type: ignore[attr-defined]
        buffer.__class__ = BlockingCircularBuffer
