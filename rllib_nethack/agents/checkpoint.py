"""A trained RLlib checkpoint as a keystroke agent (``agent=checkpoint:PATH``).

A policy reads NLE's observation arrays (glyphs, blstats, ... as it was trained),
not the screen text the benchmark hands every agent. So the adapter keeps its
own copy of the same seeded game, built the way the policy was trained
(``policy.make_env("nethack_seeded")``): at ``start`` it resets that copy to
the same seed, and each step it replays on it the key it chose last time
(the seeded games are deterministic, so the copy stays in step with the
benchmark's game) and answers the key that sends the policy's next action.
The policy is restored by :func:`rllib_nethack.policy.load_policy`, imported
only when a checkpoint agent is asked for.
"""

from __future__ import annotations

from typing import Any

from rllib_nethack.envs.catalog import SEEDED_TASK
from rllib_nethack.envs.options import MAX_EPISODE_STEPS
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes.keymap import key_name
from rllib_nethack.keystrokes.session import StepResult


def _load_policy(path: str) -> Any:
    try:
        from rllib_nethack.policy import load_policy
    except ImportError:
        raise ConfigError(
            "agent=checkpoint:PATH needs rllib_nethack.policy.load_policy, which this "
            "installation of rllib-nethack does not have"
        ) from None
    return load_policy(path)


class CheckpointAgent:
    """The policy of checkpoint ``path`` (a checkpoint or run directory), greedy.

    Raises:
        ConfigError: no policy layer, no checkpoint at ``path``, or a model that
            cannot play the seeded suite (another action set or observations).
    """

    def __init__(self, path: str) -> None:
        self.policy = _load_policy(path)
        # The copy must outlast the benchmark's game, whatever limit training used.
        self._env = self.policy.make_env(SEEDED_TASK, max_episode_steps=MAX_EPISODE_STEPS)
        # The action ids of the env the model was built for, as NetHack key codes.
        self._codes = [int(a) for a in self._env.unwrapped.actions]
        self._obs: Any = None
        self._state: Any = None
        self._action: int | None = None

    def start(self, seed: int) -> None:
        """Reset the policy's copy of game ``seed`` and its recurrent state."""
        self._obs, _ = self._env.reset(options={"task_seed": seed})
        self._state, self._action = None, None
        self.policy.seed(seed)

    def act(self, result: StepResult) -> str:
        """The key of the policy's action for the game as it now stands."""
        if self._action is not None and result.key is not None:
            self._obs, *_ = self._env.step(self._action)
        action, self._state = self.policy.act(self._obs, self._state)
        self._action = int(action)
        return key_name(self._codes[self._action])

    def close(self) -> None:
        """Free the policy's copy of the game."""
        self._env.close()
