"""How a command ends when the user must change something: one line, a fixed status.

Every entry point (``run``, ``tune``, ``evaluate``, ``watch``, ``replay``,
``play``, ``serve``, the agent bench and recorder) ends this way, so scripts
can tell "fix your input" (2) from "it broke" (1) and "you stopped it" (130).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import NoReturn

from rllib_nethack.errors import RllibNethackError

#: Exit status for input the command rejects.
USAGE_ERROR = 2
#: Exit status after Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def fail(message: object, code: int = USAGE_ERROR) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Inside the block, a :class:`RllibNethackError` is one line and exit 2,
    and Ctrl-C is ``interrupted`` and exit 130 (no traceback for either)."""
    try:
        yield
    except RllibNethackError as err:
        fail(err)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
