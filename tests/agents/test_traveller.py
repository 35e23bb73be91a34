"""The traveller: the explorer's goals by NetHack's travel command, in real games."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from rllib_nethack.agents.protocol import load_agent
from rllib_nethack.agents.traveller import TravellerAgent
from rllib_nethack.keystrokes import Session, StepResult


@pytest.fixture(scope="module")
def first() -> StepResult:
    with Session(seed=0) as session:
        return session.last


def test_traveller_travels_to_stairs_on_screen(first: StepResult) -> None:
    y, x = first.stats.y, first.stats.x
    screen = list(first.screen)
    screen[y + 1] = " " * (x - 6) + "|.>...@.|"  # a down staircase four squares west
    agent = TravellerAgent()
    agent.start(0)
    seen = replace(first, screen=tuple(screen))
    # Travel (``_``), the cursor to the staircase (``>``), go (``.``).
    assert [agent.act(seen) for _ in range(3)] == ["_", ">", "."]


def test_traveller_is_a_builtin_agent() -> None:
    assert isinstance(load_agent("traveller"), TravellerAgent)


def test_traveller_crosses_levels_in_few_keys() -> None:
    """In a real game its keys pass game time, single keys cross many squares, searches count."""
    agent = TravellerAgent()
    with Session(seed=1, suite=False) as session:
        result = session.reset(seed=1)
        agent.start(1)
        keys: list[str] = []
        longest = 0
        while not result.done and len(keys) < 600:
            key = agent.act(result)
            before = (result.stats.y, result.stats.x, result.stats.depth)
            result = session.step(key)
            keys.append(key)
            if key == "." and result.stats.depth == before[2]:
                moved = max(abs(result.stats.y - before[0]), abs(result.stats.x - before[1]))
                longest = max(longest, moved)
    assert "_" in keys and "x" in keys
    assert longest >= 3, "no travel crossed three squares"
    # Searches are counted commands ("10s"), never a run of single "s" a clone would copy.
    assert ("s", "s") not in set(pairwise(keys))
    assert any(keys[i : i + 3] == ["1", "0", "s"] for i in range(len(keys))), "no dead end searched"
    # Not caught in travel prompts: the game's clock kept pace with the keys.
    assert result.stats.turn >= len(keys) // 3, (result.stats.turn, len(keys))
