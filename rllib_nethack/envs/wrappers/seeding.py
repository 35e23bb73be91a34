"""Seeding that does what gymnasium promises.

Raw NLE ignores ``reset(seed=k)`` (it only seeds gymnasium's unused
``np_random``) and crashes on ``reset(options={})``. This wrapper makes both
work for every task:

* ``reset(seed=k)`` seeds the env's ``np_random``; every reset then draws
  NetHack's core and display seeds from it, so a seed replays the same game and
  the same sequence of games after it.
* With a ``seeds`` range (the seeded suite, or the ``seeds`` option), each
  episode is *task seed* ``k`` drawn from the range, and ``k`` alone fixes the
  game: NetHack's core, display and level-generator seeds are all ``k``.
  ``reset(options={"task_seed": k})`` plays seed ``k`` directly.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium.utils import seeding

from rllib_nethack.envs.nle_access import base_env, set_seeds, wizard_mode
from rllib_nethack.envs.options import SEED_BOUND
from rllib_nethack.errors import ConfigError, check_int

#: Reset options this wrapper understands.
RESET_OPTIONS = ("task_seed", "wizkit_items")


def task_seed_to_nle_seeds(task_seed: int) -> tuple[int, int, int]:
    """NetHack's (core, disp, lgen) seeds for task seed ``k``: all three are ``k``.

    This is the convention of keystroke-level NetHack agents (core = disp = seed);
    the level-generator seed makes every dungeon level of seed ``k`` the same,
    whatever the agent does before reaching it.
    """
    return task_seed, task_seed, task_seed


class SeedingWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Reproducible ``reset(seed=...)`` and working ``reset(options=...)`` for NLE envs.

    Args:
        env: An NLE or MiniHack env (possibly wrapped).
        seeds: Optional inclusive ``(first, last)`` range of task seeds.
    """

    def __init__(self, env: gym.Env, seeds: tuple[int, int] | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, seeds=seeds)
        super().__init__(env)
        self._base = base_env(env)
        self.seeds = seeds

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if seed is not None:
            self._base._np_random, self._base._np_random_seed = seeding.np_random(seed)
        rng = self._base.np_random
        options = dict(options or {})
        unknown = sorted(set(options) - set(RESET_OPTIONS))
        if unknown:
            raise ConfigError(
                f"unknown reset option(s) {unknown}; accepted: {', '.join(RESET_OPTIONS)}"
            )
        task_seed = options.get("task_seed")
        if task_seed is None and self.seeds is not None:
            first, last = self.seeds
            task_seed = int(rng.integers(first, last + 1))
        if task_seed is not None:
            task_seed = check_int("reset option 'task_seed'", task_seed, 0, SEED_BOUND)
            core, disp, lgen = task_seed_to_nle_seeds(task_seed)
            nle_seeds: tuple[int, int, int | None] = (core, disp, lgen)
        else:
            core, disp = (int(s) for s in rng.integers(0, SEED_BOUND, size=2))
            nle_seeds = (core, disp, None)
        set_seeds(self._base, *nle_seeds)
        nle_options = None
        if "wizkit_items" in options:
            if not wizard_mode(self._base):
                raise ConfigError(
                    "reset option 'wizkit_items' needs a wizard-mode game "
                    "(option env_kwargs.wizard=true)"
                )
            nle_options = {"wizkit_items": options["wizkit_items"]}
        obs, info = self.env.reset(options=nle_options)
        info["task_seed"] = task_seed
        info["nle_seeds"] = nle_seeds
        return obs, info
