"""The settings of ``agents.bench`` and ``agents.record``: the dataclass, its checks, its parsing.

``python -m rllib_nethack.agents.bench --help`` lists them from :class:`BenchConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rllib_nethack.agents.deadline import check_timeout
from rllib_nethack.cli.settings import parse_settings
from rllib_nethack.envs.catalog import SEEDED_SUITE_SIZE
from rllib_nethack.errors import ConfigError, check_int
from rllib_nethack.keystrokes.session import check_max_steps, check_seed

DEFAULT_MAX_STEPS = 10_000
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class BenchConfig:
    """One benchmark run (the ``key=value`` settings of ``bench`` and ``record``).

    Attributes:
        agent: random, explorer, traveller, checkpoint:PATH or MODULE:CALLABLE (see
            rllib_nethack.agents.protocol).
        seeds: [FIRST,LAST], an inclusive range of seeds, or one seed: 0-999 are the
            suite's games; seeds past 999 are other games of the same task, never in
            the suite (to compare a policy cloned from the suite on unseen games).
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
            f"seeds must be [FIRST,LAST] (an inclusive range; 0-{SEEDED_SUITE_SIZE - 1} "
            f"is the suite) or one seed, got {seeds!r}"
        )
    first, last = (check_seed(seed, suite=False) for seed in (seeds[0], seeds[-1]))
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
