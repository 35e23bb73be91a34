"""Ray Jobs on a real head started like the single-machine recipe in docs/clusters.md.

The head runs in its own temp dir with its own ports and token; the jobs run
``python -m rllib_nethack.run ... cluster=remote`` with no ``runtime_env``: the
package reaches the driver and the env-runner workers because it is installed
in the node's environment (the choice docs/clusters.md explains).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from commands import PROGRAMS

from rllib_nethack.testing.loopback_cluster import LoopbackCluster, auth_env

pytest.importorskip("ray.job_submission", reason='needs "rllib-nethack[cluster]"')
pytest.importorskip("aiohttp", reason='needs "rllib-nethack[cluster]"')

pytestmark = pytest.mark.slow

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _listening_inodes() -> dict[str, str]:
    """Socket inode -> local address of every listening TCP socket (/proc/net/tcp{,6})."""
    found: dict[str, str] = {}
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] != "0A":  # LISTEN
                continue
            hex_ip = cols[1].split(":")[0]
            assert len(hex_ip) == width
            found[cols[9]] = _decode_ip(hex_ip)
    return found


def _decode_ip(hex_ip: str) -> str:
    """/proc/net's little-endian-per-word hex address as text."""
    import ipaddress

    raw = b"".join(bytes.fromhex(hex_ip[i : i + 8])[::-1] for i in range(0, len(hex_ip), 8))
    ip = ipaddress.ip_address(raw)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def _listening_addresses_of(groups: list[int]) -> list[str]:
    """Local addresses of the sockets that processes in ``groups`` listen on."""
    inodes = _listening_inodes()
    addresses = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            pgid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
            if pgid not in groups:
                continue
            for fd in (proc / "fd").iterdir():
                target = str(fd.readlink())
                if target.startswith("socket:["):
                    inode = target[8:-1]
                    if inode in inodes:
                        addresses.append(inodes[inode])
        except OSError:
            continue
    return addresses


@pytest.fixture(scope="module")
def head(short_dirs: Callable[[str], Path]) -> Iterator[LoopbackCluster]:
    cluster = LoopbackCluster(short_dirs("rnj"), head_cpus=2)
    try:
        yield cluster.start_head()
    finally:
        cluster.stop()


# The client runs in a fresh process, as a user's would: Ray reads RAY_AUTH_MODE
# and the token once per process, so this one (which may have used Ray already)
# cannot switch to the head's token.


def _run_job(
    head: LoopbackCluster, entrypoint: str, token: str | None = None, timeout_s: float = 600
) -> subprocess.CompletedProcess[str]:
    """Submit ``entrypoint`` with JobSubmissionClient and wait until it ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(auth_env(token or head.token))
    # Not run_program: its env adds to ours, and this one must lose our RAY_ variables.
    client = PROGRAMS / "submit_job.py"
    return subprocess.run(
        [sys.executable, client, head.dashboard_url, entrypoint, str(timeout_s)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s + 120,
    )


def _finished(proc: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["status"], result["logs"]


def test_head_listens_on_loopback_only(head: LoopbackCluster) -> None:
    addresses = _listening_addresses_of(head.process_groups)
    assert addresses, "found no listening socket of the head's processes"
    assert set(addresses) <= LOOPBACK, addresses


def test_client_without_the_token_is_refused(head: LoopbackCluster) -> None:
    proc = _run_job(head, "echo never", token="0" * 64, timeout_s=30)
    assert proc.returncode != 0
    assert "Unauthorized" in proc.stderr or "invalid" in proc.stderr.lower(), proc.stderr


def test_smoke_run_job_succeeds_with_checkpoint(head: LoopbackCluster, tmp_path: Path) -> None:
    root = tmp_path / "runs"
    status, logs = _finished(
        _run_job(
            head,
            "python -m rllib_nethack.run +task=room5x5 cluster=remote debug=smoke "
            f"cluster.rllib.num_env_runners=1 experiment.root_dir={root} experiment.name=job",
        )
    )
    assert status == "SUCCEEDED", logs
    assert "stopped by iterations after 2 iterations" in logs
    (run_dir,) = (root / "job").iterdir()
    checkpoints = sorted((run_dir / "checkpoints").iterdir())
    assert checkpoints and (checkpoints[-1] / "rllib_checkpoint.json").is_file()
    assert f"checkpoint {checkpoints[-1]}" in logs
    assert (run_dir / "progress.csv").read_text().count("\n") == 3  # header + 2 iterations


def test_unknown_task_job_fails_with_one_line_error(head: LoopbackCluster) -> None:
    status, logs = _finished(
        _run_job(
            head,
            "python -m rllib_nethack.run +task=room5x6 cluster=remote debug=smoke",
            timeout_s=300,
        )
    )
    assert status == "FAILED"
    errors = [line for line in logs.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "unknown task 'room5x6'" in errors[0], logs
    assert "Traceback" not in logs
