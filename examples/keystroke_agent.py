"""A scripted keystroke agent on a seeded game, through the same API an LLM agent uses.

How to run:
    python examples/keystroke_agent.py 7

Results to expect: the first screen of seed 7 (identical on every run), then
the hero's stats after a few moves, searches and an inventory look.
"""

from __future__ import annotations

import sys

from rllib_nethack.keystrokes import Session

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
with Session(seed=seed) as session:
    first = session.reset(seed=seed)
    print("\n".join(first.screen))
    for key in ["i", "escape", "s", "s", "l", "l", "j", "s"]:
        result = session.step(key)
    stats = result.stats
    print(f"HP {stats.hp}/{stats.max_hp}  turn {stats.turn}  message: {result.message!r}")
    groups = session.commands()
    print(f"{sum(len(c) for c in groups.values())} commands in {len(groups)} groups")
