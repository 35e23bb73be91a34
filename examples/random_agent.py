"""A random agent on any task, printing NetHack's end-of-episode statistics.

How to run:
    python examples/random_agent.py challenge 3
    python examples/random_agent.py MiniHack-River-v0 5

Results to expect: one line per episode with its return, score, turns, deepest
level and how it ended ("death: killed by a jackal", "truncated", "success").
"""

from __future__ import annotations

import sys

import rllib_nethack

task = sys.argv[1] if len(sys.argv) > 1 else "challenge"
episodes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
env = rllib_nethack.make_env(task, max_episode_steps=5000)
env.action_space.seed(0)
obs, info = env.reset(seed=0)
for episode in range(episodes):
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total += float(reward)
        done = terminated or truncated
    stats, end = info["episode_stats"], info["episode_end"]
    cause = f": {end['death_cause']}" if end["death_cause"] else ""
    print(
        f"episode {episode}: return {total:.2f}, score {stats['score']:.0f}, "
        f"turns {stats['turns']:.0f}, max depth {stats['max_depth']:.0f}, "
        f"{end['end_reason']}{cause}"
    )
    obs, info = env.reset()
env.close()
