"""What the demonstration benchmarks share: commands printed before they run and
skipped once done, runs trained to an env-step budget, columns of result files.

Each stage is a ``python -m rllib_nethack...`` subprocess, so a rerun of the same
benchmark line goes on after a stop.
"""

from __future__ import annotations

import argparse
import csv
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.signals import SIGNAL_STOPS, sigterm_as_interrupt, stop_name


class Stopped(Exception):
    """Ctrl-C or SIGTERM stopped a stage; it was passed on and the stage has ended."""

    def __init__(self, name: str, code: int) -> None:
        super().__init__(f"{name}: the stage under way stopped (exit {code})")
        self.name, self.code = name, code

    @property
    def status(self) -> int:
        """The benchmark's own exit status: 130 (Ctrl-C) or 143 (SIGTERM)."""
        return SIGNAL_STOPS[self.name]


def child(argv: Sequence[str], out: IO[str] | None = None) -> int:
    """Run ``argv`` to its end (its output into ``out``, else here); its exit status.

    The stage runs in its own session, so a Ctrl-C or SIGTERM reaches only this
    process, which passes it on once (a second Ctrl-C: once more, the stage's
    "now") and waits while the stage saves and stops as it would alone; then
    :class:`Stopped`. Python's own ``subprocess.run`` would kill the stage a
    quarter second after a Ctrl-C, in the middle of its final save.
    """
    with sigterm_as_interrupt():
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
        )
        try:
            return process.wait()
        except KeyboardInterrupt as stop:
            name = stop_name(stop)
            process.send_signal(signal.SIGTERM if name == "SIGTERM" else signal.SIGINT)
            while True:
                try:
                    code = process.wait()
                    break
                except KeyboardInterrupt:
                    process.send_signal(signal.SIGINT)
            raise Stopped(name, code) from None


def seed_range(text: str) -> tuple[int, int]:
    """``"FIRST,LAST"`` (or one seed) as an inclusive ``(first, last)``."""
    first, _, last = text.partition(",")
    return int(first), int(last or first)


def add_greedy_flag(parser: argparse.ArgumentParser, who: str) -> None:
    """``--greedy``: ``who`` plays its most likely key in the evaluation. By default it
    samples, as it was trained to act: a deterministic policy falls into loops of keys
    that take no game time, and plays out every game to the step limit."""
    parser.add_argument(
        "--greedy",
        action="store_true",
        help=f"{who}: the most likely key (default: sampled, as trained; a "
        "deterministic policy loops on keys that take no game time)",
    )


def step(done: bool, module: str, args: Sequence[str]) -> None:
    """Run ``python -m module args`` (printed first) unless its output is ``done`` already.

    A stage that fails has said why on its own output; the benchmark then ends with
    one line naming the stage, not a traceback of ``subprocess`` under it. So does a
    stage stopped by Ctrl-C or SIGTERM (exit 130 or 143), once it has saved.
    """
    shown = " ".join([module, *args])
    if done:
        print(f"# done already: {shown}", flush=True)
        return
    print(f"$ {shown}", flush=True)
    try:
        code = child([sys.executable, "-m", module, *args])
    except Stopped as stopped:
        print(f"{stopped.name}: {module} stopped (exit {stopped.code}); rerun the same "
              "line to go on", file=sys.stderr, flush=True)  # fmt: skip
        sys.exit(stopped.status)
    if code:
        sys.exit(f"stopped: {module} exited with {code} (its output above says why): "
                 "mend that and rerun the same line to go on")  # fmt: skip


def train_to(
    run_dir: Path, env_steps: int, start: Sequence[str], extra: Sequence[str] = ()
) -> None:
    """Train into ``run_dir`` until its ``progress.csv`` reaches ``env_steps``.

    A new run starts with the ``start`` settings; a stopped one resumes from its
    last checkpoint in the same folder; a finished one is skipped. ``extra``
    settings go to both.
    """
    progress = run_dir / "progress.csv"
    rows = read_progress(progress) if progress.is_file() else []
    started = (run_dir / "checkpoints").is_dir()
    step(
        started and bool(rows) and rows[-1]["env_steps"] >= env_steps,
        "rllib_nethack.run",
        [*([f"resume={run_dir}"] if started else start), *extra,
         f"stop.env_steps={env_steps}", f"experiment.run_dir={run_dir}"],
    )  # fmt: skip


def column(csv_path: Path, name: str) -> list[float]:
    """Column ``name`` of ``csv_path`` (``episodes.csv`` of evaluate or bench), blanks left out."""
    with csv_path.open(newline="") as f:
        return [float(row[name]) for row in csv.DictReader(f) if row.get(name)]
