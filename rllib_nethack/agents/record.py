"""Record any agent's games as NLE writes them, in the layout ``nle.dataset`` reads.

How to run::

    python -m rllib_nethack.agents.record agent=explorer seeds=[0,99] max_steps=2000
    python -m rllib_nethack.agents.record agent=random seeds=[0,9] out=runs/demos/random workers=2
    python -m rllib_nethack.agents.record agent=my_pkg.agents:act seeds=[0,999] episode_timeout_s=60

Arguments are those of :mod:`rllib_nethack.agents.bench` (:mod:`.settings`: ``agent``, ``seeds``,
``max_steps``, ``workers``, ``episode_timeout_s``, ``out``; ``out`` defaults to
``runs/record/<agent>``). ``out`` is laid out like NLD-AA's ``nle_data``: one
NLE savedir per seed, so ``add_directory(db, OUT, name)`` in
:mod:`rllib_nethack.datasets.nld` indexes it as it indexes NLD-AA::

    OUT/
    ├── record.json                figures per seed (as bench.json), errors included
    ├── seed-0000/
    │   ├── nle.0.0.ttyrec3.bz2    NetHack's recording of the game (every keypress)
    │   ├── nle.0.xlogfile         its line
    │   └── episode.json           the seed's row, and the agent and budget that made it
    └── seed-0001/ ...

Every game is in the dataset. NetHack writes an xlogfile line when a game
ends (death, quit, ascension; the ttyrec then ends with the keys NLE sends to
get through the end screens). A game still running when the agent's
``max_steps`` run out is stopped there, not quit (so its ttyrec holds only the
agent's keys), and gets a line of its own with ``death=cut at max_steps``
(:mod:`rllib_nethack.datasets.xlogfile`). A seed whose episode fails (agent
error, ``episode_timeout_s``) writes nothing: it is an ``error`` row of
``record.json``, counted on the last line, and the next run plays it again.

Resumable: a seed whose folder exists is skipped (after checking it was made
by the same agent and ``max_steps``), and a folder appears whole or not at all.
Ctrl-C or SIGTERM ends the games under way and keeps the finished ones (exit
130 or 143); the same command then goes on.
The same agent and seeds give the same file names, the same ``episode.json``
and ``record.json``, and ttyrecs with the same frames and keypresses; only the
clock times NetHack stamps on each frame, and the dates of the xlogfile line,
differ from run to run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from nle import nethack

from rllib_nethack.agents.episodes import play_keystrokes, play_tools
from rllib_nethack.agents.player import Player
from rllib_nethack.agents.protocol import check_agent, is_tool_agent
from rllib_nethack.agents.settings import USAGE, BenchConfig, checked
from rllib_nethack.agents.summary import COLUMNS, summarize
from rllib_nethack.agents.workers import run_episodes, until_stopped
from rllib_nethack.cli.settings import run_command
from rllib_nethack.datasets.nld import first_screen
from rllib_nethack.datasets.xlogfile import (
    CutGame,
    character_from_welcome,
    cut_line,
    line_for,
    renamed_line,
)
from rllib_nethack.envs.options import MAX_EPISODE_STEPS
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes.session import Recording, Session, StepResult
from rllib_nethack.keystrokes.tools import KeystrokeTools
from rllib_nethack.results.episode import EpisodeRecord, row
from rllib_nethack.results.writing import json_text
from rllib_nethack.runs.atomic import write_text

EPISODE_FILE = "episode.json"
SUMMARY_FILE = "record.json"
#: Where games are written while they are played (emptied at the start of a run).
PARTIAL_DIR = ".partial"


def seed_dir(out: Path, seed: int) -> Path:
    """The savedir of game ``seed``."""
    return out / f"seed-{seed:04d}"


def ttyrec_name(seed: int) -> str:
    """The file name of game ``seed``: NLE's ``nle.<pid>.<k>``, with the seed for the pid."""
    return f"nle.{seed}.0.ttyrec{nethack.TTYREC_VERSION}.bz2"


def out_dir(config: BenchConfig) -> Path:
    """Where a recording goes (``out=``, default ``runs/record/<agent>``)."""
    return config.out_under("record")


class RecordingPlayer(Player):
    """Plays like the benchmark, with NLE recording each game into the seed's savedir."""

    def play_game(self, seed: int) -> EpisodeRecord:
        """Play game ``seed`` into a fresh savedir, then move it into place whole."""
        assert self.agent is not None
        out = out_dir(self.config)
        partial = out / PARTIAL_DIR / seed_dir(out, seed).name
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        start = time.time()
        # The game's own limit is NLE's largest, so the agent's budget stops it
        # before NetHack would quit it (a quit adds keys the agent never sent).
        budget = self.config.max_steps
        if is_tool_agent(self.agent):
            self.tools = KeystrokeTools(seed, MAX_EPISODE_STEPS, savedir=str(partial), suite=False)
            record = play_tools(self.agent, self.tools, seed, budget, MAX_EPISODE_STEPS)  # type: ignore[arg-type]
            session = self.tools.session
        else:
            session = self.session = Session(
                seed, MAX_EPISODE_STEPS, savedir=str(partial), suite=False
            )
            record = play_keystrokes(self.agent, session, seed, budget)  # type: ignore[arg-type]
        assert session is not None
        recording, last = session.recording, session.last
        assert recording is not None
        self._drop_game()  # closing the game finishes its ttyrec
        _write_game(self.config, seed, record, recording, last, start)
        shutil.rmtree(partial, ignore_errors=True)
        return record


