"""Seeds spread over worker processes, with a dead process costing only its own seed.

Each process keeps one :class:`~rllib_nethack.agents.player.Player`; seeds go
to whichever process is free, and the rows come back in seed order. A process
that dies (NetHack can crash its process) loses the seeds it held; each of
those is then played again alone, so that only the seed that kills its
process is marked.

A Ctrl-C or SIGTERM (made an interrupt by the caller) stops the games under way
(their processes are ended, not waited for) and raises :class:`EpisodesStopped`
with the rows of the seeds finished before it, so a long benchmark keeps them.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TextIO, TypeVar

from rllib_nethack.agents.player import Player, PlayerFactory
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.results.episode import EpisodeRecord
from rllib_nethack.results.progress import ProgressBar
from rllib_nethack.training.signals import SIGNAL_STOPS, sigterm_as_interrupt, stop_name

R = TypeVar("R")

_PLAYER: Player | None = None


class EpisodesStopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the games; ``records``: the finished seeds' rows, in seed order."""

    def __init__(self, records: list[EpisodeRecord]) -> None:
        super().__init__(f"stopped after {len(records)} seeds")
        self.records = records


def _init_worker(make_player: PlayerFactory, config: BenchConfig) -> None:
    global _PLAYER
    _PLAYER = make_player(config)


def _play_in_worker(seed: int) -> EpisodeRecord:
    assert _PLAYER is not None
    return _PLAYER.play(seed)


def until_stopped(
    play: Callable[[], R],
    report: Callable[[R], int],
    stopped_line: Callable[[str, EpisodesStopped], str],
) -> int:
    """``play()`` with SIGTERM raised as an interrupt, then ``report(result)``'s exit
    status; after a stop, ``stopped_line(name, stop)`` on stderr and 130 or 143."""
    with sigterm_as_interrupt():
        try:
            result = play()
        except EpisodesStopped as stopped:
            name = stop_name(stopped)
            print(stopped_line(name, stopped), file=sys.stderr)
            return SIGNAL_STOPS[name]
    return report(result)


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
    if not seeds:
        return []
    bar: ProgressBar | None = None
    records: dict[int, EpisodeRecord] = {}

    def finished(record: EpisodeRecord) -> None:
        records[record.seed] = record
        if bar is not None:
            bar.update(1, record.steps or 0)

    try:  # from the bar on: a stop however early keeps the caller's stopped path
        if progress is not None:
            bar = ProgressBar(len(seeds), label, progress, unit="seeds")
        if config.workers <= 1:
            player = make_player(config)
            try:
                for seed in seeds:
                    finished(player.play(seed))
            finally:
                player.close()
        else:
            workers = min(config.workers, len(seeds))
            for seed in _run_pool(config, seeds, workers, finished, make_player):
                # alone, so that a seed that kills its process is the only one marked
                finished(_run_alone(config, seed, make_player))
    except KeyboardInterrupt as stop:
        raise EpisodesStopped([records[s] for s in seeds if s in records]) from stop
    finally:
        if bar is not None:
            bar.close()
    return [records[s] for s in seeds]


def _run_pool(
    config: BenchConfig,
    seeds: Sequence[int],
    workers: int,
    finished: Callable[[EpisodeRecord], None],
    make_player: PlayerFactory,
) -> list[int]:
    """Hand each seed's row to ``finished``; the seeds lost with a dead process are returned."""
    broken: list[int] = []
    context = multiprocessing.get_context("spawn")  # NLE and threads do not survive fork well
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(make_player, config)
    )
    try:
        futures = {pool.submit(_play_in_worker, seed): seed for seed in seeds}
        for future in as_completed(futures):
            try:
                record = future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
                continue
            finished(record)
    except KeyboardInterrupt:
        # Leaving the pool would wait for every game under way: end them instead.
        for process in list((pool._processes or {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(broken)


def _run_alone(config: BenchConfig, seed: int, make_player: PlayerFactory) -> EpisodeRecord:
    rows: list[EpisodeRecord] = []
    if _run_pool(config, [seed], 1, rows.append, make_player):
        return EpisodeRecord(seed=seed, error="the worker process died (NetHack crashed?)")
    return rows[0]
