"""Run any agent over a range of seeded games and write comparable figures.

How to run::

    python -m rllib_nethack.agents.bench agent=explorer seeds=[0,99] max_steps=10000
    python -m rllib_nethack.agents.bench agent=random seeds=[0,9] workers=2 out=runs/bench/random
    python -m rllib_nethack.agents.bench agent=my_pkg.agents:act seeds=[0,999]
    python -m rllib_nethack.agents.bench agent=checkpoint:runs/my-run

Settings (``key=value``): ``python -m rllib_nethack.agents.bench --help`` lists them,
from :class:`BenchConfig`.

Per seed: ``score`` (in-game score at the end), ``steps`` (keystrokes the game
received), ``actions`` and ``refused`` (agent decisions, and those the game
refused), ``turns``, ``max_depth``, ``max_xl``, ``progression`` (BALROG's
measure, :mod:`rllib_nethack.agents.progression`), ``end`` (death, truncated,
quit, ascended) and ``death_cause``. An exception in one episode (the agent's
or the game's) becomes that seed's ``error`` and the others go on; a worker
process that dies is replaced and its seeds rerun one by one.

The same agent and seeds give byte-identical files: each game depends on its
seed only (agents are restarted with it), rows are in seed order and no clock
time is written. (NetHack itself reads the date for the moon phase and
Friday 13th, so runs on days with another moon phase can differ.)
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import multiprocessing
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, TextIO

from rllib_nethack.agents.deadline import check_timeout, deadline
from rllib_nethack.agents.progression import progression
from rllib_nethack.agents.protocol import (
    Agent,
    ToolAgent,
    ToolCall,
    ToolReply,
    is_tool_agent,
    load_agent,
)
from rllib_nethack.cli.settings import parse_settings, run_command
from rllib_nethack.envs.catalog import SEEDED_SUITE_SIZE
from rllib_nethack.errors import ConfigError, check_int
from rllib_nethack.keystrokes.keymap import KeystrokeError
from rllib_nethack.keystrokes.session import Session, StepResult, check_max_steps, check_seed
from rllib_nethack.keystrokes.tools import KeystrokeTools, ToolCallError, step_text
from rllib_nethack.runs.atomic import write_texts

DEFAULT_MAX_STEPS = 10_000
DEFAULT_WORKERS = 2
PROGRESSION_SOURCE = (
    "BALROG balrog/environments/nle/achievements.json (github.com/balrog-ai/BALROG @ af7d1f1): "
    "max(P(ascend | deepest Dlvl), P(ascend | highest XL)), 1 for an ascension"
)


@dataclass(frozen=True)
class BenchConfig:
    """One benchmark run (the ``key=value`` settings of ``bench`` and ``record``).

    Attributes:
        agent: random, explorer, checkpoint:PATH or MODULE:CALLABLE (see
            rllib_nethack.agents.protocol).
        seeds: [FIRST,LAST], an inclusive range of the suite's seeds 0-999, or one seed.
        max_steps: The agent's action budget per game: every keystroke, and for a
            tool-calling agent every call (a refused one too), so that no agent can
            loop for ever; the game is cut off ("truncated") there.
        workers: Parallel processes (1 plays in this process).
        out: The folder for the summary and episodes.csv (default runs/<command>/<agent>).
        episode_timeout_s: A wall-clock limit per game (null: none); an agent that
            hangs past it becomes that seed's error and the other seeds go on.
    """

    agent: str
    seeds: tuple[int, int] = (0, 99)
    max_steps: int = DEFAULT_MAX_STEPS
    workers: int = DEFAULT_WORKERS
    out: str = ""
    episode_timeout_s: float | None = None

    @property
    def seed_list(self) -> list[int]:
        """The seeds, in order."""
        return list(range(self.seeds[0], self.seeds[1] + 1))

    @property
    def out_dir(self) -> Path:
        """Where the files go."""
        return self.out_under("bench")

    def out_under(self, kind: str) -> Path:
        """``out``, or ``runs/<kind>/<agent>`` when none was given."""
        if self.out:
            return Path(self.out)
        return Path("runs", kind, re.sub(r"[^A-Za-z0-9_.-]+", "_", self.agent).strip("_"))


@dataclass(frozen=True)
class EpisodeRecord:
    """One seed's figures (a row of ``episodes.csv``); ``error`` set means it crashed."""

    seed: int
    score: int | None = None
    steps: int | None = None
    actions: int | None = None
    refused: int | None = None
    turns: int | None = None
    max_depth: int | None = None
    max_xl: int | None = None
    progression: float | None = None
    end: str | None = None
    death_cause: str | None = None
    error: str | None = None


