"""Actions are checked against the action space before they reach NetHack.

NLE indexes its action tuple with whatever it is given: ``-1`` silently plays
the last action, ``n`` fails deep inside NLE with ``IndexError: tuple index out
of range``, a string with a ``TypeError``, and a step after ``close()`` with an
``AttributeError``. This outermost wrapper turns each into one error that names
the action space, and hands the inner wrappers a plain ``int``.

It sits on the hot path (raw NLE's steps/s: ``benchmarks/RESULTS.md``), so the check is an
``operator.index`` and one range comparison.
"""

from __future__ import annotations

import operator
from typing import Any, SupportsFloat

import gymnasium as gym

from rllib_nethack.errors import RllibNethackError


class InvalidActionError(RllibNethackError, ValueError):
    """An action that is not in the env's ``Discrete`` action space."""


class EnvClosedError(RllibNethackError, RuntimeError):
    """``step`` or ``reset`` on an env that was closed."""


class ActionCheckWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Reject actions outside ``Discrete(n)`` and use after ``close()`` with a clear error."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        space = env.action_space
        assert isinstance(space, gym.spaces.Discrete)
        self._start = int(space.start)
        self._stop = int(space.start) + int(space.n)
        self._closed = False

    def _invalid(self, action: object) -> InvalidActionError:
        shown = repr(action)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return InvalidActionError(
            f"action {shown} is not in the action space {self.action_space} "
            f"(an integer from {self._start} to {self._stop - 1})"
        )

    def _closed_error(self, method: str) -> EnvClosedError:
        return EnvClosedError(f"{method}() on a closed env: build a new one with make_env")

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        if self._closed:
            raise self._closed_error("step")
        try:
            index = operator.index(action)  # ints, numpy integers, 0-d integer arrays
        except TypeError:
            raise self._invalid(action) from None
        if not self._start <= index < self._stop or isinstance(action, bool):
            raise self._invalid(action)
        return self.env.step(index)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if self._closed:
            raise self._closed_error("reset")
        return self.env.reset(seed=seed, options=options)

    def close(self) -> None:
        self._closed = True
        super().close()
