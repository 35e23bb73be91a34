"""Record the scripted explorer's games, clone it with BC, and play the clone.

How to run:
    python examples/clone_explorer.py                  # 40 games of 2,000 keys, 200k frames
    python examples/clone_explorer.py 200 5000 2000000
    python examples/clone_explorer.py 1 50 100 debug=smoke   # more overrides: a quick try

Results to expect (2 CPUs): recording takes about 1 s per 1,000 keys; BC trains
at about 1,000-1,500 frames/s with the default 32 x 32 batches, and its action
accuracy rises above the 1/121 of a uniform policy within the first iterations.
How much of the explorer's score the clone keeps depends on how many games it
saw (the issue's measure: 1,000 games, 50% of the explorer's mean score).
"""

from __future__ import annotations

import sys

from rllib_nethack.agents.record import run_record
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.config import compose_config
from rllib_nethack.training.trainer import train


def main() -> None:
    games = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    max_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    frames = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
    demos = "runs/demos/explorer"

    run_record(BenchConfig("explorer", (0, games - 1), max_steps, 2, demos), progress=sys.stderr)
    cfg = compose_config(
        [
            "+task=challenge",
            "algo=bc",
            "model=chaotic_dwarf_tty",
            f"dataset.path={demos}",
            f"stop.env_steps={frames}",
            *sys.argv[4:],  # any further key=value settings, as the run command takes them
        ]
    )
    summary = train(cfg)
    print(f"run directory {summary.run_dir}")
    print("play it: python -m rllib_nethack.evaluate", summary.run_dir, "episodes=8 max_steps=5000")


if __name__ == "__main__":  # the recording workers are processes that import this file
    main()
