"""The embedded Ray instance listens on loopback only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

LISTEN = "0A"


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def listening_addresses(pids: list[int]) -> list[str]:
    """Local addresses of the TCP sockets these processes listen on (hex, as /proc has them)."""
    inodes = set().union(*(socket_inodes(pid) for pid in pids))
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == LISTEN and fields[9] in inodes:
                found.append(fields[1].split(":")[0])
    return found


IPV4_LOOPBACK = "0100007F"
IPV6_MAPPED_LOOPBACK = "0000000000000000FFFF00000100007F"
IPV6_LOOPBACK = "00000000000000000000000001000000"


def test_ray_services_listen_on_loopback_only(ray_local: Any) -> None:
    node = ray_local._private.worker._global_node
    pids = [
        info.process.pid
        for infos in node.all_processes.values()
        for info in infos
        if info.process is not None
    ]
    assert pids, "no Ray processes found"
    addresses = listening_addresses(pids)
    assert addresses, "Ray processes listen on nothing?"
    assert set(addresses) <= {IPV4_LOOPBACK, IPV6_MAPPED_LOOPBACK, IPV6_LOOPBACK}, addresses
    assert {n["NodeManagerAddress"] for n in ray_local.nodes()} == {"127.0.0.1"}


def test_workers_started_later_listen_on_loopback_too(ray_local: Any) -> None:
    # Workers start after init_ray has undone its single-machine setting in
    # this process; they inherit it from the raylet, which read it at start.
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in os.environ

    @ray_local.remote
    class Probe:
        def pid(self) -> int:
            return os.getpid()

    probe = Probe.remote()  # type: ignore[attr-defined]
    pid = ray_local.get(probe.pid.remote())
    addresses = listening_addresses([pid])
    assert addresses, "a Ray worker listens on nothing?"
    assert set(addresses) <= {IPV4_LOOPBACK, IPV6_MAPPED_LOOPBACK, IPV6_LOOPBACK}, addresses
    ray_local.kill(probe)
