"""The MiniHack results table: tasks x settings x seeds, each a ``python -m rllib_nethack.run``.

How to run::

    python benchmarks/minihack_suite.py                                   # every task, its budget
    python benchmarks/minihack_suite.py --tasks MiniHack-Room-5x5-v0 \\
        --settings appo,appo+count --budget 200000 --out runs/suite_room
    python benchmarks/minihack_suite.py --tasks MiniHack-Corridor-R2-v0 --seeds 0,1 \\
        --settings appo+e3b,appo+rnd cluster.rllib.num_env_runners=8  # overrides for every run

Each run is a subprocess (its own Ray, its own crash) writing
``<out>/runs/<task>/<setting>/seed<N>``, with only a final checkpoint. A rerun
skips every run whose directory holds a final checkpoint and whose
``progress.csv`` reached the budget, and resumes a cut one from its last sound
checkpoint into the same directory (``resume=``: weights, optimiser, step
counters and MuZero's replay buffer as saved; its curve goes on in the same
``progress.csv``, its wall time is the sum of the pieces), so a two-hour run
stopped after ninety minutes costs thirty more, and a larger ``--budget``
extends finished runs. ``--restart`` starts cut runs over instead. Ctrl-C or
SIGTERM is handed to the run under way (:func:`staged_runs.child`), which saves
and stops as it would alone; the suite then ends with one line. After the grid
it writes:

* ``results.csv`` and ``results.md``: per run (this command's, and earlier
  commands' into the same ``--out`` whose run directories remain), the final
  mean return (over the last 100 episodes), the env steps at which that mean
  first reached the task's target (:data:`TARGETS`, issue 24's table), the
  success rate over the same episodes, the run's wall time and env steps, and
  the command;
* ``<task>.png``: every setting's curve (one line per seed), all runs in the folder.

A mean return alone cannot tell an agent that learned the task from one that
found a cheaper way out of the step penalty (on MiniHack-Eat-v0 APPO learned to
pray until its god killed it). So each finished run's final checkpoint also
plays ``--play`` episodes (default 100, sampled from the policy as in
training; ``evaluate`` in this process, written under ``<run>/played``), and
the table gives how they ended: the shares that succeeded, died and were cut
at the step limit, and the commonest death.

Results to expect: the measured table is in benchmarks/RESULTS.md ("MiniHack
suite"); the issue's targets are the aim.
"""

from __future__ import annotations

import argparse
import csv
import math
import shlex
import shutil
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from staged_runs import Stopped, child

from rllib_nethack.cli.exits import fail
from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.checkpoints import (
    checkpoint_iteration,
    checkpoint_problem,
    checkpoints_in,
    resolve_checkpoint,
)
from rllib_nethack.training.reporting import (
    full_window_rows,
    plot_comparison,
    read_progress,
    wall_time,
)


@dataclass(frozen=True)
class Target:
    """A task's env-step budget and the mean return (last 100 episodes) to reach in it."""

    budget: int
    mean_return: float


#: Issue 24's targets (seed 0 first; a second seed where a target is met).
TARGETS: dict[str, Target] = {
    "MiniHack-Room-Monster-15x15-v0": Target(1_000_000, 0.8),
    "MiniHack-Corridor-R2-v0": Target(2_000_000, 0.8),
    "MiniHack-KeyRoom-S5-v0": Target(2_000_000, 0.8),
    "MiniHack-River-Narrow-v0": Target(2_000_000, 0.5),
    "MiniHack-Eat-v0": Target(1_000_000, 0.8),
    # The README's one result so far: the regression check for new defaults.
    "MiniHack-Room-5x5-v0": Target(100_000, 0.9),
}

#: A setting: a name for a list of overrides of ``python -m rllib_nethack.run``.
#: A name without a bonus means none: ``explore=none``, not the family's default.
SETTINGS: dict[str, tuple[str, ...]] = {
    "appo": ("algo=appo", "explore=none"),
    "appo+count": ("algo=appo", "explore=count"),
    "appo+e3b": ("algo=appo", "explore=e3b"),
    "appo+rnd": ("algo=appo", "explore=rnd"),
    "appo+ride": ("algo=appo", "explore=ride"),
    "appo+skip": ("algo=appo", "explore=none", "model.core_skip=true"),
    "impala": ("algo=impala", "explore=none"),
    "impala+rnd": ("algo=impala", "explore=rnd"),
    "ppo": ("algo=ppo", "explore=none"),
    "ppo+count": ("algo=ppo", "explore=count"),
    "ppo+e3b": ("algo=ppo", "explore=e3b"),
    "ppo+rnd": ("algo=ppo", "explore=rnd"),
    "muzero": ("algo=muzero",),
}
DEFAULT_SETTINGS = ("appo", "appo+count", "appo+e3b", "appo+rnd", "appo+ride")
#: Issue 24's five tasks (Room-5x5 is there to be asked for).
DEFAULT_TASKS = tuple(t for t in TARGETS if t != "MiniHack-Room-5x5-v0")

