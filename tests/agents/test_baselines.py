"""The baseline agents: seeded randomness, and the explorer's reading of the screen."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rllib_nethack.agents.baselines import ExplorerAgent, RandomAgent
from rllib_nethack.keystrokes import Session, StepResult, accepted_keys


@pytest.fixture(scope="module")
def first() -> StepResult:
    with Session(seed=0) as session:
        return session.last


def _screen(result: StepResult, rows: dict[int, str]) -> StepResult:
    screen = list(result.screen)
    for row, text in rows.items():
        screen[row] = text
    return replace(result, screen=tuple(screen))


def test_random_agent_is_seeded(first: StepResult) -> None:
    def keys(seed: int) -> list[str]:
        agent = RandomAgent()
        agent.start(seed)
        return [agent.act(first) for _ in range(50)]

    assert keys(3) == keys(3) and keys(3) != keys(4)
    assert set(keys(3)) <= set(accepted_keys())


def test_explorer_answers_prompts(first: StepResult) -> None:
    agent = ExplorerAgent()
    agent.start(0)
    assert agent.act(_screen(first, {0: "You hit the newt.--More--"})) == "enter"
    assert agent.act(_screen(first, {0: "Really attack the watchman? [yn] (n)"})) == "n"
    assert agent.act(_screen(first, {0: "What do you want to eat? [fg or ?*]"})) == "escape"
    assert agent.act(_screen(first, {5: " (end) "})) == "escape"


def test_explorer_goes_down_and_walks_to_stairs(first: StepResult) -> None:
    y, x = first.stats.y, first.stats.x
    row = " " * (x - 4) + "|.>.@.|"
    agent = ExplorerAgent()
    agent.start(0)
    # The stairs two squares west: walk there (h), then, standing on them, press '>'.
    assert agent.act(_screen(first, {y + 1: row})) == "h"
    on_stairs = replace(first, stats=replace(first.stats, x=x - 2))
    assert agent.act(_screen(on_stairs, {y + 1: " " * (x - 4) + "|.@...|"})) == ">"


def test_explorer_prays_in_major_trouble(first: StepResult) -> None:
    agent = ExplorerAgent()
    agent.start(0)
    dying = replace(first, stats=replace(first.stats, hp=3, turn=500))
    assert agent.act(dying) == "meta+p"
    assert agent.act(_screen(dying, {0: "Are you sure you want to pray? [yn] (n)"})) == "y"
