"""Train APPO on a MiniHack task from Python, with the packaged configs.

How to run:
    python examples/train_minihack.py                       # MiniHack-Room-5x5, 150k env steps
    python examples/train_minihack.py corridor_r2 1000000
    python examples/train_minihack.py room5x5 200 debug=smoke   # more overrides: a quick try

Results to expect (2 CPUs): on Room-5x5 the mean return climbs from about 0.5
(random walk) to 0.9 within roughly 120k env steps (about 6 minutes); the run
directory under ./runs holds progress.csv, TensorBoard files, the learning
curve and a final checkpoint.
"""

from __future__ import annotations

import sys

from rllib_nethack.config import compose_config
from rllib_nethack.training.trainer import train

task = sys.argv[1] if len(sys.argv) > 1 else "room5x5"
env_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 150_000
overrides = sys.argv[3:]  # any further key=value settings, as the run command takes them
cfg = compose_config([f"+task={task}", f"stop.env_steps={env_steps}", *overrides])
summary = train(cfg)
print(f"final mean return {summary.last.return_mean:.3f}" if summary.last else "no iteration ran")
