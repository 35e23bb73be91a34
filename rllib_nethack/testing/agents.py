"""Agents that misbehave on purpose, for the tests of ``agents.bench`` and ``agents.record``.

Importable by name (``agent=rllib_nethack.testing.agents:HangOnSeedOne``), so
that worker processes load them as they load any user's agent.
"""

from __future__ import annotations

import time

from rllib_nethack.keystrokes import StepResult


class HangOnSeedOne:
    """Sleeps for ever in game 1, as an agent waiting on a dead server (or a stuck
    LLM call) would; searches (``s``) in every other game."""

    def start(self, seed: int) -> None:
        self.seed = seed

    def act(self, result: StepResult) -> str:
        while self.seed == 1:
            time.sleep(3600)
        return "s"
