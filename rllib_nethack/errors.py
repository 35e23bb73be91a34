"""User-facing errors.

Every mistake a user can make through the public API or the command line
(an unknown task, a bad option, a missing checkpoint) raises a subclass of
:class:`RllibNethackError` with a one-line message that names the offending
value and what would have been accepted. Entry points print that line and exit
non-zero instead of showing a traceback from deep inside Ray or NLE.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RllibNethackError(Exception):
    """Base class of the errors a user can fix by changing their input."""


class UnknownTaskError(RllibNethackError, KeyError):
    """A task name that is not in :func:`rllib_nethack.list_tasks`."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


class ConfigError(RllibNethackError, ValueError):
    """An option, override or config value that is not accepted."""


def closest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` choices that look most like ``word`` (case-insensitive)."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)
    if not matches:
        matches = [c for c in lowered if word.lower() in c][:n]
    return [lowered[m] for m in matches]


def suggestion(word: str, choices: Iterable[str]) -> str:
    """A short ``did you mean ...?`` clause, or an empty string."""
    near = closest(word, choices)
    return f"; did you mean {', '.join(repr(c) for c in near)}?" if near else ""
