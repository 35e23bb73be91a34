"""Loading Ray, RLlib and torch code late: the one mechanism, for start-up time.

A user's mistake (``+task=chalenge``, ``model.rnn_size=-3``, ``--help``) is
checked by composing the config and parsing its plan: names, dataclasses,
numbers. Importing RLlib and torch for that took most of the check's seconds,
and the quick test lane runs dozens of such commands. So the light tables
(:data:`~rllib_nethack.algorithms.registry.ALGORITHMS`,
:data:`~rllib_nethack.models.architectures.ARCHITECTURES`) name their heavy
classes and functions by an import path, and packages that re-export heavy
names do so through :func:`lazy_attributes`; both load through :func:`load`
on first use, once a run really starts (the translation, building modules).

Nothing else in the package imports late: a function-local import is not the
way to dodge a cycle or a slow import.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import Any


@functools.cache
def load(path: str) -> Any:
    """The object at ``path``: ``"package.module:name"``, or a whole module ``"package.module"``."""
    module, _, name = path.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, name) if name else loaded


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that loads each of ``names`` (attribute -> path) on first use.

    ``from package import Name`` and ``package.Name`` keep working; the heavy
    module behind ``Name`` is imported only then.
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            return load(names[name])
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
