"""CPU time of this process and the processes it started, by role (Linux /proc).

The benchmarks use it to split a training run's CPU between the learner (this
driver process, under ``cluster=local``), the env runners and the rest of Ray.
Only descendants of this process count, so other Ray instances on a shared
machine do not.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of ``pid``, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


#: pids seen as env runners. Ray retitles a worker process with what it does at
#: the moment (``ray::IDLE`` before its actor starts and after it is gone), so one
#: reading must not decide: once an env runner, always one.
_ENV_RUNNERS: set[int] = set()


def _role(pid: int) -> str:
    if pid == os.getpid():
        return "learner (driver)"
    if pid not in _ENV_RUNNERS:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return "other"
        # SingleAgentEnvRunner / MultiAgentEnvRunner, not RLlib's EnvRunnerStateServer.
        if "AgentEnvRunner" not in cmdline:
            return "ray (other)"
        _ENV_RUNNERS.add(pid)
    return "env runners"


def descendants_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (role, CPU seconds) for this process and all its descendants."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = st
    mine, frontier = {os.getpid()}, [os.getpid()]
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in mine:
                mine.add(child)
                frontier.append(child)
    return {pid: (_role(pid), stats[pid][1]) for pid in mine if pid in stats}


class CpuSplit:
    """Samples :func:`descendants_cpu` every ``period`` s from :meth:`start` to :meth:`stop`.

    Processes that exit between samples lose at most one period of CPU.
    """

    def __init__(self, period: float = 2.0) -> None:
        self.period = period
        self.samples: list[tuple[float, dict[int, tuple[str, float]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._thread.start()

    def _sample(self) -> None:
        self.samples.append((time.monotonic() - self._t0, descendants_cpu()))

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.period):
            self._sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def since(self, elapsed_s: float) -> tuple[dict[str, float], float]:
        """CPU seconds per role from the first sample at or after ``elapsed_s`` s
        (after :meth:`start`) to the end, and the wall seconds that covers."""
        base_t, base = next(((t, s) for t, s in self.samples if t >= elapsed_s), self.samples[-1])
        last: dict[int, tuple[str, float]] = {}
        for t, snapshot in self.samples:
            if t >= base_t:
                last.update(snapshot)
        totals: dict[str, float] = {}
        for pid, (role, cpu) in last.items():
            totals[role] = totals.get(role, 0.0) + cpu - base.get(pid, (role, 0.0))[1]
        return totals, self.samples[-1][0] - base_t
