"""``evaluate`` on Ray workers when the node holding them disappears mid-run.

A head with no CPU for workers and one worker node with one CPU, on 127.0.0.1
(:mod:`rllib_nethack.testing.loopback_cluster`): of the evaluation's two
workers one plays there, the other waits for room. Once the first chunk is
back (so the node's worker holds chunks), the node is killed (SIGKILL to its
process group: a preempted machine), and another node joins. The evaluation
ends normally: the lost chunks are played on the new node, one line says so,
no seed is left unplayed, and each seed played again is the game this process
plays from that seed. No timed assertion: the evaluation waits
(``worker_wait``) for the new node, and with 300-step episodes the killed
worker still holds chunks when it dies.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TrainingProcess, cluster_driver_env

from rllib_nethack.evaluation.parallel import evaluate_policy
from rllib_nethack.policy import load_policy
from rllib_nethack.testing.loopback_cluster import LoopbackCluster

pytestmark = pytest.mark.slow

EPISODES = 16
#: Long enough that the node's worker is still playing when it is killed (the
#: untrained greedy policy plays to the step cap).
MAX_STEPS = 300


def test_evaluate_plays_a_lost_nodes_seeds_on_a_new_node(
    loopback_cluster: Callable[..., LoopbackCluster],
    spawn: Callable[..., TrainingProcess],
    untrained_checkpoint: Path,
    tmp_path: Path,
) -> None:
    cluster = loopback_cluster(head_cpus=0)
    node = cluster.add_worker(num_cpus=1)
    out = tmp_path / "eval"
    run = spawn(
        str(untrained_checkpoint),
        f"episodes={EPISODES}",
        f"max_steps={MAX_STEPS}",
        "workers=2",
        "batch=2",
        "cluster=remote",
        "worker_wait=300",
        f"out={out}",
        module="rllib_nethack.evaluate",
        env=cluster_driver_env(cluster),
    )
    run.wait_for(rf" \d+/{EPISODES} episodes", timeout=180, stderr=True)  # a first chunk back
    cluster.kill_node(node)
    cluster.add_worker(num_cpus=1)
    assert run.finish(timeout=240) == 0, run.err[-3000:]
    assert "Traceback" not in run.out + run.err, run.err[-3000:]
    lost = re.search(r"evaluation workers: 1 lost so far, 0 of 2 up; seeds (\d+)-(\d+) ", run.out)
    assert lost is not None, run.out
    assert "in this process" not in run.out  # played on the new node, not here

    (directory,) = out.iterdir()
    summary = json.loads((directory / "eval.json").read_text())
    assert summary["episodes"] == EPISODES
    assert summary["unplayed_seeds"] == []
    assert summary["meta"]["workers_lost"] == 1, run.out
    with (directory / "episodes.csv").open() as f:
        played = [(int(r["seed"]), float(r["return"]), int(r["steps"])) for r in csv.DictReader(f)]
    assert [seed for seed, _, _ in played] == list(range(EPISODES))

    # The seeds played again, played here with no Ray: the same games.
    replayed = range(int(lost[1]), int(lost[2]) + 1)
    policy = load_policy(untrained_checkpoint, device="cpu")
    reference = evaluate_policy(
        policy, replayed, options={"max_episode_steps": MAX_STEPS}, batch=2, workers=0
    )
    assert [played[seed] for seed in replayed] == [
        (r.seed, r.episode_return, r.steps) for r in reference.records
    ]