COLUMNS = (
    "task",
    "setting",
    "seed",
    "budget",
    "env_steps",
    "final_return",
    "target",
    "steps_to_target",
    "success_rate",
    "wall_s",
    "played",
    "played_success",
    "played_death",
    "played_cut",
    "top_death",
    "command",
)
#: Where a run's ``--play`` episodes are written, inside its run directory.
PLAYED_DIR = "played"


@dataclass(frozen=True)
class Run:
    """One cell of the grid."""

    task: str
    setting: str
    seed: int
    budget: int
    run_dir: Path
    overrides: tuple[str, ...]

    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "rllib_nethack.run",
            f"+task={self.task}",
            *SETTINGS[self.setting],
            f"stop.env_steps={self.budget}",
            f"experiment.seed={self.seed}",
            f"experiment.run_dir={self.run_dir}",
            "experiment.checkpoint_every=0",
            *self.overrides,
        ]

    def resume_argv(self, checkpoint: Path) -> list[str]:
        """Go on from ``checkpoint`` (in :attr:`run_dir`) to the budget, in the same directory.

        The task, model, algorithm and bonus come from the checkpoint's own config.
        """
        return [
            sys.executable,
            "-m",
            "rllib_nethack.run",
            f"resume={checkpoint}",
            f"stop.env_steps={self.budget}",
            f"experiment.run_dir={self.run_dir}",
            "experiment.checkpoint_every=0",
            *self.overrides,
        ]

    def command(self) -> str:
        return shlex.join(["python", *self.argv()[1:]])


def finished(run: Run) -> bool:
    """The run directory holds a sound final checkpoint and its curve reached the budget."""
    progress = run.run_dir / "progress.csv"
    checkpoints = checkpoints_in(run.run_dir) if run.run_dir.is_dir() else []
    if not checkpoints or checkpoint_problem(checkpoints[-1]) or not progress.is_file():
        return False
    rows = read_progress(progress)
    return bool(rows) and rows[-1]["env_steps"] >= run.budget


def resume_point(run: Run) -> Path | None:
    """The newest whole checkpoint of a run that did not finish (None: none, start over).

    :func:`resolve_checkpoint` checks newest first and stops at the first whole one:
    a MuZero checkpoint with its replay buffer is ~400 MB to checksum.
    """
    if not run.run_dir.is_dir():
        return None
    try:
        return resolve_checkpoint(run.run_dir)
    except ConfigError:  # no checkpoint, or none whole
        return None


def execute(run: Run, log: Path, checkpoint: Path | None = None) -> int:
    """Train ``run`` in a subprocess, from scratch or on from ``checkpoint``; its output
    into ``log`` (appended to when resuming). Its exit status."""
    if checkpoint is not None:
        shutil.rmtree(run.run_dir / PLAYED_DIR, ignore_errors=True)  # an earlier checkpoint's
        with log.open("a") as out:
            out.write(f"\n--- resumed from {checkpoint}\n")
            out.flush()
            return child(run.resume_argv(checkpoint), out)
    if run.run_dir.exists():
        shutil.rmtree(run.run_dir)
    run.run_dir.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        return child(run.argv(), out)


def play(run: Run, episodes: int, log: Path) -> int:
    """Play ``episodes`` sampled episodes of the run's final checkpoint; the exit status."""
    argv = [
        sys.executable,
        "-m",
        "rllib_nethack.evaluate",
        f"checkpoint={run.run_dir}",
        f"episodes={episodes}",
        "greedy=false",
        "workers=0",
        f"out={run.run_dir / PLAYED_DIR}",
        "overwrite=true",
    ]
    with log.open("w") as out:
        return child(argv, out)


def played_rows(run: Run) -> list[dict[str, str]]:
    """The ``episodes.csv`` rows of the run's played episodes (empty before :func:`play`)."""
    found = sorted((run.run_dir / PLAYED_DIR).glob("*/episodes.csv"))
    if not found:
        return []
    with found[-1].open(newline="") as f:
        return list(csv.DictReader(f))


