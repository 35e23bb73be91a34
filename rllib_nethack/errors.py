"""User-facing errors.

Every mistake a user can make through the public API or the command line
(an unknown task, a bad option, a missing checkpoint) raises a subclass of
:class:`RllibNethackError` with a one-line message that names the offending
value and what would have been accepted. Entry points print that line and exit
non-zero instead of showing a traceback from deep inside Ray or NLE.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Iterable, Sequence


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


def did_you_mean(near: Sequence[str]) -> str:
    """The ``; did you mean 'a', 'b'?`` clause for ``near``, or an empty string."""
    return f"; did you mean {', '.join(repr(c) for c in near)}?" if near else ""


def suggestion(word: str, choices: Iterable[str], n: int = 3) -> str:
    """A short ``did you mean ...?`` clause for the choices closest to ``word``."""
    return did_you_mean(closest(word, choices, n=n))


def bounds(low: float | None, high: float | None) -> str:
    """`` between 1 and 79``, `` >= 0``, `` <= 32`` or nothing: a range in words."""
    if low is not None and high is not None:
        return f" between {low} and {high}"
    if low is not None:
        return f" >= {low}"
    return f" <= {high}" if high is not None else ""


def check_int(what: str, value: object, low: int | None, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (None: unbounded), or a ConfigError naming
    ``what`` and the range.

    One check for every integer a user types (env options, reset options,
    seeds, step limits), so they all accept the same things: Python and numpy
    integers and integral floats (YAML and JSON may give ``1e6``), never bools.
    """
    error = ConfigError(f"{what} must be an integer{bounds(low, high)}, got {value!r}")
    if isinstance(value, bool):
        raise error
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        if not isinstance(value, float) or not value.is_integer():
            raise error from None
        number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise error
    return number


def one_line(err: BaseException) -> str:
    """``err`` in one line for a message: an OS error's reason and file
    (``No space left on device (/runs/x/eval.json)``), else its type and first line."""
    if isinstance(err, OSError) and err.strerror:
        where = f" ({err.filename})" if err.filename else ""
        return f"{err.strerror}{where}"
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__
