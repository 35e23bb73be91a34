"""Keypresses of a recorded game -> a task's action indices.

A ttyrec (version 2 and later) stores the raw byte NetHack read for each
frame; a policy acts with an index into its task's action set (23 keys for
``score``, 121 for ``nethack_seeded`` and ``challenge``, a few for a MiniHack
room). :class:`KeypressMap` translates one into the other. A key the task
cannot send (a human's ``#pray`` in a task without it, the spaces NLE sends
itself to get past ``--More--``) has no index: it becomes :data:`UNMAPPED`
and is counted, so a dataset that does not fit a task says so in numbers
instead of shrinking without notice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from rllib_nethack.envs.factory import make_env
from rllib_nethack.envs.nle_access import base_env
from rllib_nethack.keystrokes.keymap import key_name

#: The action index of a keypress outside the task's action set.
UNMAPPED = -1


class KeypressMap:
    """Key codes <-> action indices for one action set, with a count of keys it cannot map.

    Args:
        codes: The key code each action index sends (NLE's ``env.unwrapped.actions``).
            A code listed twice (NLE lists ``+``, ``"`` and ``$`` as a text
            character and a command) maps to its first index, as the keystroke
            interface does.
    """

    def __init__(self, codes: Sequence[int]) -> None:
        self.codes = tuple(int(c) for c in codes)
        table = np.full(256, UNMAPPED, dtype=np.int64)
        for index, code in reversed(list(enumerate(self.codes))):
            table[code] = index
        self._table = table
        self.unmapped: Counter[int] = Counter()

    @classmethod
    def for_task(cls, task: str, **options: object) -> KeypressMap:
        """The action set of ``task`` as ``make_env(task, **options)`` builds it.

        Raises:
            UnknownTaskError: ``task`` is not a task.
            ConfigError: an option is not accepted.
        """
        env = make_env(task, **options)
        try:
            return cls([int(a) for a in base_env(env).actions])
        finally:
            env.close()

    def index(self, code: int) -> int:
        """The action index that sends ``code``, or :data:`UNMAPPED` (counted)."""
        index = int(self._table[code & 0xFF])
        if index == UNMAPPED:
            self.unmapped[code & 0xFF] += 1
        return index

    def indices(self, keypresses: NDArray[np.uint8], valid: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Action indices of ``keypresses``; only the ``valid`` ones (not padding) are counted."""
        indices = self._table[keypresses]
        missed = keypresses[valid & (indices == UNMAPPED)]
        if missed.size:
            self.unmapped.update(int(c) for c in missed)
        return indices

    def key(self, index: int) -> int:
        """The key code action ``index`` sends."""
        return self.codes[index]

    def report(self) -> str:
        """One line on the keypresses no action sends (empty if there were none)."""
        return unmapped_report(self.unmapped, len(self.codes))


def unmapped_report(counts: Counter[int], actions: int, shown: int = 8) -> str:
    """``"12 keypresses outside the task's 23 actions: 'space' x9, 'ctrl+x' x3"``, or ``""``."""
    total = sum(counts.values())
    if not total:
        return ""
    common = _named(counts.most_common(shown))
    more = f", ... ({len(counts) - shown} more keys)" if len(counts) > shown else ""
    return f"{total} keypresses outside the task's {actions} actions: {common}{more}"


def _named(items: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"{key_name(code)!r} x{count}" for code, count in items)