COLUMNS = tuple(f.name for f in fields(EpisodeRecord))


class _Tracker:
    """The deepest level and highest experience level seen during a game."""

    def __init__(self, first: StepResult) -> None:
        self.last = first
        self.max_depth = first.stats.depth
        self.max_xl = first.stats.xl

    def update(self, result: StepResult) -> None:
        self.last = result
        self.max_depth = max(self.max_depth, result.stats.depth)
        self.max_xl = max(self.max_xl, result.stats.xl)

    def record(self, seed: int, actions: int, refused: int) -> EpisodeRecord:
        last = self.last
        end = last.reason if last.done else "truncated"
        return EpisodeRecord(
            seed=seed,
            score=last.stats.score,
            steps=last.steps,
            actions=actions,
            refused=refused,
            turns=last.stats.turn,
            max_depth=self.max_depth,
            max_xl=self.max_xl,
            progression=round(progression(self.max_depth, self.max_xl, end == "ascended"), 6),
            end=end,
            death_cause=last.death_cause,
        )


def play_keystrokes(agent: Agent, session: Session, seed: int, max_steps: int) -> EpisodeRecord:
    """Game ``seed`` with a keystroke agent; a refused key costs an action, not a turn."""
    tracker = _Tracker(session.reset(seed))
    agent.start(seed)
    actions = refused = 0
    while not tracker.last.done and actions < max_steps:
        key = agent.act(tracker.last)
        actions += 1
        try:
            tracker.update(session.step(key))
        except KeystrokeError:
            refused += 1
    return tracker.record(seed, actions, refused)


def play_tools(
    agent: ToolAgent,
    tools: KeystrokeTools,
    seed: int,
    max_steps: int,
    game_steps: int | None = None,
) -> EpisodeRecord:
    """Game ``seed`` with a tool-calling agent, through the same tools ``serve --mcp`` serves.

    ``game_steps`` is the game's own keystroke limit (default ``max_steps``); a
    recorder sets it higher, so that the agent's budget stops the game and
    NetHack does not quit it.
    """
    data = tools.reset(seed, game_steps or max_steps)
    assert tools.session is not None
    tracker = _Tracker(tools.session.last)
    reply = ToolReply(ToolCall("reset", {"seed": seed}), False, step_text(data), data)
    agent.start(seed)
    actions = refused = 0
    while not tracker.last.done and actions < max_steps:
        call = _as_call(agent.call(reply))
        actions += 1
        try:
            if call.name == "reset":
                raise ToolCallError("the benchmark chooses the game: reset is not available here")
            out = tools.call(call.name, call.arguments)
        except ToolCallError as err:
            refused += 1
            reply = ToolReply(call, True, str(err))
            continue
        if call.name == "step":
            tracker.update(tools.session.last)
            reply = ToolReply(call, False, step_text(out), out)
        else:
            reply = ToolReply(call, False, json.dumps(out), out)
    return tracker.record(seed, actions, refused)


def _as_call(call: Any) -> ToolCall:
    if isinstance(call, ToolCall):
        return call
    if isinstance(call, Mapping) and isinstance(call.get("name"), str):
        return ToolCall(call["name"], dict(call.get("arguments") or {}))
    raise TypeError(f"a tool agent must return a ToolCall, got {type(call).__name__}")


# ------------------------------------------------------------------ workers
class Player:
    """One process's agent and game, reused from seed to seed.

    :meth:`play_game` plays one seed; a subclass that plays it differently
    (the recorder) overrides it and keeps the error handling and time limit.
    """

    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self.agent: Agent | ToolAgent | None = None
        self.session: Session | None = None
        self.tools: KeystrokeTools | None = None

    def play(self, seed: int) -> EpisodeRecord:
        """Seed ``seed``'s row: its figures, or the one-line error that ended it."""
        try:
            if self.agent is None:
                self.agent = load_agent(self.config.agent)
            with deadline(self.config.episode_timeout_s):
                return self.play_game(seed)
        except Exception as err:  # one broken episode must not end the benchmark
            self._drop_game()  # it may be mid-prompt or broken: the next seed gets a fresh one
            return EpisodeRecord(seed=seed, error=_one_line(err))

    def play_game(self, seed: int) -> EpisodeRecord:
        """Play game ``seed`` to its end or the step budget (exceptions go to :meth:`play`)."""
        assert self.agent is not None
        max_steps = self.config.max_steps
        if is_tool_agent(self.agent):
            if self.tools is None:
                self.tools = KeystrokeTools(seed, max_steps)
            return play_tools(self.agent, self.tools, seed, max_steps)  # type: ignore[arg-type]
        if self.session is None:
            self.session = Session(seed, max_steps)
        return play_keystrokes(self.agent, self.session, seed, max_steps)  # type: ignore[arg-type]

    def close(self) -> None:
        """Free the game (the agent stays loaded)."""
        self._drop_game()

    def _drop_game(self) -> None:
        for game in (self.session, self.tools):
            if game is not None:
                with contextlib.suppress(Exception):  # already broken: nothing left to save
                    game.close()
        self.session = self.tools = None


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


