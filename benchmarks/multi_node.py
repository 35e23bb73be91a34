"""Two Ray nodes on one machine: env runners on a worker node vs. a single-node run.

How to run (needs ``pip install "rllib-nethack[cluster]"``):
    python benchmarks/multi_node.py                       # room5x5, 1 minute per run
    python benchmarks/multi_node.py --task challenge --minutes 3 --env-runners 2 --envs 16

First the usual single-node run (``cluster=local``, an embedded Ray instance).
Then a head node and a worker node are started on 127.0.0.1 (each in its own
process group, own temp dir and ports, token authentication on); the head gets
no CPUs, so every env runner is placed on the worker node, and the driver (with
the learner) joins the head as a job does (``cluster=remote``). Both print
progress lines; at the end, env steps/s after the first iteration, for each.

Measured (2 shared, busy cores, 22 Nov 2026; noisy): single node 146 env steps/s,
env runners on the worker node 272 (1.87x) with `--minutes 1`. Most of that gap
is the driver's torch threads (`cluster=local` sets 1, `cluster=remote` leaves
torch's default) and the load from other processes, not the second node.

Results to expect: on one machine the two-node run can only be as fast as the
single-node one (same cores; object transfers go through the worker's object
store instead of shared memory), so a ratio near 1.0 says the cluster path adds
little overhead. The point is that it trains with its env runners on another
node; scaling figures need real machines (docs/clusters.md: "Scaling to 100 nodes").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
from pathlib import Path


def rate(rows: list[dict[str, float]]) -> float:
    """Env steps/s after the first iteration (start-up and warm-up excluded)."""
    first, last = rows[0], rows[-1]
    seconds = last["time_s"] - first["time_s"]
    return (last["env_steps"] - first["env_steps"]) / seconds if seconds > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="room5x5")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--env-runners", type=int, default=2)
    parser.add_argument("--envs", type=int, default=8)
    args = parser.parse_args()
    # Read by Ray once per process, so set before anything imports Ray: this
    # driver joins a head that listens on 127.0.0.1 only (in Ray's cluster mode
    # it would rewrite that address into the machine's routable one), with the
    # token the head starts with (the single-node run uses it too).
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    token = secrets.token_hex(32)
    os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token})
    from training_run import train_in_scratch_dir

    from rllib_nethack.testing.loopback_cluster import LoopbackCluster

    common = [
        f"+task={args.task}",
        f"cluster.rllib.num_env_runners={args.env_runners}",
        f"cluster.rllib.num_envs_per_env_runner={args.envs}",
        f"stop.minutes={args.minutes}",
        "experiment.plot=false",
        "experiment.tensorboard=false",
    ]
    print("--- single node (cluster=local) ---", flush=True)
    _, single_rows = train_in_scratch_dir([*common, f"cluster.num_cpus={args.env_runners}"])

    print("--- head + worker node on 127.0.0.1 (cluster=remote) ---", flush=True)
    with tempfile.TemporaryDirectory(prefix="rnh-multi-node-") as tmp:
        cluster = LoopbackCluster(Path(tmp), head_cpus=0, token=token)
        with cluster:
            cluster.add_worker(num_cpus=args.env_runners)
            _, multi_rows = train_in_scratch_dir(
                [*common, "cluster=remote", f"cluster.address={cluster.address}"]
            )
    single, multi = rate(single_rows), rate(multi_rows)
    print(f"\nsingle node:            {single:,.0f} env steps/s")
    print(f"env runners on worker:  {multi:,.0f} env steps/s ({multi / single:.2f}x)")
    print(
        json.dumps(
            {
                "benchmark": "multi_node",
                "task": args.task,
                "env_runners": args.env_runners,
                "envs_per_runner": args.envs,
                "single_node_env_steps_per_s": round(single, 1),
                "two_node_env_steps_per_s": round(multi, 1),
                "ratio": round(multi / single, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