def _write_game(
    config: BenchConfig,
    seed: int,
    record: EpisodeRecord,
    recording: Recording,
    last: StepResult,
    start: float,
) -> None:
    """Move game ``seed``'s ttyrec into its savedir, with its xlogfile line and episode.json."""
    out = out_dir(config)
    final = seed_dir(out, seed)
    staged = out / PARTIAL_DIR / (final.name + ".staged")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    name = ttyrec_name(seed)
    line = line_for(recording.xlogfile, os.path.basename(recording.ttyrec))
    if line is not None:  # NetHack ended the game and wrote its line
        line = renamed_line(line, name)
    else:
        stats = last.stats
        game = CutGame(
            character=character_from_welcome(first_screen(recording.ttyrec)),
            points=stats.score,
            dungeon=stats.dungeon,
            level=stats.depth,
            max_depth=record.max_depth or stats.depth,
            hp=stats.hp,
            max_hp=stats.max_hp,
            turns=stats.turn,
            start=start,
            end=time.time(),
        )
        line = cut_line(game, name)
    shutil.move(recording.ttyrec, staged / name)
    (staged / f"nle.{seed}.xlogfile").write_text(line + "\n", encoding="latin-1")
    episode = {
        "agent": config.agent,
        "max_steps": config.max_steps,
        "episode": row(record, COLUMNS),
    }
    (staged / EPISODE_FILE).write_text(json_text(episode), encoding="utf-8")
    os.replace(staged, final)


def _recorded(config: BenchConfig, out: Path) -> dict[int, EpisodeRecord]:
    """The seeds already in ``out``, checked to come from this agent and budget.

    Raises:
        ConfigError: a seed folder made by another agent or ``max_steps``, or unreadable.
    """
    done: dict[int, EpisodeRecord] = {}
    for seed in config.seed_list:
        path = seed_dir(out, seed) / EPISODE_FILE
        if not path.exists():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            previous = (data["agent"], data["max_steps"])
            record = EpisodeRecord(**data["episode"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"{path} is not a recording's episode file ({err})") from None
        if previous != (config.agent, config.max_steps):
            raise ConfigError(
                f"{out} holds games of agent={previous[0]} max_steps={previous[1]}, not "
                f"agent={config.agent} max_steps={config.max_steps}: give another out="
            )
        done[seed] = record
    return done


def run_record(config: BenchConfig, progress: TextIO | None = None) -> dict[str, Any]:
    """Record every seed of ``config`` not yet in its ``out``; the summary (``record.json``).

    Raises:
        ConfigError: the agent cannot be loaded, or ``out`` holds another agent's games.
    """
    check_agent(config.agent)
    out = out_dir(config)
    done = _recorded(config, out)
    shutil.rmtree(out / PARTIAL_DIR, ignore_errors=True)  # games a killed run left half-written
    todo = [s for s in config.seed_list if s not in done]
    if progress is not None and done:
        print(
            f"record: {len(done)} of {len(config.seed_list)} seeds already in {out}", file=progress
        )
    new = run_episodes(config, progress, todo, RecordingPlayer, label="record")
    records = sorted([*done.values(), *new], key=lambda r: r.seed)
    summary = summarize(config, records)
    summary["skipped"] = len(done)
    try:  # the games are whole in their folders even when the summary cannot be written
        write_text(out / SUMMARY_FILE, json_text(summary))
    finally:
        shutil.rmtree(out / PARTIAL_DIR, ignore_errors=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m rllib_nethack.agents.record agent=... ...``)."""
    run_command(BenchConfig, _record, USAGE.format(command="record"), argv, check=checked)
    return 0


def _record(config: BenchConfig) -> int:
    return until_stopped(
        lambda: run_record(config, sys.stderr),
        lambda summary: _report(config, summary),
        lambda name, stopped: (
            f"{name}: stopped after {len(stopped.records)} new games, each whole in "
            f"{out_dir(config)}; the same command goes on from there"
        ),
    )


def _report(config: BenchConfig, summary: dict[str, Any]) -> int:
    """The recording's one line on stdout; exit status 1 if a seed failed."""
    cut = sum(1 for r in summary["per_episode"] if r["end"] == "truncated")
    recorded = summary["episodes"] - summary["errors"]
    print(
        f"recorded {recorded} games of agent={config.agent} in {out_dir(config)} "
        f"({summary['skipped']} from an earlier run, {cut} cut at max_steps={config.max_steps}); "
        f"{summary['errors']} seeds failed (their error is in {SUMMARY_FILE}; rerun to retry)"
    )
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
