"""Demonstrations: NetHack games as recorded by NLE, read with ``nle.dataset``.

* :mod:`.nld` - the sqlite index (NLD-AA, NLD-NAO, our own recordings), game
  filters, and batches of (screen, action index, new-game flag);
* :mod:`.keypresses` - a recorded key byte -> a task's action index, with a
  count of the keys a task cannot send;
* :mod:`.xlogfile` - xlogfile lines for games NetHack did not end itself
  (a recording cut at its step budget).

Games are recorded by :mod:`rllib_nethack.agents.record`.
"""

from rllib_nethack.datasets.keypresses import UNMAPPED, KeypressMap
from rllib_nethack.datasets.nld import (
    DemoBatch,
    Demonstrations,
    GameFilter,
    add_directory,
    open_db,
)

__all__ = [
    "UNMAPPED",
    "DemoBatch",
    "Demonstrations",
    "GameFilter",
    "KeypressMap",
    "add_directory",
    "open_db",
]
