"""A keystroke benchmark or recording stopped by SIGTERM or Ctrl-C keeps the games it finished.

Agent games can be slow and costly (an LLM's), so a stop must not throw away the
seeds already played: ``bench`` writes them, marked ``stopped``, with the seeds
it did not play; ``record`` keeps every finished game and the same command goes on.
"""

from __future__ import annotations

import csv
import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TrainingProcess

pytestmark = pytest.mark.slow

SEEDS = 60  # the bar prints at every tenth: a line soon after two games
#: The progress bar once two games have ended.
TWO_DONE = rf"\b([2-9]|\d\d+)/{SEEDS} seeds"


def agent_command(spawn: Callable[..., TrainingProcess], module: str) -> TrainingProcess:
    return spawn(
        "agent=explorer",
        f"seeds=[0,{SEEDS - 1}]",
        "workers=2",
        "max_steps=2000",
        "out=out",
        module=f"rllib_nethack.agents.{module}",
    )


STOPS = [(signal.SIGTERM, "SIGTERM", 143), (signal.SIGINT, "interrupted", 130)]


@pytest.mark.parametrize(("sig", "name", "status"), STOPS)
def test_a_stopped_bench_writes_the_seeds_it_finished(
    spawn: Callable[..., TrainingProcess], tmp_path: Path, sig: int, name: str, status: int
) -> None:
    run = agent_command(spawn, "bench")
    run.wait_for(TWO_DONE, stderr=True, timeout=120)
    run.send(sig)
    assert run.finish(timeout=60) == status, run.err[-3000:]
    summary = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert summary["stopped"] == name
    played = [e["seed"] for e in summary["per_episode"]]
    assert 2 <= len(played) < SEEDS and played == sorted(played)
    assert sorted(played + summary["unplayed_seeds"]) == list(range(SEEDS))
    with (tmp_path / "out" / "episodes.csv").open() as f:
        assert [int(r["seed"]) for r in csv.DictReader(f)] == played
    assert f"{name}: stopped after {len(played)} of {SEEDS} seeds" in run.err


def test_a_recording_stopped_by_sigterm_keeps_its_games_and_goes_on(
    spawn: Callable[..., TrainingProcess], tmp_path: Path
) -> None:
    run = agent_command(spawn, "record")
    run.wait_for(TWO_DONE, stderr=True, timeout=120)
    run.send(signal.SIGTERM)
    assert run.finish(timeout=60) == 143, run.err[-3000:]
    assert "SIGTERM: stopped after" in run.err and "the same command goes on" in run.err
    kept = sorted(p.name for p in (tmp_path / "out").glob("seed-*"))
    assert len(kept) >= 2
    assert all((tmp_path / "out" / name / "episode.json").is_file() for name in kept)

    again = agent_command(spawn, "record")
    again.wait_for(rf"{len(kept)} of {SEEDS} seeds already in", stderr=True, timeout=120)
    again.send(signal.SIGTERM)
    assert again.finish(timeout=60) == 143, again.err[-3000:]
