"""A wall-clock limit on one episode, so that an agent that hangs costs one seed, not the run.

The limit is a ``SIGALRM`` timer: when it fires, :class:`EpisodeTimeout` is
raised in the main thread wherever it is (a ``time.sleep``, a Python loop, a
blocking read), and the caller turns it into that seed's error. A call that
never returns to the interpreter (a C extension spinning with signals
blocked) is not interrupted; the benchmark's worker processes are the
backstop for those.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from rllib_nethack.errors import ConfigError, RllibNethackError


class EpisodeTimeout(RllibNethackError):
    """The episode ran past its wall-clock limit (``episode_timeout_s``)."""


def check_timeout(value: object) -> float | None:
    """``episode_timeout_s`` as seconds (``None`` or 0: no limit).

    Raises:
        ConfigError: not a non-negative number.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"episode_timeout_s must be a number of seconds >= 0, got {value!r}")
    return float(value) or None


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`EpisodeTimeout` in the body once ``seconds`` have passed (None: never).

    Raises:
        ConfigError: a limit asked for outside the main thread (signals reach only it).
    """
    if not seconds:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        raise ConfigError("episode_timeout_s works only when episodes run in the main thread")

    def expired(signum: int, frame: FrameType | None) -> None:
        raise EpisodeTimeout(f"the episode ran past episode_timeout_s={seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
