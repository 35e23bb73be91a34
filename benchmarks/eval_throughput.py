"""Evaluation throughput: episodes/s and env steps/s of ``evaluate`` with Ray workers.

How to run:
    python benchmarks/eval_throughput.py                       # Room-5x5 and challenge, 2 workers
    python benchmarks/eval_throughput.py --workers 2 --batch 1 4 8 --challenge-steps 2000

Each task gets an untrained model of its default architecture (MiniHack: the
1.5M-parameter minihack model; challenge: chaotic_dwarf, 6.6M), saved as a
checkpoint the way training saves one, then the same code path as
``python -m rllib_nethack.evaluate`` plays seeded episodes on ``--workers``
Ray workers (one CPU each), each stepping ``--batch`` envs through one
batched forward pass per step. Challenge episodes are capped
(``--challenge-steps``), so its figure is steady-state play. The clock runs
from the first chunk sent to the last record back (workers already built).

Results to expect: a table of episodes/s and steps/s per task and batch size,
and one JSON line. On 2 shared CPU cores, challenge is bound by the model's
forward pass (larger batches help), Room-5x5 by NLE's steps and resets.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def measure(
    checkpoint: Path, episodes: int, workers: int, batch: int, max_steps: int | None
) -> dict[str, Any]:
    from rllib_nethack.evaluation import evaluate_policy
    from rllib_nethack.policy import load_policy

    policy = load_policy(checkpoint)
    options = {"max_episode_steps": max_steps} if max_steps else {}
    clock = time.perf_counter()
    records = evaluate_policy(
        policy, list(range(episodes)), options=options, batch=batch, workers=workers
    ).records
    seconds = time.perf_counter() - clock
    steps = sum(r.steps for r in records)
    return {
        "task": policy.task,
        "workers": workers,
        "batch": batch,
        "episodes": len(records),
        "steps": steps,
        "seconds": round(seconds, 2),
        "episodes_per_s": round(len(records) / seconds, 2),
        "steps_per_s": round(steps / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--room-episodes", type=int, default=64)
    parser.add_argument("--challenge-episodes", type=int, default=8)
    parser.add_argument("--challenge-steps", type=int, default=1000)
    args = parser.parse_args()

    import ray

    from rllib_nethack.config import compose_config
    from rllib_nethack.runs.ray_start import init_ray
    from rllib_nethack.testing.untrained import write_untrained_checkpoint

    runs = [
        ("room5x5", args.room_episodes, None),
        ("challenge", args.challenge_episodes, args.challenge_steps),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        init_ray(compose_config([f"cluster.num_cpus={args.workers}"]).cluster)
        try:
            for task, episodes, cap in runs:
                checkpoint = write_untrained_checkpoint(
                    Path(tmp) / task / "checkpoints" / "iter_000000", [f"+task={task}"]
                )
                for batch in args.batch:
                    rows.append(measure(checkpoint, episodes, args.workers, batch, cap))
                    r = rows[-1]
                    print(
                        f"{r['task']:<24} workers {r['workers']} batch {r['batch']:>2} | "
                        f"{r['episodes']:>4} episodes {r['steps']:>7} steps "
                        f"in {r['seconds']:>6} s | "
                        f"{r['episodes_per_s']:>7} episodes/s | {r['steps_per_s']:>8} steps/s",
                        flush=True,
                    )
        finally:
            ray.shutdown()
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
