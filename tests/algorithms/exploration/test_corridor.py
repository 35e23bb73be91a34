"""The corridor of ``benchmarks/explore_corridor.py``: a task a random walk does not solve.

A one-cell-wide lit corridor with the down stairs 28 steps east of the start and
a 60-step limit. Plain APPO starts as a near-uniform policy; if that never
reaches the stairs, the +1 is never seen and only the bump penalty is left to
learn from, which is what the count bonus is for
(``tests/algorithms/exploration/test_bonus_learns.py`` learns a shorter one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rllib_nethack.envs import make_env
from rllib_nethack.testing.levels import CORRIDOR_STEPS, corridor_level


def corridor_env(tmp_path: Path, east: int, steps: int) -> Any:
    des = tmp_path / f"corridor{east}.des"
    des.write_text(corridor_level(east))
    return make_env(
        "MiniHack-Navigation-Custom-v0", env_kwargs={"des_file": str(des)}, max_episode_steps=steps
    )


@pytest.mark.parametrize("east", [12, 28])
def test_the_level_is_the_corridor_asked_for(tmp_path: Path, east: int) -> None:
    env = corridor_env(tmp_path, east, CORRIDOR_STEPS)
    try:
        env.reset(seed=0)
        nle = env.unwrapped
        tty = nle.last_observation[nle._observation_keys.index("tty_chars")]
        rows = [bytes(r).decode() for r in tty[1:22]]
    finally:
        env.close()
    # A des-file MiniHack cannot parse gives a random level without a word: check the map.
    (row,) = [r for r in rows if "@" in r]
    floor = row.strip()
    assert floor == "|@" + "." * (east - 1) + ">.|", rows
    assert sum("." in r for r in rows) == 1, rows  # one corridor, nothing else


def test_a_random_walk_does_not_reach_the_stairs(tmp_path: Path) -> None:
    env = corridor_env(tmp_path, 28, CORRIDOR_STEPS)
    rng = np.random.default_rng(0)
    reached = 0
    try:
        for episode in range(200):
            env.reset(seed=episode)
            done, total = False, 0.0
            while not done:
                _, reward, terminated, truncated, _ = env.step(int(rng.integers(8)))
                total += float(reward)
                done = terminated or truncated
            reached += total > 0
    finally:
        env.close()
    assert reached <= 2  # 28 cells at about sqrt(t)/2 cells per t steps


def test_a_corridor_needs_a_length() -> None:
    with pytest.raises(ValueError, match="east must be >= 1"):
        corridor_level(0)
