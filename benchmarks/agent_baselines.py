"""The built-in agents on the seeded suite: mean score and BALROG progression per agent.

How to run:
    python benchmarks/agent_baselines.py                          # explorer and random, seeds 0-99
    python benchmarks/agent_baselines.py --agents explorer --last 999 --max-steps 10000

Runs ``python -m rllib_nethack.agents.bench`` (2 worker processes) for each
agent over the same seeds and prints, per agent, the mean in-game score, the
mean BALROG progression (the chance that a human who got as deep / as
experienced went on to win; see rllib_nethack/agents/progression.py), the mean
deepest level and how the games ended, plus the keystrokes per second the run
managed. Files go to ``runs/bench/<agent>``.

Results to expect (seeds 0-99, max_steps 10,000, 2 workers, measured on a
shared 2-core machine under load): explorer mean score 261.5, mean
progression 2.191%, mean deepest level 2.99, 87 deaths and 13 games cut off,
~1,200 keys/s; random mean score 0.7, progression 0 (Dlvl 1: most keys open
a menu or a prompt; 23 of its games end by quitting), ~5,600 keys/s. With a
small ``--max-steps`` the explorer scores less (less time to descend).
Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from rllib_nethack.agents.bench import run_bench
from rllib_nethack.agents.settings import BenchConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", nargs="+", default=["explorer", "random"])
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--last", type=int, default=99)
    parser.add_argument("--max-steps", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for agent in args.agents:
        config = BenchConfig(agent, (args.first, args.last), args.max_steps, args.workers)
        start = time.perf_counter()
        summary = run_bench(config, progress=sys.stderr)
        seconds = time.perf_counter() - start
        steps = sum(r["steps"] or 0 for r in summary["per_episode"])
        rows.append(
            {
                "agent": agent,
                "seeds": f"{args.first}-{args.last}",
                "max_steps": args.max_steps,
                "mean_score": summary["mean_score"],
                "mean_progression_pct": round(100 * (summary["mean_progression"] or 0), 3),
                "mean_max_depth": summary["mean_max_depth"],
                "ends": summary["ends"],
                "errors": summary["errors"],
                "keys_per_s": round(steps / seconds, 1),
                "seconds": round(seconds, 1),
            }
        )
    print(
        f"{'agent':<10} {'score':>8} {'progress %':>10} {'depth':>6} {'keys/s':>8}  ends"
        f"  (seeds {args.first}-{args.last}, max_steps {args.max_steps})"
    )
    for row in rows:
        print(
            f"{row['agent']:<10} {row['mean_score']:>8.1f} {row['mean_progression_pct']:>10.3f} "
            f"{row['mean_max_depth']:>6.2f} {row['keys_per_s']:>8.0f}  {row['ends']}"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