def endings(rows: Sequence[dict[str, str]]) -> dict[str, object]:
    """How played episodes ended: shares of success, death and the step-limit cut, top death."""
    if not rows:
        return {"played": 0, "played_success": math.nan, "played_death": math.nan,
                "played_cut": math.nan, "top_death": ""}  # fmt: skip
    reasons = Counter(r["end_reason"] for r in rows)
    causes = Counter(r["death_cause"] for r in rows if r["death_cause"])
    top = ""
    if causes:
        cause, count = causes.most_common(1)[0]
        top = f"{cause} ({count / len(rows):.0%})"
    return {
        "played": len(rows),
        "played_success": reasons["success"] / len(rows),
        "played_death": reasons["death"] / len(rows),
        "played_cut": reasons["truncated"] / len(rows),
        "top_death": top,
    }


def summarise(run: Run, target: float) -> dict[str, object]:
    """The run's row of the table (NaN / empty where the run left no numbers)."""
    path = run.run_dir / "progress.csv"
    rows = read_progress(path) if path.is_file() else []
    full = full_window_rows(rows)
    last = rows[-1] if rows else {}
    final = full[-1] if full else {}
    reached = next((r["env_steps"] for r in full if r["return_mean"] >= target), None)
    return {
        "task": run.task,
        "setting": run.setting,
        "seed": run.seed,
        "budget": run.budget,
        "env_steps": int(last.get("env_steps", 0)),
        "final_return": final.get("return_mean", math.nan),
        "target": target,
        "steps_to_target": "" if reached is None else int(reached),
        "success_rate": final.get("success_rate", math.nan),
        "wall_s": round(wall_time(rows), 1),
        **endings(played_rows(run)),
        "command": run.command(),
    }


#: The table's columns that hold whole numbers (the rest that are numbers are floats).
INT_COLUMNS = ("seed", "budget", "env_steps", "played")
TEXT_COLUMNS = ("task", "setting", "steps_to_target", "top_death", "command")


def earlier_rows(out: Path) -> list[dict[str, object]]:
    """The rows of ``out``'s table from earlier commands whose run directories remain."""
    path = out / "results.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if set(COLUMNS) <= set(r)]
    kept: list[dict[str, object]] = []
    for row in rows:
        if not (out / "runs" / row["task"] / row["setting"] / f"seed{row['seed']}").is_dir():
            continue
        typed: dict[str, object] = {}
        for column in COLUMNS:
            value = row[column]
            if column in INT_COLUMNS:
                typed[column] = int(value)
            elif column in TEXT_COLUMNS:
                typed[column] = int(value) if column == "steps_to_target" and value else value
            else:
                typed[column] = float(value)
        kept.append(typed)
    return kept


def merged(
    current: Sequence[dict[str, object]], earlier: Sequence[dict[str, object]]
) -> list[dict[str, object]]:
    """One table of every run in the output folder: this command's rows, and the earlier
    commands' rows for the other cells (a rerun of ``--seeds 1`` keeps seed 0's row)."""

    def cell(row: dict[str, object]) -> tuple[str, str, int]:
        return (str(row["task"]), str(row["setting"]), int(str(row["seed"])))

    ours = {cell(r) for r in current}
    rows = [*current, *(r for r in earlier if cell(r) not in ours)]
    order = list(TARGETS)
    return sorted(rows, key=lambda r: (order.index(str(r["task"])), *cell(r)[1:]))


def task_curves(task_runs: Path) -> dict[str, list[Path]]:
    """Each setting's curves (one per seed) of a task, every run in the folder included."""
    curves: dict[str, list[Path]] = {}
    for progress in sorted(task_runs.glob("*/seed*/progress.csv")):
        setting = progress.parent.parent.name
        if setting in SETTINGS:
            curves.setdefault(setting, []).append(progress)
    return curves


def markdown(rows: Sequence[dict[str, object]]) -> str:
    """The table as markdown, numbers rounded for reading (the CSV keeps them whole)."""
    shown = [c for c in COLUMNS if c != "command"]
    lines = ["| " + " | ".join(shown) + " |", "|" + " --- |" * len(shown)]
    for row in rows:
        cells = []
        for c in shown:
            value = row[c]
            if isinstance(value, float):
                value = "n/a" if math.isnan(value) else f"{value:.3f}".rstrip("0").rstrip(".")
            if value == "":
                value = "not reached" if c == "steps_to_target" else "-"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Commands:", ""] + [f"- `{row['command']}`" for row in rows]
    return "\n".join(lines) + "\n"


