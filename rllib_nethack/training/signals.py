"""SIGTERM ends a training run the way Ctrl-C does: with a final checkpoint.

``timeout``, Slurm, Kubernetes and ``ray job stop`` all stop a job with
SIGTERM and follow with SIGKILL after a grace period (30 s by default for
Kubernetes and Slurm). Python's default for SIGTERM is to die on the spot, and
``ray.init`` replaces it with ``sys.exit``; either way the iterations since the
last periodic checkpoint are lost.

Here SIGTERM raises :class:`TerminationRequested` in the main thread, a
``KeyboardInterrupt``, so everything that already unwinds cleanly on Ctrl-C
(RLlib's loops, our training loop's final save, ``algo.stop()``) does so on
SIGTERM too. Inside :func:`sigterm_deferred` (around each training iteration and
its bookkeeping) it does not interrupt at once: an exception at an arbitrary
point of an APPO iteration, or of a library's writer thread handshake, can leave
a state that the final save or the clean-up waits on forever, so the request
waits for the iteration to end, up to ``ESCALATE_S`` seconds.

Ctrl-C (SIGINT) inside :func:`sigterm_deferred` waits for the iteration's end
too, for the same reason (a ``KeyboardInterrupt`` inside TensorBoard's writer can
leave its close waiting forever); a second Ctrl-C interrupts at once. Outside
the block it raises ``KeyboardInterrupt`` as Python's own handler does.

A watchdog thread then makes sure the process is gone within the grace period,
saved or not, before the scheduler's SIGKILL could catch it with
a checkpoint half-written (a half-written checkpoint never replaces a whole one:
see :mod:`rllib_nethack.runs.checkpoints`).
"""

from __future__ import annotations

import contextlib
import faulthandler
import itertools
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

#: Seconds from SIGTERM to a forced exit: inside the 30 s that Kubernetes
#: (terminationGracePeriodSeconds) and Slurm (KillWait) give before SIGKILL.
GRACE_S = 25.0
#: Seconds a SIGTERM waits for the iteration under way (:func:`sigterm_deferred`)
#: before it interrupts it: an iteration is about 10 s (``min_time_s_per_iteration``),
#: and the save and shutdown need the rest of the grace period.
ESCALATE_S = 14.0
#: The shell's exit status for a process ended by SIGTERM (128 + 15).
SIGTERM_EXIT_STATUS = 128 + signal.SIGTERM
#: How a run stopped by a signal reports it (``RunSummary.stopped_by``) -> exit status.
SIGNAL_STOPS = {"SIGTERM": SIGTERM_EXIT_STATUS, "interrupted": 128 + signal.SIGINT}


class TerminationRequested(KeyboardInterrupt):
    """SIGTERM arrived: stop, save what can be saved, exit with status 143."""


#: Set by the SIGTERM handler. The exception's type alone cannot tell: a signal
#: that lands while Ray blocks in C++ (``ray.get`` inside ``algo.train()``)
#: comes out of Ray as a plain ``KeyboardInterrupt``, whatever the handler raised.
_sigterm_seen = threading.Event()
#: The :func:`sigterm_deferred` block under way: (its number, escalate_s); (0, 0) for none.
_deferred: tuple[int, float] = (0, 0.0)
_deferred_count = itertools.count(1)


#: Set by the SIGINT handler when a Ctrl-C waits for the iteration's end.
_interrupt_seen = threading.Event()


def termination_requested() -> bool:
    """Whether SIGTERM came (inside :func:`sigterm_as_interrupt`)."""
    return _sigterm_seen.is_set()


def interrupt_requested() -> bool:
    """Whether a Ctrl-C came during a :func:`sigterm_deferred` block and waits."""
    return _interrupt_seen.is_set()


