"""The corridor of ``benchmarks/explore_corridor.py``: a task a random walk rarely solves.

A one-cell-wide lit corridor with the down stairs 28 steps east of the start and
a 60-step limit. Plain APPO starts as a near-uniform policy; if that almost
never reaches the stairs, the +1 is too rare to follow and only the bump
penalty is left to learn from, which is what the count bonus is for. Whether
APPO with ``explore=count`` then learns it is measured by the benchmark (it is
minutes of training and varies from run to run: too long and too noisy for a test).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rllib_nethack.envs import make_env
from rllib_nethack.testing.levels import CORRIDOR, CORRIDOR_STEPS


def test_a_random_walk_rarely_reaches_the_stairs(tmp_path: Path) -> None:
    des = tmp_path / "corridor.des"
    des.write_text(CORRIDOR)
    env = make_env(
        "MiniHack-Navigation-Custom-v0",
        env_kwargs={"des_file": str(des)},
        max_episode_steps=CORRIDOR_STEPS,
    )
    rng = np.random.default_rng(0)
    reached = 0
    try:
        for episode in range(200):
            env.reset(seed=episode)
            done, total = False, 0.0
            while not done:
                _, reward, terminated, truncated, _ = env.step(
                    int(rng.integers(env.action_space.n))
                )
                total += float(reward)
                done = terminated or truncated
            reached += total > 0
    finally:
        env.close()
    assert reached <= 10  # 4 of 200 with these seeds