def _names(text: str, known: Sequence[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        fail(f"minihack_suite: unknown {what} {unknown[0]!r} (known: {', '.join(known)})")
    return names


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="MiniHack tasks x settings x seeds through `python -m rllib_nethack.run`: "
        "results.csv, results.md and one PNG per task. Resumable: finished runs are skipped, "
        "cut ones go on from their last checkpoint.",
    )
    parser.add_argument(
        "--tasks", default=",".join(DEFAULT_TASKS), help=f"comma list of: {', '.join(TARGETS)}"
    )
    parser.add_argument(
        "--settings",
        default=",".join(DEFAULT_SETTINGS),
        help=f"comma list of: {', '.join(SETTINGS)}",
    )
    parser.add_argument("--seeds", default="0", help="comma list of seeds (default 0)")
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        help="env steps per run (default: the task's target budget)",
    )
    parser.add_argument(
        "--play",
        type=int,
        default=100,
        help="episodes each finished run's final checkpoint plays (sampled) to show how its "
        "episodes end (default 100; 0: none)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("runs/minihack_suite"), help="output folder"
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="start runs that did not finish over (default: resume them from their last "
        "checkpoint)",
    )
    parser.add_argument("overrides", nargs="*", help="more overrides for every run (key=value)")
    args = parser.parse_args(argv)
    args.tasks = _names(args.tasks, list(TARGETS), "task")
    args.settings = _names(args.settings, list(SETTINGS), "setting")
    try:
        args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        fail(f"minihack_suite: --seeds takes integers, got {args.seeds!r}")
    if args.play < 0:
        fail(f"minihack_suite: --play must be at least 0, got {args.play}")
    if args.budget is not None and args.budget < 1:
        fail(f"minihack_suite: --budget must be at least 1, got {args.budget}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        return grid(args)
    except Stopped as stopped:
        print(
            f"{stopped.name}: the run under way stopped (exit {stopped.code}); rerun the same "
            "line: finished runs are kept, a cut one goes on from its last checkpoint",
            file=sys.stderr,
        )
        return stopped.status


def grid(args: argparse.Namespace) -> int:
    """Every run of the grid (finished ones skipped), then the table and curves; the exit status."""
    out: Path = args.out.resolve()
    table: list[dict[str, object]] = []
    failures = 0
    for task in args.tasks:
        target = TARGETS[task]
        runs = [
            Run(
                task,
                setting,
                seed,
                args.budget or target.budget,
                out / "runs" / task / setting / f"seed{seed}",
                tuple(args.overrides),
            )
            for setting in args.settings
            for seed in args.seeds
        ]
        for run in runs:
            name = f"{task} {run.setting} seed {run.seed}"
            done = finished(run)  # checksums the final checkpoint: once before, once after
            if done:
                print(f"skip   {name}: finished ({run.run_dir})", flush=True)
            else:
                checkpoint = None if args.restart else resume_point(run)
                if checkpoint is None:
                    print(f"run    {name}: {run.command()}", flush=True)
                else:
                    at = checkpoint_iteration(checkpoint)
                    print(f"resume {name}: from iteration {at} ({checkpoint})", flush=True)
                start = time.monotonic()
                code = execute(run, run.run_dir.parent / f"seed{run.seed}.log", checkpoint)
                took = time.monotonic() - start
                print(f"done   {name}: exit {code} after {took:.0f} s", flush=True)
                failures += code != 0
                done = finished(run)
            if args.play and done and not played_rows(run):
                print(f"play   {name}: {args.play} sampled episodes", flush=True)
                log = run.run_dir.parent / f"seed{run.seed}.play.log"
                failures += play(run, args.play, log) != 0
            table.append(summarise(run, target.mean_return))
        curves = task_curves(out / "runs" / task)
        png = plot_comparison(curves, out / f"{task}.png", f"{task}: mean return against env steps")
        if png is not None:
            print(f"curve  {png}", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    table = merged(table, earlier_rows(out))
    with (out / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    (out / "results.md").write_text(markdown(table))
    print(f"table  {out / 'results.csv'} and {out / 'results.md'}", flush=True)
    print(markdown(table).split("\n\nCommands:")[0], flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
