"""Small MiniHack levels for tests and benchmarks that must show exploration at work."""

from __future__ import annotations

from pathlib import Path

#: A one-cell-wide lit corridor with the down stairs 28 steps east of the start:
#: with a 60-step limit a random walk (most of its moves bump into the walls)
#: rarely gets there (4 of 200 episodes in the tests), so without an exploration
#: bonus the reward to follow is almost only the bump penalty. MiniHack compiles a
#: custom level only under the name ``mylevel`` (any other name gives a random level).
CORRIDOR = """\\
MAZE: "mylevel", ' '
FLAGS:hardfloor
INIT_MAP: solidfill,' '
GEOMETRY:center,center
MAP
--------------------------------
|..............................|
--------------------------------
ENDMAP
REGION:(0,0,31,2),lit,"ordinary"
BRANCH:(1,1,1,1),(0,0,0,0)
STAIR:(29,1),down
"""
#: The step limit that goes with :data:`CORRIDOR`.
CORRIDOR_STEPS = 60


def corridor_overrides(directory: Path) -> list[str]:
    """Run-config overrides for the corridor task (its level file written into ``directory``)."""
    des = directory / "corridor.des"
    des.write_text(CORRIDOR)
    return [
        "+task=MiniHack-Navigation-Custom-v0",
        f"+task.options.env_kwargs.des_file={des}",
        f"task.options.max_episode_steps={CORRIDOR_STEPS}",
    ]
