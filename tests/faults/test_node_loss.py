"""A worker node holding an env runner disappears mid-run, then a node joins again.

Two nodes on 127.0.0.1 (:mod:`rllib_nethack.testing.loopback_cluster`), each with
one ``sampler`` resource, so that each holds one of the run's two env runners.
The worker node is killed (SIGKILL to its process group: a preempted machine);
the run goes on with the head's runner and says so in one line; a new node
joins and the lost runner comes back (another line). No exception reaches the
user and the run ends as SIGTERM asks, with its final checkpoint.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from conftest import TrainingProcess, cluster_driver_env

from rllib_nethack.testing.loopback_cluster import LoopbackCluster

pytestmark = pytest.mark.slow

SAMPLER = '{"sampler": 1}'
ITERATION = r"^iter\s+\d+"


@pytest.fixture
def cluster(loopback_cluster: Callable[..., LoopbackCluster]) -> LoopbackCluster:
    return loopback_cluster(head_cpus=1, head_resources=SAMPLER)


@pytest.mark.slow(seconds=200)
def test_training_survives_a_lost_node_and_restores_its_runner(
    cluster: LoopbackCluster, spawn: Callable[..., TrainingProcess]
) -> None:
    worker = cluster.add_worker(num_cpus=1, resources=SAMPLER)
    run = spawn(
        "+task=room5x5",
        "debug=smoke",
        "cluster=remote",
        f"cluster.address={cluster.address}",
        "cluster.torch_threads=1",
        "cluster.rllib.num_env_runners=2",
        "+cluster.rllib.custom_resources_per_env_runner={sampler: 1}",
        "cluster.rllib.env_runner_health_probe_timeout_s=1",
        "cluster.rllib.delay_between_env_runner_restarts_s=0",
        "stop.iterations=100000",
        "experiment.checkpoint_every=0",
        "experiment.tensorboard=false",
        "experiment.plot=false",
        # This driver joins a head that listens on loopback only, with its token.
        env=cluster_driver_env(cluster),
    )
    run.wait_for(ITERATION, timeout=240)

    cluster.kill_node(worker)
    lost = run.wait_for(r"^env runners: lost", timeout=180)
    assert "lost 1 of 2 (1 healthy)" in lost
    run.wait_for(ITERATION, timeout=120)  # training goes on with the head's runner
    run.wait_for(ITERATION, timeout=120)

    cluster.add_worker(num_cpus=1, resources=SAMPLER)
    restored = run.wait_for(r"^env runners: .*restored", timeout=240)
    assert "1 restored (2 of 2 healthy)" in restored
    run.wait_for(ITERATION, timeout=120)

    run.send(signal.SIGTERM)
    assert run.finish(timeout=180) == 143, run.err[-3000:]  # SIGTERM's exit status
    assert "Traceback" not in run.out + run.err
    assert "stopped by SIGTERM" in run.out, run.out[-3000:]
    assert run.out.count("env runners: ") == 2, run.out[-3000:]
