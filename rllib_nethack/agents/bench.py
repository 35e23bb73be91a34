"""Run any agent over a range of seeded games and write comparable figures.

How to run::

    python -m rllib_nethack.agents.bench agent=explorer seeds=[0,99] max_steps=10000
    python -m rllib_nethack.agents.bench agent=random seeds=[0,9] workers=2 out=runs/bench/random
    python -m rllib_nethack.agents.bench agent=my_pkg.agents:act seeds=[0,999]
    python -m rllib_nethack.agents.bench agent=checkpoint:runs/my-run

Settings (``key=value``): ``python -m rllib_nethack.agents.bench --help`` lists them,
from :class:`~rllib_nethack.agents.settings.BenchConfig`.

Per seed: ``score`` (in-game score at the end), ``steps`` (keystrokes the game
received), ``actions`` and ``refused`` (agent decisions, and those the game
refused), ``turns``, ``max_depth``, ``max_xl``, ``progression`` (BALROG's
measure, :mod:`rllib_nethack.agents.progression`), ``end`` (death, truncated,
quit, ascended) and ``death_cause``. An exception in one episode (the agent's
or the game's) becomes that seed's ``error`` and the others go on; a worker
process that dies is replaced and its seeds rerun one by one. Ctrl-C or SIGTERM
ends the games under way and writes the seeds already finished, with
``"stopped"`` (``interrupted`` or ``SIGTERM``) and ``"unplayed_seeds"`` in
``bench.json``; the exit status is then 130 or 143.

The same agent and seeds give byte-identical files: each game depends on its
seed only (agents are restarted with it), rows are in seed order and no clock
time is written. (NetHack itself reads the date for the moon phase and
Friday 13th, so runs on days with another moon phase can differ.)

The parts, one job each: :mod:`.settings` (parsing and checks),
:func:`~rllib_nethack.agents.protocol.load_agent` (agents), :mod:`.episodes`
(one game), :mod:`.player` (a seed's row, its time limit and error),
:mod:`.workers` (processes), :mod:`.summary` (``bench.json``, ``episodes.csv``).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rllib_nethack.agents.protocol import check_agent
from rllib_nethack.agents.settings import USAGE, BenchConfig, checked
from rllib_nethack.agents.summary import BENCH_JSON, summarize, write_results
from rllib_nethack.agents.workers import EpisodesStopped, run_episodes, until_stopped
from rllib_nethack.cli.settings import run_command
from rllib_nethack.results.writing import EPISODES_CSV
from rllib_nethack.training.signals import stop_name


def run_bench(config: BenchConfig, progress: TextIO | None = None) -> dict[str, Any]:
    """Check the agent, play every seed, write the files; the summary.

    Raises:
        ConfigError: the agent cannot be loaded (before any process starts).
        EpisodesStopped: Ctrl-C or SIGTERM; the files hold the seeds finished before it.
    """
    check_agent(config.agent)
    try:
        records = run_episodes(config, progress)
    except EpisodesStopped as stopped:
        summary = summarize(config, stopped.records)
        played = {r.seed for r in stopped.records}
        summary["stopped"] = stop_name(stopped)
        summary["unplayed_seeds"] = [s for s in config.seed_list if s not in played]
        write_results(config.out_dir, summary, stopped.records)
        raise
    summary = summarize(config, records)
    write_results(config.out_dir, summary, records)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m rllib_nethack.agents.bench agent=... ...``)."""
    run_command(BenchConfig, _bench, USAGE.format(command="bench"), argv, check=checked)
    return 0


def _bench(config: BenchConfig) -> int:
    return until_stopped(
        lambda: run_bench(config, sys.stderr),
        lambda summary: _report(config, summary),
        lambda name, stopped: (
            f"{name}: stopped after {len(stopped.records)} of {len(config.seed_list)} seeds; "
            f"wrote them to {config.out_dir / BENCH_JSON} and {config.out_dir / EPISODES_CSV}"
        ),
    )


def _report(config: BenchConfig, summary: dict[str, Any]) -> int:
    """The benchmark's one line on stdout; exit status 0."""
    first, last = config.seeds
    progression_pct = (summary["mean_progression"] or 0.0) * 100
    print(
        f"agent={config.agent} seeds {first}-{last} (max_steps={config.max_steps}): "
        f"mean score {_figure(summary['mean_score'], 1)}, "
        f"mean progression {progression_pct:.3f}%, "
        f"mean deepest level {_figure(summary['mean_max_depth'], 2)}, "
        f"errors {summary['errors']}; "
        f"wrote {config.out_dir / BENCH_JSON} and {config.out_dir / EPISODES_CSV}"
    )
    return 0


def _figure(value: float | None, digits: int) -> str:
    """A mean for the console (bench.json keeps it unrounded); "-" when no episode ran."""
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