#: What plays the seeds: :class:`Player` or a subclass, built from the config.
PlayerFactory = Callable[[BenchConfig], Player]

_PLAYER: Player | None = None


def _init_worker(make_player: PlayerFactory, config: BenchConfig) -> None:
    global _PLAYER
    _PLAYER = make_player(config)


def _play_in_worker(seed: int) -> EpisodeRecord:
    assert _PLAYER is not None
    return _PLAYER.play(seed)


# ------------------------------------------------------------------ running
class _ProgressBar:
    """Seeds done, on stderr: redrawn in place on a terminal, every tenth otherwise."""

    def __init__(self, total: int, stream: TextIO, label: str = "bench") -> None:
        self.total, self.stream, self.done, self.label = total, stream, 0, label
        self.start = time.monotonic()
        self.tty = stream.isatty()

    def advance(self) -> None:
        self.done += 1
        step = max(1, self.total // 10)
        if not self.tty and self.done % step and self.done != self.total:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        line = f"{self.label} [{bar}] {self.done}/{self.total} seeds {elapsed:.0f}s"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def run_episodes(
    config: BenchConfig,
    progress: TextIO | None = None,
    seeds: Sequence[int] | None = None,
    make_player: PlayerFactory = Player,
    label: str = "bench",
) -> list[EpisodeRecord]:
    """Play ``seeds`` (default: every seed of ``config``) in ``config.workers`` processes.

    Args:
        config: The agent, step budget, workers and time limit.
        progress: Where the progress bar goes (None: no bar).
        seeds: The seeds to play, default ``config.seed_list``.
        make_player: Builds each process's :class:`Player` (a module-level
            class or function: worker processes receive it by pickling).
        label: The progress bar's name.

    Returns:
        One row per seed, in seed order.
    """
    seeds = config.seed_list if seeds is None else list(seeds)
    bar = _ProgressBar(len(seeds), progress, label) if progress is not None and seeds else None
    records: dict[int, EpisodeRecord] = {}
    if not seeds:
        return []
    if config.workers <= 1:
        player = make_player(config)
        try:
            for seed in seeds:
                records[seed] = player.play(seed)
                if bar:
                    bar.advance()
        finally:
            player.close()
        return [records[s] for s in seeds]
    broken = _run_pool(config, seeds, min(config.workers, len(seeds)), records, bar, make_player)
    for seed in broken:  # alone, so that a seed that kills its process is the only one marked
        records[seed] = _run_alone(config, seed, make_player)
        if bar:
            bar.advance()
    return [records[s] for s in seeds]


def _run_pool(
    config: BenchConfig,
    seeds: Sequence[int],
    workers: int,
    records: dict[int, EpisodeRecord],
    bar: _ProgressBar | None,
    make_player: PlayerFactory,
) -> list[int]:
    """Fill ``records``; the seeds lost with a dead worker process are returned."""
    broken: list[int] = []
    context = multiprocessing.get_context("spawn")  # NLE and threads do not survive fork well
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(make_player, config),
    ) as pool:
        futures = {pool.submit(_play_in_worker, seed): seed for seed in seeds}
        for future in as_completed(futures):
            seed = futures[future]
            try:
                records[seed] = future.result()
            except BrokenProcessPool:
                broken.append(seed)
                continue
            if bar:
                bar.advance()
    return sorted(broken)


def _run_alone(config: BenchConfig, seed: int, make_player: PlayerFactory) -> EpisodeRecord:
    records: dict[int, EpisodeRecord] = {}
    if _run_pool(config, [seed], 1, records, None, make_player):
        return EpisodeRecord(seed=seed, error="the worker process died (NetHack crashed?)")
    return records[seed]


