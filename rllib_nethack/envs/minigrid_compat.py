"""MiniHack's MiniGrid-based tasks on today's MiniGrid.

34 MiniHack tasks (MultiRoom, LavaCrossing, SimpleCrossing and their variants)
draw their layouts from a MiniGrid env. minihack 1.0.2 was written against the
old ``gym-minigrid`` and breaks on every MiniGrid release for gymnasium 1.x in
two ways:

* MiniGrid's envs are no longer registered on import (gymnasium 1.x dropped
  plugin auto-loading), so ``gym.make("MiniGrid-MultiRoom-N2-S4-v0")`` fails;
* MiniHack passes ``width``/``height`` (the NetHack map size) to every MiniGrid
  env, which MultiRoom now sets itself and Crossing replaces by ``size``.

:func:`register_minigrid_for_minihack` re-registers the MiniGrid ids MiniHack
uses with a creator that accepts those arguments: MultiRoom lays its rooms out
on the NetHack-sized grid (what MiniHack intends), Crossing keeps its own size.
"""

from __future__ import annotations

import warnings
from typing import Any, cast

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

_FAMILIES = ("MultiRoom", "Crossing")
_THIS = f"{__name__}:make_for_minihack"


def make_for_minihack(
    *, _entry_point: str, width: int | None = None, height: int | None = None, **kwargs: Any
) -> gym.Env:
    """Build a MiniGrid env, taking MiniHack's ``width``/``height`` the way it means them."""
    env = cast(gym.Env, load_env_creator(_entry_point)(**kwargs))
    if "size" not in kwargs and width and height:
        # MultiRoom generates its grid at reset from these attributes.
        grid: Any = env.unwrapped
        grid.width, grid.height = width, height
    return env


def register_minigrid_for_minihack() -> bool:
    """Register the MiniGrid ids MiniHack uses (no-op without ``minigrid``).

    Returns:
        Whether minigrid is installed (and the ids are registered).
    """
    try:
        import minigrid
    except ImportError:
        return False
    if not any(k.startswith("MiniGrid-") for k in gym.registry):
        minigrid.register_minigrid_envs()
    for env_id, spec in list(gym.registry.items()):
        if not env_id.startswith("MiniGrid-") or not any(f in env_id for f in _FAMILIES):
            continue
        entry = spec.entry_point
        if entry == _THIS or entry is None:
            continue
        if not isinstance(entry, str):
            entry = f"{entry.__module__}:{getattr(entry, '__name__', '')}"
        with warnings.catch_warnings():  # "overriding environment": on purpose
            warnings.simplefilter("ignore")
            gym.register(
                id=env_id,
                entry_point=_THIS,
                kwargs={**spec.kwargs, "_entry_point": entry},
                max_episode_steps=spec.max_episode_steps,
            )
    return True
