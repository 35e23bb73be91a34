"""``cluster=local`` always starts its own Ray instance on loopback.

A bare ``ray.init()`` joins whatever ``RAY_ADDRESS`` or the address file
(``$RAY_TMPDIR/ray/ray_current_cluster``) names: a dead address hangs the run,
a live cluster takes the run off loopback. Each test points both at a dead or
a live cluster in a Ray temp directory of its own (short: Ray's socket paths
must fit in 107 characters) and checks that a local start gets an instance of
its own (against the live cluster, a whole run that trains on it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from commands import SMOKE, run_command, run_program

ONE_ITERATION = (*SMOKE, "stop.iterations=1")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ray_tmp(short_dirs: Callable[[str], Path]) -> Path:
    """A short private ``RAY_TMPDIR``; Ray keeps its sessions in ``<it>/ray``."""
    path = short_dirs("rnf")
    (path / "ray").mkdir()
    return path


def processes_mentioning(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (the ones a test started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def stop_cluster(temp_dir: Path) -> None:
    """Stop the processes of the ``ray start`` with this temp dir (never a global `ray stop`)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes_mentioning(str(temp_dir)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 15
        while processes_mentioning(str(temp_dir)) and time.monotonic() < deadline:
            time.sleep(0.5)


def sessions(temp_dir: Path) -> set[Path]:
    return set(temp_dir.glob("session_2*"))


@pytest.mark.parametrize("pointer", ["address file", "RAY_ADDRESS"])
def test_a_dead_cluster_is_not_joined(tmp_path: Path, ray_tmp: Path, pointer: str) -> None:
    # Ray's start-up alone (a whole run, with a live cluster, is the test below).
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    env = {"RAY_TMPDIR": str(ray_tmp)}
    if pointer == "address file":
        (ray_tmp / "ray" / "ray_current_cluster").write_text(dead)
    else:
        env["RAY_ADDRESS"] = dead
    done = run_program("local_ray_start", cwd=tmp_path, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    address = done.stdout.strip().splitlines()[-1]
    assert address.startswith("127.0.0.1:") and address != dead
    assert "Failed to connect" not in done.stderr
    assert len(sessions(ray_tmp / "ray")) == 1  # an instance of its own, where RAY_TMPDIR says


def test_a_live_cluster_is_not_joined(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path, ray_tmp: Path
) -> None:
    cluster_dir = ray_tmp / "ray"
    port = free_port()
    env = {
        "RAY_TMPDIR": str(ray_tmp),
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # this test's cluster stays on loopback too
    }
    try:
        started = run_command(
            "ray.scripts.scripts",
            "start",
            "--head",
            f"--port={port}",
            f"--temp-dir={cluster_dir}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=1",
            "--include-dashboard=false",
            "--disable-usage-stats",
            env=env,
            timeout=180,
        )
        assert started.returncode == 0, started.stderr[-3000:]
        assert (cluster_dir / "ray_current_cluster").read_text().strip().endswith(f":{port}")
        (cluster_session,) = sessions(cluster_dir)

        run_env = {"RAY_TMPDIR": str(ray_tmp), "RAY_ADDRESS": f"127.0.0.1:{port}"}
        done = cli(*ONE_ITERATION, "experiment.run_dir=run", cwd=tmp_path, env=run_env)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "stopped by iterations after 1 iterations" in done.stdout
        # No driver ever connected to the cluster; the run had a session of its own.
        drivers = list((cluster_session / "logs").glob("python-core-driver-*"))
        assert drivers == []
        assert len(sessions(cluster_dir) - {cluster_session}) == 1
    finally:
        stop_cluster(cluster_dir)
