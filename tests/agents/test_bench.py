"""The agent benchmark: files, reproducibility, error rows, both agent shapes, the CLI."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from commands import run_command

from rllib_nethack.agents import ToolCall, ToolReply, load_agent
from rllib_nethack.agents.bench import run_bench
from rllib_nethack.agents.progression import DEPTH_PROGRESSION, XL_PROGRESSION, progression
from rllib_nethack.agents.settings import BenchConfig, parse_args
from rllib_nethack.agents.summary import COLUMNS
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes import StepResult

KEYS = ("s", "l", "tab", "j", "i", "escape", "h", "s")


class CrashOnSeedOne:
    """Plays searches, but breaks down in game 1."""

    def start(self, seed: int) -> None:
        self.seed = seed

    def act(self, result: StepResult) -> str:
        if self.seed == 1 and result.steps == 3:
            raise RuntimeError("agent bug\nwith a second line")
        return "s"


class DieOnSeedOne:
    """Takes its whole process down in game 1, as a NetHack segfault would."""

    def start(self, seed: int) -> None:
        if seed == 1:
            os._exit(3)

    def act(self, result: StepResult) -> str:
        return "s"


class ScriptedKeys:
    """A keystroke agent sending KEYS in turn (one of them refused by the game)."""

    def start(self, seed: int) -> None:
        self.i = 0

    def act(self, result: StepResult) -> str:
        self.i += 1
        return KEYS[(self.i - 1) % len(KEYS)]


class ScriptedTools:
    """A tool-calling agent: asks for the commands, tries a bad tool, then sends KEYS."""

    def start(self, seed: int) -> None:
        self.calls = [ToolCall("commands"), ToolCall("stepp", {"keystroke": "s"})]
        self.calls += [ToolCall("step", {"keystroke": k}) for k in KEYS]
        self.replies: list[ToolReply] = []

    def call(self, reply: ToolReply) -> ToolCall:
        self.replies.append(reply)
        return self.calls[(len(self.replies) - 1) % len(self.calls)]


def _read(out: Path) -> tuple[str, str]:
    return (out / "bench.json").read_text(), (out / "episodes.csv").read_text()


def test_random_baseline_writes_both_files_and_a_rerun_is_identical(tmp_path: Path) -> None:
    config = BenchConfig(agent="random", seeds=(0, 2), max_steps=150, workers=2, out="")
    first = BenchConfig(**{**config.__dict__, "out": str(tmp_path / "a")})
    second = BenchConfig(**{**config.__dict__, "out": str(tmp_path / "b")})
    summary = run_bench(first)
    run_bench(second)
    assert _read(tmp_path / "a") == _read(tmp_path / "b")
    rows = list(csv.DictReader((tmp_path / "a" / "episodes.csv").open()))
    assert [int(r["seed"]) for r in rows] == [0, 1, 2]
    assert tuple(rows[0]) == COLUMNS
    assert all(r["error"] == "" and int(r["actions"]) <= 150 for r in rows)
    assert summary["episodes"] == 3 and summary["errors"] == 0
    saved = json.loads((tmp_path / "a" / "bench.json").read_text())
    assert saved["per_episode"][2]["seed"] == 2 and "BALROG" in saved["progression_source"]


def test_a_checkpoint_agent_plays_and_replays_the_same_games(
    tmp_path: Path, tty_checkpoint: Path
) -> None:
    """``checkpoint:PATH``: a policy's action ids become keys; greedy play of seeded
    games repeats exactly."""
    run = {"agent": f"checkpoint:{tty_checkpoint}", "seeds": (0, 1), "max_steps": 40}
    summary = run_bench(BenchConfig(**run, workers=1, out=str(tmp_path / "a")))
    run_bench(BenchConfig(**run, workers=1, out=str(tmp_path / "b")))
    assert summary["episodes"] == 2 and summary["errors"] == 0, summary
    rows = list(csv.DictReader((tmp_path / "a" / "episodes.csv").open()))
    assert all(0 < int(r["actions"]) <= 40 for r in rows), rows
    assert _read(tmp_path / "a") == _read(tmp_path / "b")


def test_a_failing_episode_is_an_error_row_and_the_rest_go_on(tmp_path: Path) -> None:
    config = BenchConfig(
        agent=f"{__name__}:CrashOnSeedOne", seeds=(0, 2), max_steps=20, workers=1, out=str(tmp_path)
    )
    summary = run_bench(config)
    rows = {r["seed"]: r for r in summary["per_episode"]}
    assert rows[1]["error"] == "RuntimeError: agent bug with a second line"
    assert rows[1]["score"] is None
    assert rows[0]["error"] is None and rows[0]["steps"] == 20
    assert rows[2]["error"] is None and rows[2]["steps"] == 20
    assert summary["errors"] == 1 and summary["mean_steps"] == 20.0


@pytest.mark.parametrize("workers", [1, 2])
def test_a_hanging_agent_is_an_error_row_after_episode_timeout_s(
    tmp_path: Path, workers: int
) -> None:
    config = BenchConfig(
        "rllib_nethack.testing.agents:HangOnSeedOne", (0, 2), 10, workers, str(tmp_path), 0.5
    )
    started = time.monotonic()
    rows = {r["seed"]: r for r in run_bench(config)["per_episode"]}
    assert time.monotonic() - started < 60
    assert rows[1]["error"] == "EpisodeTimeout: the episode ran past episode_timeout_s=0.5 s"
    assert rows[0]["steps"] == rows[2]["steps"] == 10
    assert parse_args(["agent=random", "episode_timeout_s=30"]).episode_timeout_s == 30.0


@pytest.mark.slow  # starts up to four worker processes
def test_a_dead_worker_process_costs_only_its_own_seed(tmp_path: Path) -> None:
    config = BenchConfig(f"{__name__}:DieOnSeedOne", (0, 2), 10, 2, str(tmp_path))
    rows = {r["seed"]: r for r in run_bench(config)["per_episode"]}
    assert "worker process died" in rows[1]["error"]
    assert rows[0]["steps"] == rows[2]["steps"] == 10
    assert rows[0]["error"] is None and rows[2]["error"] is None


def test_tool_agent_plays_the_same_game_as_a_keystroke_agent(tmp_path: Path) -> None:
    """Refused keys and calls cost actions but not game steps; the game is the same either way.

    On a seed past the suite (5000), which both kinds of agent may play.
    """
    budget = 2 * len(KEYS)
    keys = run_bench(
        BenchConfig(f"{__name__}:ScriptedKeys", (5000, 5000), budget, 1, str(tmp_path / "k"))
    )["per_episode"][0]
    assert (keys["actions"], keys["refused"], keys["steps"]) == (budget, 2, budget - 2)

    agent: Any = load_agent(f"{__name__}:ScriptedTools")
    assert callable(agent.call)
    tools_budget = 2 * (len(KEYS) + 2)  # the same keys, plus commands() and a bad tool each round
    row = run_bench(
        BenchConfig(f"{__name__}:ScriptedTools", (5000, 5000), tools_budget, 1, str(tmp_path / "t"))
    )["per_episode"][0]
    assert (row["actions"], row["refused"]) == (tools_budget, 2 + 2)
    assert {k: row[k] for k in ("steps", "turns", "score")} == {
        k: keys[k] for k in ("steps", "turns", "score")
    }


def test_tool_agent_replies_look_like_mcp() -> None:
    from rllib_nethack.agents.episodes import play_tools
    from rllib_nethack.keystrokes.tools import KeystrokeTools

    agent = ScriptedTools()
    tools = KeystrokeTools()
    try:
        play_tools(agent, tools, seed=4, max_steps=4)
    finally:
        tools.close()
    first, commands, bad, step = agent.replies
    assert first.call.name == "reset" and first.data["seed"] == 4
    assert not commands.is_error and "movement" in json.loads(commands.text)
    assert bad.is_error and "'step'" in bad.text  # did you mean 'step'?
    assert not step.is_error and step.data["steps"] == 1 and step.data["key"] == "s"
    assert step.text.splitlines()[:24] == step.data["screen"]


def test_progression_is_balrogs_table() -> None:
    assert progression(1, 1) == 0.0
    assert progression(5, 1) == DEPTH_PROGRESSION[5]
    assert progression(2, 10) == XL_PROGRESSION[10]  # the larger of the two
    assert progression(60, 1) == DEPTH_PROGRESSION[50]
    assert progression(3, 2, ascended=True) == 1.0
    for table in (DEPTH_PROGRESSION, XL_PROGRESSION):
        values = [table[k] for k in sorted(table)]
        assert values == sorted(values) and values[0] >= 0.0 and values[-1] < 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["seeds=[0,9]"], "missing setting agent=...: random, explorer"),
        (["agent=random", "seed=[0,9]"], "did you mean 'seeds'"),
        (["agent=random", "seeds=[9,0]"], "before the first"),
        (["agent=random", "seeds=[-1,3]"], "seeded task"),
        (["agent=random", "max_steps=0"], "max_steps"),
        (["agent=random", "episode_timeout_s=-1"], "episode_timeout_s must be"),
        (["agent=random", "episode_timeout_s=soon"], "episode_timeout_s must be"),
    ],
)
def test_bad_arguments_are_one_line(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_args(argv)


def test_bad_agent_specs() -> None:
    for spec, message in [
        ("randm", "did you mean 'random'"),
        ("no_such_module_xyz:act", "cannot import module"),
        ("json:dumpz", "json has no 'dumpz'; did you mean .*'dumps'"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_agent(spec)


def test_cli_error_is_one_line(tmp_path: Path) -> None:
    proc = run_command("rllib_nethack.agents.bench", "agent=randm", f"out={tmp_path}", timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "random" in proc.stderr
    assert not (tmp_path / "bench.json").exists()


def test_cli_summary_line_rounds_the_means_and_reads_past_the_suite(tmp_path: Path) -> None:
    args = ("agent=random", "seeds=[5000,5001]", "max_steps=30", "workers=1", f"out={tmp_path}")
    proc = run_command("rllib_nethack.agents.bench", *args, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "bench.json").read_text())
    assert [row["seed"] for row in summary["per_episode"]] == [5000, 5001]
    line = proc.stdout.strip().splitlines()[-1]
    assert f"mean score {summary['mean_score']:.1f}," in line
    assert f"mean deepest level {summary['mean_max_depth']:.2f}," in line
