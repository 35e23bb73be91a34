"""The progress bar of every episode runner (``evaluate``, ``agents.bench``, ``record``).

Episodes done, their rate and steps per second, and the time left, on stderr.
On a terminal the line redraws in place; into a file or a pipe it prints a
line at every tenth of the work (and at the end), so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``H:MM:SS`` (``-`` when unknown)."""
    if seconds != seconds or seconds == float("inf"):
        return "-"
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """Episodes done out of ``total``, episodes/s, env steps/s and the time left.

    Args:
        total: Episodes to play.
        label: What is being played (first word of the line).
        stream: Where to draw (default stderr).
        width: Characters of the bar.
        unit: What one episode is called (``episodes``; the bench says ``seeds``).
    """

    def __init__(
        self,
        total: int,
        label: str = "evaluate",
        stream: TextIO | None = None,
        width: int = 30,
        unit: str = "episodes",
    ) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.steps = 0
        self._start = time.monotonic()
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._next_print = 0

    def update(self, episodes: int, steps: int) -> None:
        """Add finished ``episodes`` that took ``steps`` env steps."""
        self.done += episodes
        self.steps += steps
        if self._interactive:
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif self.done >= self._next_print or self.done >= self.total:
            self.stream.write(self.line() + "\n")
            self._next_print = self.done + max(1, self.total // 10)

    def line(self) -> str:
        """The progress line as it stands."""
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        filled = int(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"{self.label} [{bar}] {self.done}/{self.total} {self.unit} | "
            f"{rate:.2f} {self.unit}/s | "
            f"{self.steps / elapsed:,.0f} steps/s | elapsed {format_duration(elapsed)} | "
            f"ETA {format_duration(left)}"
        )

    def close(self) -> None:
        """End the line on a terminal."""
        if self._interactive:
            self.stream.write("\n")
            self.stream.flush()
