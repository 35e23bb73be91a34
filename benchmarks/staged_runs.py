"""What the demonstration benchmarks share: commands printed before they run and
skipped once done, runs trained to an env-step budget, columns of result files.

Each stage is a ``python -m rllib_nethack...`` subprocess, so a rerun of the same
benchmark line goes on after a stop.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rllib_nethack.training.reporting import read_progress


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
    one line naming the stage, not a traceback of ``subprocess`` under it.
    """
    shown = " ".join([module, *args])
    if done:
        print(f"# done already: {shown}", flush=True)
        return
    print(f"$ {shown}", flush=True)
    code = subprocess.run([sys.executable, "-m", module, *args]).returncode
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
