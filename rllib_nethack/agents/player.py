"""One worker's agent and game, reused from seed to seed: each seed's row, never an exception.

An exception in one episode (the agent's or the game's), or one past
``episode_timeout_s``, becomes that seed's ``error`` and the next seed gets a
fresh game.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rllib_nethack.agents.deadline import deadline
from rllib_nethack.agents.episodes import play_keystrokes, play_tools
from rllib_nethack.agents.protocol import Agent, ToolAgent, is_tool_agent, load_agent
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.keystrokes.session import Session
from rllib_nethack.keystrokes.tools import KeystrokeTools
from rllib_nethack.results.episode import EpisodeRecord


class Player:
    """One process's agent and game, reused from seed to seed.

    :meth:`play_game` plays one seed; a subclass that plays it differently
    (the recorder) overrides it and keeps the error handling and time limit.
    """

    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self.agent: Agent | ToolAgent | None = None
        self.session: Session | None = None
        self.tools: KeystrokeTools | None = None

    def play(self, seed: int) -> EpisodeRecord:
        """Seed ``seed``'s row: its figures, or the one-line error that ended it."""
        try:
            if self.agent is None:
                self.agent = load_agent(self.config.agent)
            with deadline(self.config.episode_timeout_s):
                return self.play_game(seed)
        except Exception as err:  # one broken episode must not end the benchmark
            self._drop_game()  # it may be mid-prompt or broken: the next seed gets a fresh one
            return EpisodeRecord(seed=seed, error=_one_line(err))

    def play_game(self, seed: int) -> EpisodeRecord:
        """Play game ``seed`` to its end or the step budget (exceptions go to :meth:`play`)."""
        assert self.agent is not None
        max_steps = self.config.max_steps
        if is_tool_agent(self.agent):
            if self.tools is None:
                self.tools = KeystrokeTools(seed, max_steps, suite=False)
            return play_tools(self.agent, self.tools, seed, max_steps)  # type: ignore[arg-type]
        if self.session is None:
            self.session = Session(seed, max_steps, suite=False)
        return play_keystrokes(self.agent, self.session, seed, max_steps)  # type: ignore[arg-type]

    def close(self) -> None:
        """Free the game (the agent stays loaded)."""
        self._drop_game()

    def _drop_game(self) -> None:
        for game in (self.session, self.tools):
            if game is not None:
                with contextlib.suppress(Exception):  # already broken: nothing left to save
                    game.close()
        self.session = self.tools = None


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


#: What plays the seeds: :class:`Player` or a subclass, built from the config.
PlayerFactory = Callable[[BenchConfig], Player]
