"""Helpers for the fault suite: real training processes, real signals, real files.

``spawn(*args)`` starts ``python -m rllib_nethack.run ARGS`` (or another of our
modules) in its own process group with its stdout and stderr read line by line,
so that a test can wait for a line, then signal, kill or starve the process,
and read what it printed afterwards. Every process started is killed (with its
process group) when the test ends. ``loopback_cluster(...)`` starts a Ray head
on 127.0.0.1 (:mod:`rllib_nethack.testing.loopback_cluster`) that is stopped
when the test ends, for the node-loss tests.
"""

from __future__ import annotations

import os
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from commands import run_cli

from rllib_nethack import RllibNethackError
from rllib_nethack.runs.ray_start import SINGLE_MACHINE_ENV
from rllib_nethack.testing.loopback_cluster import LoopbackCluster, auth_env


class TrainingProcess:
    """A ``python -m rllib_nethack.run`` (or ``module``) subprocess whose output is watched.

    Args:
        args: The command-line arguments.
        cwd: Where it runs (relative run directories go there).
        env: Extra environment variables.
        close_stdout_after: Stop reading stdout, and close the pipe, after the
            first line matching this pattern (the reader of ``run | head`` leaving).
        prefix: A command the run goes under (``("timeout", "-s", "TERM", "600")``).
        module: The module run (``rllib_nethack.evaluate``).
    """

    def __init__(
        self,
        args: tuple[str, ...],
        cwd: Path,
        env: dict[str, str] | None = None,
        close_stdout_after: str | None = None,
        prefix: tuple[str, ...] = (),
        module: str = "rllib_nethack.run",
    ) -> None:
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", module, *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.error_lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(close_stdout_after,), daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self, close_after: str | None) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout.append(line)
            self.lines.put(line)
            if close_after is not None and re.search(close_after, line):
                self.proc.stdout.close()
                return

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.error_lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 300, stderr: bool = False) -> str:
        """The first stdout (or stderr) line, not yet waited for, that matches ``pattern``."""
        lines = self.error_lines if stderr else self.lines
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None and lines.empty():
                    break
                continue
            if re.search(pattern, line):
                return line
        raise AssertionError(
            f"no line matching {pattern!r}; exit status {self.proc.poll()}\n"
            f"stdout:\n{''.join(self.stdout)[-3000:]}\nstderr:\n{''.join(self.stderr)[-3000:]}"
        )

    def send(self, sig: int, group: bool = False) -> None:
        """Send ``sig`` to the process (or to its whole process group, as a terminal does)."""
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)

    def finish(self, timeout: float = 300) -> int:
        """Wait for the exit; the exit status (negative: killed by that signal).

        A process still running after ``timeout`` is killed, and the failure
        shows where its threads were (``py-spy dump``, which Ray's ``default``
        extra brings) and what it printed: a hang in CI names its place.
        """
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stacks = _thread_stacks(self.proc.pid)
            self.kill()
            for reader in self._readers:
                reader.join(timeout=10)
            raise AssertionError(
                f"still running {timeout:g} s later; where its threads were:\n{stacks}\n"
                f"stdout:\n{''.join(self.stdout)[-3000:]}\nstderr:\n{''.join(self.stderr)[-5000:]}"
            ) from None
        for reader in self._readers:
            reader.join(timeout=10)
        return status

    @property
    def out(self) -> str:
        return "".join(self.stdout)

    @property
    def err(self) -> str:
        return "".join(self.stderr)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _thread_stacks(pid: int) -> str:
    """``py-spy dump`` of a running process, or why there is none."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    try:
        dump = subprocess.run(
            [py_spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"(no py-spy dump: {error})"
    return dump.stdout + dump.stderr


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., TrainingProcess]]:
    """``spawn(*args, env=..., close_stdout_after=..., prefix=..., module=...)``: a
    training (or ``module``) process in ``tmp_path``."""
    started: list[TrainingProcess] = []

    def _spawn(
        *args: str,
        env: dict[str, str] | None = None,
        close_stdout_after: str | None = None,
        prefix: tuple[str, ...] = (),
        module: str = "rllib_nethack.run",
    ) -> TrainingProcess:
        process = TrainingProcess(args, tmp_path, env, close_stdout_after, prefix, module)
        started.append(process)
        return process

    yield _spawn
    for process in started:
        process.kill()


@pytest.fixture
def loopback_cluster(
    short_dirs: Callable[[str], Path],
) -> Iterator[Callable[..., LoopbackCluster]]:
    """``loopback_cluster(head_cpus=..., head_resources=...)``: a started Ray head on
    127.0.0.1, stopped (with every node it gained) when the test ends."""
    clusters: list[LoopbackCluster] = []

    def _start(**settings: Any) -> LoopbackCluster:
        cluster = LoopbackCluster(short_dirs("rnc"), **settings)
        clusters.append(cluster)
        return cluster.start_head()

    yield _start
    for cluster in clusters:
        cluster.stop()


def cluster_driver_env(cluster: LoopbackCluster) -> dict[str, str]:
    """The environment of a driver that joins ``cluster`` (``cluster=remote``): its
    address and token, and no single-machine mode of its own."""
    return {SINGLE_MACHINE_ENV: "0", "RAY_ADDRESS": cluster.address, **auth_env(cluster.token)}


def write_with_file_size_limit(limit: int, write: Callable[[], object]) -> str | None:
    """Run ``write`` in a forked child whose files cannot grow past ``limit`` bytes
    (``RLIMIT_FSIZE``: EFBIG, as on a full disk, and for root too); the message of
    the error for users it raised (a :class:`RllibNethackError`, such as a file or
    checkpoint not written), or ``None`` when it wrote everything.

    A child, not this process: under the limit pytest's own output could not be
    written either once its log file is past ``limit`` bytes (as in CI, where it
    is a file). Any other exception fails the test with its traceback.
    """
    read_end, write_end = os.pipe()  # a pipe: no size limit applies to it
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
            write()
            outcome = "written"
        except RllibNethackError as error:
            outcome = "refused:" + str(error)
        except BaseException:
            outcome = "crashed:" + traceback.format_exc()
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(outcome)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        outcome = pipe.read()
    os.waitpid(pid, 0)
    kind, _, message = outcome.partition(":")
    assert kind in ("written", "refused"), outcome or "the writing child died silently"
    return message if kind == "refused" else None


@pytest.fixture
def file_size_limit() -> Callable[[int, Callable[[], object]], str | None]:
    """:func:`write_with_file_size_limit` as a fixture."""
    return write_with_file_size_limit


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """:func:`run_cli` as a fixture (test modules do not import conftest)."""
    return run_cli


def one_line_error(stderr: str) -> str:
    """The ``error: ...`` line of a failed command; fails if there is a traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr[-3000:]
    return errors[0]


@pytest.fixture
def error_line() -> Callable[[str], str]:
    """:func:`one_line_error` as a fixture."""
    return one_line_error
