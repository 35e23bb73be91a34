"""``evaluate`` on Ray workers when the node holding them disappears mid-run.

A head with no CPU for workers and one worker node with one CPU, on 127.0.0.1
(:mod:`rllib_nethack.testing.loopback_cluster`): of the evaluation's two
workers one plays there, the other waits for room. Once the first chunk is
back (so the node's worker holds chunks), the node is killed (SIGKILL to its
process group: a preempted machine), and another node joins. The evaluation
ends normally: the lost chunks are played on the new node, one line says so,
no seed is left unplayed, and every episode is the game this process plays
from the same seed. Nothing depends on timing: the lost worker held chunks
when it died, and the evaluation waits (``worker_wait``) for the new node.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TrainingProcess, cluster_driver_env

from rllib_nethack.evaluation.parallel import evaluate_policy
from rllib_nethack.policy import load_policy
from rllib_nethack.testing.loopback_cluster import LoopbackCluster

pytestmark = pytest.mark.slow

EPISODES = 24
MAX_STEPS = 30


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
    assert "evaluation workers: 1 lost so far, 0 of 2 up; seeds " in run.out, run.out
    assert "in this process" not in run.out  # played on the new node, not here

    (directory,) = out.iterdir()
    summary = json.loads((directory / "eval.json").read_text())
    assert summary["episodes"] == EPISODES
    assert summary["unplayed_seeds"] == []
    assert summary["meta"]["workers_lost"] == 1, run.out
    with (directory / "episodes.csv").open() as f:
        played = [(int(r["seed"]), float(r["return"]), int(r["steps"])) for r in csv.DictReader(f)]

    # The same seeds played here, with no Ray: the same games.
    policy = load_policy(untrained_checkpoint, device="cpu")
    reference = evaluate_policy(
        policy, range(EPISODES), options={"max_episode_steps": MAX_STEPS}, batch=2, workers=0
    )
    assert played == [(r.seed, r.episode_return, r.steps) for r in reference.records]
