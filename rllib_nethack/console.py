"""Console output that survives its reader going away.

``python -m rllib_nethack.run ... | head`` or ``| tee log`` followed by Ctrl-C:
the reader exits first, and the next ``print`` raises ``BrokenPipeError``,
possibly in the middle of saving the final checkpoint. Progress lines are a
courtesy to whoever is reading; once nobody is, they are dropped and the work
goes on. The stream's file descriptor is pointed at ``/dev/null`` at that
moment, so that the interpreter's last flush and output written straight to
the descriptor (Ray's log forwarding, C code) do not fail either.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, Protocol, TextIO


class Output(Protocol):
    """Where progress lines go: anything ``print(..., file=out, flush=True)`` accepts."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def _point_at_devnull(stream: TextIO) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)


class PipeSafeStream:
    """A text stream whose writes never raise ``BrokenPipeError``.

    After the first broken pipe, everything written is dropped (and the
    underlying descriptor discards too). Other attributes are the wrapped
    stream's, so it stands in for ``sys.stdout`` / ``sys.stderr``.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def _lost_reader(self) -> None:
        self.broken = True
        _point_at_devnull(self._stream)

    def write(self, text: str, /) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._lost_reader()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._lost_reader()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def pipe_safe_stdio() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` as :class:`PipeSafeStream` inside the block."""
    saved = sys.stdout, sys.stderr
    sys.stdout = PipeSafeStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = PipeSafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