def summarize(config: BenchConfig, records: Sequence[EpisodeRecord]) -> dict[str, Any]:
    """The ``bench.json`` content: means over the episodes that ran, then every episode."""
    ok = [r for r in records if r.error is None]

    def mean(name: str) -> float | None:
        values = [float(getattr(r, name)) for r in ok]
        return round(math.fsum(values) / len(values), 6) if values else None

    return {
        "agent": config.agent,
        "seeds": list(config.seeds),
        "max_steps": config.max_steps,
        "episodes": len(records),
        "errors": len(records) - len(ok),
        "mean_score": mean("score"),
        "mean_progression": mean("progression"),
        "mean_max_depth": mean("max_depth"),
        "mean_max_xl": mean("max_xl"),
        "mean_turns": mean("turns"),
        "mean_steps": mean("steps"),
        "ends": dict(sorted(Counter(str(r.end) for r in ok).items())),
        "progression_source": PROGRESSION_SOURCE,
        "per_episode": [asdict(r) for r in records],
    }


def write_results(
    out_dir: Path, summary: Mapping[str, Any], records: Sequence[EpisodeRecord]
) -> None:
    """Write ``bench.json`` and ``episodes.csv`` (both whole or neither).

    Raises:
        FileWriteError: a file could not be written; both are left as they were.
    """
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in asdict(record).items()})
    write_texts(
        {
            out_dir / "bench.json": json.dumps(summary, indent=2) + "\n",
            out_dir / "episodes.csv": table.getvalue(),
        }
    )


def check_agent(spec: str) -> None:
    """Load agent ``spec`` once and let it go, so a bad spec fails in one line, not per worker.

    Raises:
        ConfigError: the agent cannot be loaded.
    """
    agent = load_agent(spec)
    close = getattr(agent, "close", None)
    if callable(close):
        close()


def run_bench(config: BenchConfig, progress: TextIO | None = None) -> dict[str, Any]:
    """Check the agent, play every seed, write the files; the summary.

    Raises:
        ConfigError: the agent cannot be loaded (before any process starts).
    """
    check_agent(config.agent)
    records = run_episodes(config, progress)
    summary = summarize(config, records)
    write_results(config.out_dir, summary, records)
    return summary


# ------------------------------------------------------------------ command line
USAGE = "python -m rllib_nethack.agents.{command} agent=NAME [seeds=[FIRST,LAST]] [key=value ...]"


def checked(config: BenchConfig) -> BenchConfig:
    """``config`` with its seeds as a checked ``(first, last)`` range and every
    number in bounds: the checks across settings that their types cannot say.

    Raises:
        ConfigError: seeds out of the suite or reversed, a bad budget, worker count or timeout.
    """
    seeds: Any = config.seeds
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds, seeds]
    if not isinstance(seeds, list | tuple) or len(seeds) not in (1, 2):
        raise ConfigError(
            f"seeds must be [FIRST,LAST] (an inclusive range of 0-{SEEDED_SUITE_SIZE - 1}) "
            f"or one seed, got {seeds!r}"
        )
    first, last = check_seed(seeds[0]), check_seed(seeds[-1])
    if last < first:
        raise ConfigError(f"seeds=[{first},{last}]: the last seed comes before the first")
    return replace(
        config,
        seeds=(first, last),
        max_steps=check_max_steps(config.max_steps),
        workers=check_int("workers", config.workers, 1, 64),
        episode_timeout_s=check_timeout(config.episode_timeout_s),
    )


def parse_args(argv: Sequence[str]) -> BenchConfig:
    """``key=value`` arguments as a checked :class:`BenchConfig`.

    Raises:
        ConfigError: an unknown key, a bad value, or no ``agent=``.
    """
    return checked(parse_settings(BenchConfig, argv))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m rllib_nethack.agents.bench agent=... ...``)."""
    run_command(BenchConfig, _bench, USAGE.format(command="bench"), argv, check=checked)
    return 0


def _bench(config: BenchConfig) -> int:
    summary = run_bench(config, sys.stderr)
    first, last = config.seeds
    progression_pct = (summary["mean_progression"] or 0.0) * 100
    print(
        f"agent={config.agent} seeds {first}-{last} (max_steps={config.max_steps}): "
        f"mean score {summary['mean_score']}, mean progression {progression_pct:.3f}%, "
        f"mean deepest level {summary['mean_max_depth']}, errors {summary['errors']}; "
        f"wrote {config.out_dir / 'bench.json'} and {config.out_dir / 'episodes.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
