"""One game of a keystroke or tool-calling agent, played to its end or the step budget.

A refused key (or tool call) costs the agent an action, not the game a turn;
the game's figures at the end become an :class:`~rllib_nethack.results.episode.EpisodeRecord`
with the keystroke fields (actions, refused, progression) filled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rllib_nethack.agents.progression import progression
from rllib_nethack.agents.protocol import Agent, ToolAgent, ToolCall, ToolReply
from rllib_nethack.keystrokes.keymap import KeystrokeError
from rllib_nethack.keystrokes.session import Session, StepResult
from rllib_nethack.keystrokes.tools import KeystrokeTools, ToolCallError, step_text
from rllib_nethack.results.episode import EpisodeRecord


class _Tracker:
    """The deepest level and highest experience level seen during a game."""

    def __init__(self, first: StepResult) -> None:
        self.last = first
        self.max_depth = first.stats.depth
        self.max_xl = first.stats.xl

    def update(self, result: StepResult) -> None:
        self.last = result
        self.max_depth = max(self.max_depth, result.stats.depth)
        self.max_xl = max(self.max_xl, result.stats.xl)

    def record(self, seed: int, actions: int, refused: int) -> EpisodeRecord:
        last = self.last
        end = last.reason if last.done else "truncated"
        return EpisodeRecord(
            seed=seed,
            score=last.stats.score,
            steps=last.steps,
            actions=actions,
            refused=refused,
            turns=last.stats.turn,
            max_depth=self.max_depth,
            max_xl=self.max_xl,
            progression=round(progression(self.max_depth, self.max_xl, end == "ascended"), 6),
            end=end,
            death_cause=last.death_cause,
        )


def play_keystrokes(agent: Agent, session: Session, seed: int, max_steps: int) -> EpisodeRecord:
    """Game ``seed`` with a keystroke agent; a refused key costs an action, not a turn."""
    tracker = _Tracker(session.reset(seed))
    agent.start(seed)
    actions = refused = 0
    while not tracker.last.done and actions < max_steps:
        key = agent.act(tracker.last)
        actions += 1
        try:
            tracker.update(session.step(key))
        except KeystrokeError:
            refused += 1
    return tracker.record(seed, actions, refused)


def play_tools(
    agent: ToolAgent,
    tools: KeystrokeTools,
    seed: int,
    max_steps: int,
    game_steps: int | None = None,
) -> EpisodeRecord:
    """Game ``seed`` with a tool-calling agent, through the same tools ``serve mcp`` serves.

    ``game_steps`` is the game's own keystroke limit (default ``max_steps``); a
    recorder sets it higher, so that the agent's budget stops the game and
    NetHack does not quit it.
    """
    data = tools.reset(seed, game_steps or max_steps)
    assert tools.session is not None
    tracker = _Tracker(tools.session.last)
    reply = ToolReply(ToolCall("reset", {"seed": seed}), False, step_text(data), data)
    agent.start(seed)
    actions = refused = 0
    while not tracker.last.done and actions < max_steps:
        call = _as_call(agent.call(reply))
        actions += 1
        try:
            if call.name == "reset":
                raise ToolCallError("the benchmark chooses the game: reset is not available here")
            out = tools.call(call.name, call.arguments)
        except ToolCallError as err:
            refused += 1
            reply = ToolReply(call, True, str(err))
            continue
        if call.name == "step":
            tracker.update(tools.session.last)
            reply = ToolReply(call, False, step_text(out), out)
        else:
            reply = ToolReply(call, False, json.dumps(out), out)
    return tracker.record(seed, actions, refused)


def _as_call(call: Any) -> ToolCall:
    if isinstance(call, ToolCall):
        return call
    if isinstance(call, Mapping) and isinstance(call.get("name"), str):
        return ToolCall(call["name"], dict(call.get("arguments") or {}))
    raise TypeError(f"a tool agent must return a ToolCall, got {type(call).__name__}")