@contextlib.contextmanager
def sigterm_deferred(escalate_s: float = ESCALATE_S) -> Iterator[None]:
    """Inside, SIGTERM (and a first Ctrl-C) is recorded instead of raised; the
    caller checks :func:`termination_requested` and :func:`interrupt_requested`
    after the block. If the block is still running
    ``escalate_s`` s after the SIGTERM, the main thread is interrupted after all.
    """
    global _deferred
    _deferred = (next(_deferred_count), escalate_s)
    try:
        yield
    finally:
        _deferred = (0, 0.0)


_escalating = threading.Event()


def _interrupt_if_still_in(block: int, escalate_s: float) -> None:
    time.sleep(escalate_s)
    if _deferred[0] == block:
        # SIGTERM again, to the main thread (a signal, unlike a flag, also wakes a
        # blocking call); the handler raises this time.
        _escalating.set()
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)


def stop_name(interrupt: KeyboardInterrupt) -> str:
    """``"SIGTERM"`` or ``"interrupted"`` (Ctrl-C): a key of :data:`SIGNAL_STOPS`."""
    if isinstance(interrupt, TerminationRequested) or _sigterm_seen.is_set():
        return "SIGTERM"
    return "interrupted"


def _force_exit_after(grace_s: float) -> None:
    time.sleep(grace_s)
    message = (
        f"terminated: still running {grace_s:g} s after SIGTERM (the grace period), exiting "
        "now (a checkpoint reported above is whole; one cut off mid-write is never used)\n"
    )
    with contextlib.suppress(OSError):
        os.write(2, message.encode())
        os.write(2, b"where each thread was (for a bug report):\n")
        faulthandler.dump_traceback(file=2, all_threads=True)
    os._exit(SIGTERM_EXIT_STATUS)


@contextlib.contextmanager
def sigterm_as_interrupt(grace_s: float = GRACE_S) -> Iterator[None]:
    """Inside, SIGTERM raises :class:`TerminationRequested` in the main thread,
    and Ctrl-C inside :func:`sigterm_deferred` waits for the block's end.

    The first SIGTERM raises (or, inside :func:`sigterm_deferred`, is recorded)
    and starts a watchdog that exits the process with status 143 after
    ``grace_s`` seconds; later ones are ignored so that they cannot interrupt
    the final save. Outside the block the previous handler is back. Does
    nothing when not called from the main thread (only the main thread can
    receive Python signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _sigterm_seen.clear()
    _interrupt_seen.clear()
    _escalating.clear()

    def on_ctrl_c(signum: int, frame: FrameType | None) -> None:
        if _deferred[0] and not _interrupt_seen.is_set():
            _interrupt_seen.set()
            with contextlib.suppress(OSError):  # stdout may be a closed pipe
                os.write(2, b"Ctrl-C: stopping after this iteration (Ctrl-C again: now)\n")
            return
        raise KeyboardInterrupt

    def handler(signum: int, frame: FrameType | None) -> None:
        if _escalating.is_set():
            _escalating.clear()
            raise TerminationRequested("SIGTERM: the iteration did not end in time")
        if _sigterm_seen.is_set():
            return
        _sigterm_seen.set()
        threading.Thread(
            target=_force_exit_after, args=(grace_s,), name="sigterm-grace", daemon=True
        ).start()
        if _deferred[0]:
            threading.Thread(
                target=_interrupt_if_still_in,
                args=_deferred,
                name="sigterm-escalate",
                daemon=True,
            ).start()
            return
        raise TerminationRequested(f"SIGTERM: saving and exiting within {grace_s:g} s")

    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


@contextlib.contextmanager
def keep_sigterm_handler() -> Iterator[None]:
    """Undo a SIGTERM handler installed by the code inside.

    ``ray.init`` installs one that calls ``sys.exit(15)``, which would skip the
    final checkpoint. A SIGTERM that arrives while it is in force (Ray is
    starting: nothing to save yet) comes out as :class:`TerminationRequested`,
    so the process still ends with status 143.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    try:
        yield
    except SystemExit as exit_:
        if exit_.code != signal.SIGTERM or signal.getsignal(signal.SIGTERM) is previous:
            raise
        raise TerminationRequested("SIGTERM while Ray was starting") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
