"""A multi-process Ray cluster on this machine, bound to loopback: for tests and benchmarks.

``ray start --head --node-ip-address 127.0.0.1`` alone does not keep a head on
loopback: Ray turns 127.0.0.1 into the machine's routable address and its gRPC
servers listen there. Ray's single-machine mode
(``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` in the environment of ``ray start``)
keeps every server on 127.0.0.1 (see :mod:`rllib_nethack.runs.ray_start`).
That mode refuses ``ray start --address`` (a second node) and, switched off,
Ray rewrites the head's 127.0.0.1 into the routable address the head does not
listen on. So a worker node here runs ``ray start`` in single-machine mode
through :data:`_WORKER_START`, which lifts only the CLI's refusal.

Each cluster has its own temp directory, its own ports and its own token
(``RAY_AUTH_MODE=token`` + ``RAY_AUTH_TOKEN``), so it never touches
``~/.ray/auth_token`` or another user's Ray. Every node is started in a new
process session, and :meth:`LoopbackCluster.stop` signals exactly those
process groups: never a global ``ray stop``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rllib_nethack.runs.ray_start import SINGLE_MACHINE_ENV

LOOPBACK_IP = "127.0.0.1"

# `ray start` for a worker node, with only the CLI's "multi-node clusters are
# not supported" check seeing cluster mode on; every address lookup (Ray's
# services module) keeps single-machine mode, so the node joins and listens on
# 127.0.0.1. For one machine only: real clusters run plain `ray start`.
_WORKER_START = """
import sys, types
from ray._private import ray_constants
import ray.scripts.scripts as scripts
view = types.ModuleType("ray_constants_view")
view.__dict__.update(vars(ray_constants))
view.ENABLE_RAY_CLUSTER = True
scripts.ray_constants = view
sys.argv[0] = "ray"
scripts.main()
"""


def free_port() -> int:
    """A TCP port free on loopback now (Ray binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK_IP, 0))
        return int(s.getsockname()[1])


def auth_env(token: str) -> dict[str, str]:
    """The environment that makes a Ray process (node, driver or client) use ``token``."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}


@dataclass
class LoopbackCluster:
    """A Ray head (and optional worker nodes) on 127.0.0.1, with token authentication.

    Use as a context manager; the nodes' Python is this interpreter's, so the
    package reaches every worker the way it does on a real cluster: installed in
    the node's environment.
    """

    temp_dir: Path
    head_cpus: int = 1
    #: Ray's JSON of the head's custom resources, e.g. '{"sampler": 1}'.
    head_resources: str | None = None
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    gcs_port: int = field(default_factory=free_port)
    dashboard_port: int = field(default_factory=free_port)
    process_groups: list[int] = field(default_factory=list)

    @property
    def address(self) -> str:
        """The GCS address (``ray.init(address=...)``, ``ray start --address``)."""
        return f"{LOOPBACK_IP}:{self.gcs_port}"

    @property
    def dashboard_url(self) -> str:
        """The Jobs API address (``JobSubmissionClient``, ``ray job submit --address``)."""
        return f"http://{LOOPBACK_IP}:{self.dashboard_port}"

    def node_env(self) -> dict[str, str]:
        """The environment of ``ray start``: token on, the venv's ``python`` first on PATH."""
        env = dict(os.environ)
        env.update(auth_env(self.token))
        env[SINGLE_MACHINE_ENV] = "0"  # loopback only (see the module docstring)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.pop("RAY_ADDRESS", None)
        return env

    def _ray_start(self, args: list[str], env: Mapping[str, str], worker: bool = False) -> int:
        launcher = ["-c", _WORKER_START] if worker else ["-m", "ray.scripts.scripts"]
        command = [sys.executable, *launcher, "start", *args]
        # A new session: the node's daemons inherit its process group, which
        # stop() signals, and nothing else.
        proc = subprocess.Popen(
            command,
            env=dict(env),
            cwd=self.temp_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.process_groups.append(proc.pid)
        output, _ = proc.communicate(timeout=180)
        if proc.returncode != 0:
            raise RuntimeError(f"ray start {' '.join(args)} failed:\n{output}")
        return proc.pid

    def start_head(self) -> LoopbackCluster:
        """Start the head node (GCS, dashboard with the Jobs API, a raylet)."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self._ray_start(
            [
                "--head",
                f"--node-ip-address={LOOPBACK_IP}",
                f"--port={self.gcs_port}",
                "--include-dashboard=true",
                f"--dashboard-host={LOOPBACK_IP}",
                f"--dashboard-port={self.dashboard_port}",
                f"--dashboard-agent-listen-port={free_port()}",
                f"--ray-client-server-port={free_port()}",
                f"--num-cpus={self.head_cpus}",
                "--num-gpus=0",
                f"--temp-dir={self.temp_dir / 'ray'}",
                "--disable-usage-stats",
                *([f"--resources={self.head_resources}"] if self.head_resources else []),
            ],
            self.node_env(),
        )
        return self

    def add_worker(self, num_cpus: int, resources: str | None = None) -> int:
        """Join a worker node on loopback (``resources``: Ray's JSON, e.g. '{"sampler": 1}');
        its process group, for :meth:`kill_node`."""
        args = [
            f"--address={self.address}",
            f"--node-ip-address={LOOPBACK_IP}",
            f"--num-cpus={num_cpus}",
            "--num-gpus=0",
            f"--dashboard-agent-listen-port={free_port()}",
            "--disable-usage-stats",
        ]
        if resources:
            args.append(f"--resources={resources}")
        return self._ray_start(args, self.node_env(), worker=True)

    def kill_node(self, group: int, grace_s: float = 10.0) -> None:
        """End one worker node at once (SIGKILL to its process group), as a
        preempted machine disappears: no goodbye to the head, whose health
        checks find it gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and _group_alive(group):
            time.sleep(0.2)
        self.process_groups.remove(group)

    def stop(self, grace_s: float = 10.0) -> None:
        """End every process the nodes started (their process groups), and nothing else."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for group in self.process_groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, sig)
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline and any(map(_group_alive, self.process_groups)):
                time.sleep(0.2)
        self.process_groups.clear()

    def __enter__(self) -> LoopbackCluster:
        return self.start_head()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _group_alive(group: int) -> bool:
    """Whether any live (not zombie) process is left in a process group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False
