"""Recording: games read back through nle.dataset are the games played, every seed is kept,
runs resume and repeat, and a hanging agent costs only its seed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from commands import run_command

from rllib_nethack.agents.baselines import ExplorerAgent, RandomAgent
from rllib_nethack.agents.record import (
    EPISODE_FILE,
    PARTIAL_DIR,
    SUMMARY_FILE,
    run_record,
    seed_dir,
    ttyrec_name,
)
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.datasets import Demonstrations, add_directory, open_db
from rllib_nethack.datasets.nld import read_ttyrec
from rllib_nethack.datasets.xlogfile import CUT_DEATH
from rllib_nethack.envs.nle_access import parse_xlog_line
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes import StepResult
from rllib_nethack.keystrokes.keymap import parse_action

#: What each agent saw, per seed: step number -> (screen, cursor, key accepted at that step).
SEEN: dict[int, dict[int, tuple[tuple[str, ...], tuple[int, int], str]]] = {}
SPACE = 32
#: Fields of an xlogfile line that are clock readings.
CLOCK_FIELDS = ("deathdate", "birthdate", "realtime", "starttime", "endtime")


class _Watched:
    """Logs each screen and the key answered on it (a refused key is replaced by the next)."""

    def start(self, seed: int) -> None:
        super().start(seed)  # type: ignore[misc]
        self._log = SEEN.setdefault(seed, {})
        self._log.clear()

    def act(self, result: StepResult) -> str:
        key: str = super().act(result)  # type: ignore[misc]
        self._log[result.steps] = (result.screen, result.cursor, key)
        return key


class WatchedExplorer(_Watched, ExplorerAgent):
    """The explorer baseline, watched."""


class WatchedRandom(_Watched, RandomAgent):
    """The random baseline, watched."""


def _record(tmp_path: Path, agent: str, seeds: tuple[int, int], max_steps: int, out: str) -> Any:
    config = BenchConfig(agent, seeds, max_steps, 1, str(tmp_path / out))
    return run_record(config)


def _screen(chars: np.ndarray) -> tuple[str, ...]:
    return tuple(bytes(row).decode("latin-1").rstrip() for row in chars)


def _played_from(batch: Any, frames: np.ndarray, first: int, seen: Any, steps: int) -> bool:
    """Whether frames ``first ..`` show the screens and cursors the agent saw, step by step."""
    return all(
        _screen(batch.tty_chars[0, frames[first + i]]) == seen[i][0]
        and tuple(batch.tty_cursor[0, frames[first + i]]) == seen[i][1]
        for i in range(steps)
    )


@pytest.mark.parametrize("agent", ["WatchedExplorer", "WatchedRandom"])
def test_games_read_back_through_nle_dataset_are_the_games_played(
    tmp_path: Path, agent: str
) -> None:
    max_steps = 120
    summary = _record(tmp_path, f"{__name__}:{agent}", (0, 2), max_steps, "rec")
    rows = {r["seed"]: r for r in summary["per_episode"]}
    assert summary["errors"] == 0 and sorted(rows) == [0, 1, 2]

    db = open_db(tmp_path / "ttyrecs.db")
    assert add_directory(db, tmp_path / "rec", "demo") == 3  # every game, the cut ones too
    demos = Demonstrations(db, "demo", task="nethack_seeded", seq_length=4096)
    batch = next(iter(demos))
    frames_of = {int(g): np.flatnonzero(batch.gameid[0] == g) for g in demos.gameids}
    for gameid, frames in frames_of.items():
        seed = int(demos.paths(gameid)[0].split("/")[0].split("-")[1])
        seen, steps = SEEN[seed], rows[seed]["steps"]
        meta = demos.meta(gameid)
        assert batch.reset[0, frames[0]] and not batch.reset[0, frames[1:]].any()

        # Before the agent's first key NLE may press space through a --More--.
        intro = next(k for k in range(4) if _played_from(batch, frames, k, seen, steps))
        assert (batch.keypress[0, frames[:intro]] == SPACE).all()
        played = frames[intro : intro + steps]
        expected = [parse_action(seen[i][2]) for i in range(steps)]
        assert batch.action[0, played].tolist() == expected
        if rows[seed]["end"] == "truncated":
            assert steps == max_steps and len(frames) == intro + steps  # no key after the cut
            assert meta["death"] == CUT_DEATH
            assert meta["turns"] == rows[seed]["turns"] and meta["points"] == rows[seed]["score"]
        else:
            assert meta["death"] != CUT_DEATH and len(frames) > intro + steps  # NetHack's end keys
        assert meta["role"] != "?" and meta["race"] != "?" and meta["align"] != "?"
        assert meta["gender"] in ("Mal", "Fem")
    assert demos.report() == "" or "outside the task's 121 actions" in demos.report()


def _normalised_xlog(path: Path) -> dict[str, str]:
    fields = parse_xlog_line(path.read_text())
    return {k: v for k, v in fields.items() if k not in CLOCK_FIELDS}


def test_same_agent_and_seeds_give_the_same_files(tmp_path: Path) -> None:
    _record(tmp_path, "explorer", (0, 1), 60, "a")
    _record(tmp_path, "explorer", (0, 1), 60, "b")
    a, b = tmp_path / "a", tmp_path / "b"
    names = sorted(str(p.relative_to(a)) for p in a.rglob("*"))
    assert names == sorted(str(p.relative_to(b)) for p in b.rglob("*"))
    assert f"seed-0001/{ttyrec_name(1)}" in names and PARTIAL_DIR not in str(names)
    assert (a / SUMMARY_FILE).read_bytes() == (b / SUMMARY_FILE).read_bytes()
    for seed in (0, 1):
        da, db = seed_dir(a, seed), seed_dir(b, seed)
        assert (da / EPISODE_FILE).read_bytes() == (db / EPISODE_FILE).read_bytes()
        xa, xb = (
            _normalised_xlog(da / f"nle.{seed}.xlogfile"),
            _normalised_xlog(db / f"nle.{seed}.xlogfile"),
        )
        assert xa == xb and xa["ttyrecname"] == ttyrec_name(seed)
        ta, tb = read_ttyrec(da / ttyrec_name(seed)), read_ttyrec(db / ttyrec_name(seed))
        for key in ("tty_chars", "tty_colors", "tty_cursor", "keypresses", "scores"):
            assert np.array_equal(ta[key], tb[key]), key


def test_resume_skips_seeds_already_written(tmp_path: Path) -> None:
    _record(tmp_path, "explorer", (0, 1), 40, "r")
    first = (seed_dir(tmp_path / "r", 0) / ttyrec_name(0)).stat()
    (tmp_path / "r" / PARTIAL_DIR / "seed-0002").mkdir(parents=True)  # a killed run's leftovers
    summary = _record(tmp_path, "explorer", (0, 2), 40, "r")
    assert summary["skipped"] == 2 and summary["episodes"] == 3 and summary["errors"] == 0
    again = (seed_dir(tmp_path / "r", 0) / ttyrec_name(0)).stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert (seed_dir(tmp_path / "r", 2) / ttyrec_name(2)).exists()
    assert not (tmp_path / "r" / PARTIAL_DIR).exists()
    with pytest.raises(ConfigError, match="holds games of agent=explorer max_steps=40"):
        _record(tmp_path, "random", (0, 2), 40, "r")


def test_a_hanging_agent_costs_only_its_seed(tmp_path: Path) -> None:
    config = BenchConfig(
        "rllib_nethack.testing.agents:HangOnSeedOne", (0, 2), 10, 1, str(tmp_path), 1.0
    )
    started = time.monotonic()
    summary = run_record(config)
    assert time.monotonic() - started < 30
    rows = {r["seed"]: r for r in summary["per_episode"]}
    assert "episode_timeout_s=1" in rows[1]["error"]
    assert rows[0]["error"] is None and rows[2]["error"] is None
    assert not seed_dir(tmp_path, 1).exists()  # nothing half-written; a rerun plays it again
    assert seed_dir(tmp_path, 0).exists() and seed_dir(tmp_path, 2).exists()
    saved = json.loads((tmp_path / SUMMARY_FILE).read_text())
    assert saved["errors"] == 1


def test_cli_records_and_reports_in_one_line(tmp_path: Path) -> None:
    proc = run_command("rllib_nethack.agents.record", "agent=randm", f"out={tmp_path}", timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "did you mean 'random'" in proc.stderr
    proc = run_command(
        "rllib_nethack.agents.record",
        "agent=random",
        "seeds=[3,4]",
        "max_steps=30",
        "workers=2",
        f"out={tmp_path / 'cli'}",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "recorded 2 games of agent=random" in proc.stdout and "record [" in proc.stderr
    assert (seed_dir(tmp_path / "cli", 4) / "nle.4.xlogfile").exists()
