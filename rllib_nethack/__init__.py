"""rllib-nethack: NetHack and MiniHack as first-class Ray RLlib citizens.

The public API:

* :func:`list_tasks` - every task name (the 8 NLE tasks, the seeded suite and
  every MiniHack id the installed ``minihack`` registers);
* :func:`make_env` - build a task's gymnasium env with options;
* :func:`register_envs` - register every task with RLlib and gymnasium (idempotent);
* :func:`algorithm_config` - the RLlib ``AlgorithmConfig`` that ``run`` trains,
  for a user's own RLlib or Tune code;
* :class:`Session` - one seeded keystroke game (``rllib_nethack.keystrokes``);
* :func:`load_policy` - a trained agent from a checkpoint (``rllib_nethack.policy``).

Sub-packages load on first use: ``rllib_nethack.keystrokes`` (the keystroke
interface), ``rllib_nethack.models``, ``rllib_nethack.config``,
``rllib_nethack.training``. Importing this
package has no side effects: it neither starts Ray nor imports MiniHack.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from rllib_nethack.envs import list_tasks, make_env, register_envs
from rllib_nethack.errors import ConfigError, RllibNethackError, UnknownTaskError

#: The installed distribution's version: pyproject.toml states it, once.
__version__ = importlib.metadata.version("rllib-nethack")

_LAZY_SUBMODULES = ("config", "evaluation", "keystrokes", "models", "policy", "training")
#: Names re-exported lazily: attribute -> the module that defines it.
_LAZY_NAMES = {
    "Session": "rllib_nethack.keystrokes",
    "algorithm_config": "rllib_nethack.config.api",
    "Policy": "rllib_nethack.policy",
    "load_policy": "rllib_nethack.policy",
}


def __getattr__(name: str) -> Any:
    # `rllib_nethack.keystrokes.Session(...)` and `from rllib_nethack import Session`
    # work after a plain `import rllib_nethack`, without importing NLE's
    # keystroke tables (or torch) for users who only build envs.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "Policy",
    "RllibNethackError",
    "Session",
    "UnknownTaskError",
    "__version__",
    "algorithm_config",
    "list_tasks",
    "load_policy",
    "make_env",
    "register_envs",
]
