"""Memory over a long training run: the driver, each env runner and the object store.

How to run:
    python benchmarks/soak.py                              # challenge, 30 minutes
    python benchmarks/soak.py --task room5x5 --minutes 10 --every 30
    python benchmarks/soak.py --task room5x5 -- cluster.rllib.num_env_runners=1

It starts ``python -m rllib_nethack.run +task=TASK stop.minutes=N`` (an
embedded Ray instance, so every Ray process is a descendant of the run) and
every ``--every`` seconds prints one line: the resident memory (RSS, MiB) of
the driver (where the learner lives with ``num_learners: 0``), of each env
runner process and the object store's pages in use. At the end, each one's
growth in MiB per hour: a least-squares line through the samples taken after
``--warmup`` seconds (start-up, the first batches and torch's allocator
settling are not a leak).

The process tree is read from ``/proc`` (Linux), not through Ray: sampling
must cost the run nothing and must work while Ray is busy. The object store
(plasma) lives in the raylet as shared memory, so its figure is the raylet's
``RssShmem``: the store's pages touched so far, an upper bound of its use
that grows when objects are leaked (pinned and never freed).

Results to expect: flat lines (growth within a few MiB/h, the noise of a
linear fit over minutes) for every process; a steady slope of tens of MiB/h
in one of them over 30 minutes is a leak in that process.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Resident-memory lines of /proc/PID/status, in kB.
_RSS_KEYS = ("VmRSS:", "RssShmem:")


@dataclass
class Series:
    """One process's samples: (seconds since the start, MiB)."""

    name: str
    samples: list[tuple[float, float]] = field(default_factory=list)


def growth_per_hour(samples: Sequence[tuple[float, float]], warmup_s: float) -> float | None:
    """The slope (units per hour) of the least-squares line through the samples
    taken at or after ``warmup_s`` seconds; None with fewer than two of them or
    all at one time."""
    kept = [(t, v) for t, v in samples if t >= warmup_s]
    if len(kept) < 2:
        return None
    n = len(kept)
    mean_t = sum(t for t, _ in kept) / n
    mean_v = sum(v for _, v in kept) / n
    spread = sum((t - mean_t) ** 2 for t, _ in kept)
    if spread == 0:
        return None
    slope_per_s = sum((t - mean_t) * (v - mean_v) for t, v in kept) / spread
    return slope_per_s * 3600.0


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, over every process on the machine."""
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def descendants(root: int) -> Iterator[int]:
    """``root`` and every process below it."""
    tree, stack = _children(), [root]
    while stack:
        pid = stack.pop()
        yield pid
        stack.extend(tree.get(pid, []))


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and RssShmem of ``pid`` in MiB (empty once it is gone)."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(_RSS_KEYS):
                key, value, _unit = line.split()
                found[key.rstrip(":")] = int(value) / 1024
    except OSError:
        return {}
    return found


def command_line(pid: int) -> str:
    """The process's title as ``ps`` shows it (Ray renames its workers ``ray::...``)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def sample(driver: int) -> dict[str, float]:
    """Series name -> MiB now: ``driver``, ``<actor class>:<pid>`` for each env
    runner (and RLlib's state server for them), ``object_store`` (the raylet's
    shared memory)."""
    figures: dict[str, float] = {}
    for pid in descendants(driver):
        memory = memory_mib(pid)
        if not memory:
            continue
        title = command_line(pid)
        if pid == driver:
            figures["driver"] = memory.get("VmRSS", 0.0)
        elif "EnvRunner" in title:  # SingleAgentEnvRunner, and RLlib's EnvRunnerStateServer
            actor = title.split(" ", 1)[0].removeprefix("ray::").split(".", 1)[0]
            figures[f"{actor}:{pid}"] = memory.get("VmRSS", 0.0)
        elif "/raylet" in title.split(" ", 1)[0]:
            figures["object_store"] = memory.get("RssShmem", 0.0)
    return figures


def _line(elapsed: float, figures: dict[str, float]) -> str:
    parts = [f"{name} {mib:7.1f}" for name, mib in sorted(figures.items())]
    return f"soak t={elapsed:6.0f}s  " + "  ".join(parts) + "  (MiB)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="RSS of a training run's driver, env runners and object store over "
        "time, and each one's growth per hour.",
        epilog="Arguments after -- go to `python -m rllib_nethack.run` as overrides.",
    )
    parser.add_argument("--task", default="challenge", help="task name (default challenge)")
    parser.add_argument("--minutes", type=float, default=30.0, help="run length (default 30)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    parser.add_argument(
        "--warmup", type=float, default=180.0, help="seconds left out of the fit (default 180)"
    )
    parser.add_argument("overrides", nargs="*", help="extra run overrides")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rnh-soak-") as tmp:
        command = [
            sys.executable,
            "-m",
            "rllib_nethack.run",
            f"+task={args.task}",
            f"stop.minutes={args.minutes}",
            f"experiment.root_dir={tmp}",
            "experiment.checkpoint_every=0",
            "experiment.plot=false",
            *args.overrides,
        ]
        print("soak  " + " ".join(command[1:]), flush=True)
        run = subprocess.Popen(command, start_new_session=True)
        series: dict[str, Series] = {}
        start = time.monotonic()
        try:
            while run.poll() is None:
                elapsed = time.monotonic() - start
                figures = sample(run.pid)
                for name, mib in figures.items():
                    series.setdefault(name, Series(name)).samples.append((elapsed, mib))
                print(_line(elapsed, figures), flush=True)
                deadline = time.monotonic() + args.every
                while run.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.5)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGTERM)
                run.wait()
    print(f"soak  growth per hour (linear fit over samples after {args.warmup:g} s):")
    for name, one in sorted(series.items()):
        slope = growth_per_hour(one.samples, args.warmup)
        first, last = one.samples[0][1], one.samples[-1][1]
        figure = "n/a (too few samples)" if slope is None else f"{slope:+8.1f} MiB/h"
        print(f"  {name:<32} {figure}   first {first:7.1f}  last {last:7.1f} MiB")
    return run.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
