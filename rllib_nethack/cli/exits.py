"""How a command ends when the user must change something: one line, a fixed status.

Every entry point (``run``, ``tune``, ``evaluate``, ``watch``, ``replay``,
``play``, ``serve``, the agent bench and recorder) ends this way, so scripts
can tell "fix your input" (2) from "it broke" (1) and "you stopped it" (130 for
Ctrl-C, 143 for SIGTERM).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import NoReturn

from rllib_nethack.errors import RllibNethackError
from rllib_nethack.training.signals import SIGNAL_STOPS, stop_name

#: Exit status for input the command rejects.
USAGE_ERROR = 2


def fail(message: object, code: int = USAGE_ERROR) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Inside the block, a :class:`RllibNethackError` is one line and exit 2,
    and Ctrl-C is ``interrupted`` and exit 130 (no traceback for either).

    A SIGTERM that a command's own handler turned into an interrupt exits 143,
    wherever it landed: a stop between two of the command's steps (before its
    games start, say) is still the SIGTERM a scheduler sent, not a Ctrl-C.
    """
    try:
        yield
    except RllibNethackError as err:
        fail(err)
    except KeyboardInterrupt as stop:
        name = stop_name(stop)
        print("interrupted" if name == "interrupted" else f"{name}: stopped", file=sys.stderr)
        sys.exit(SIGNAL_STOPS[name])
