"""``rllib-nethack COMMAND``: every command behind one script, each with the same
``--help``, the same one-line errors and exit status 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from commands import run_command

from rllib_nethack.cli.main import COMMANDS, main

#: A setting (or flag) each command's ``--help`` must list.
SETTING_IN_HELP = {
    "run": "algo",
    "tune": "sweep",
    "evaluate": "episodes",
    "watch": "video",
    "replay": "speed",
    "play": "max_steps",
    "serve": "--stdio",
    "bench": "episode_timeout_s",
    "record": "workers",
    "tasks": "family",
}
#: Hydra apps: their ``--help`` is Hydra's, and Hydra reads ``sys.argv``.
HYDRA_COMMANDS = ("run", "tune")


def script() -> list[str]:
    """The installed console script, or its module where none is installed."""
    found = shutil.which("rllib-nethack", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "rllib_nethack.cli.main"]


def exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as done:
        return int(done.code or 0)


def test_every_command_is_tested() -> None:
    assert sorted(SETTING_IN_HELP) == sorted(COMMANDS)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["--help"]) == 0
    out = capsys.readouterr().out
    for name, command in COMMANDS.items():
        assert f"  {name}" in out and command.summary in out


@pytest.mark.parametrize("name", [n for n in COMMANDS if n not in HYDRA_COMMANDS])
def test_command_help_lists_its_settings(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status([name, "--help"]) == 0
    assert SETTING_IN_HELP[name] in capsys.readouterr().out


@pytest.mark.slow  # Hydra composes the config to print its help
@pytest.mark.parametrize("name", HYDRA_COMMANDS)
def test_hydra_command_help_through_the_script(name: str) -> None:
    proc = subprocess.run(
        [*script(), name, "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert SETTING_IN_HELP[name] in proc.stdout


def test_unknown_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["evaluat", "checkpoint=x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'evaluate'" in err


def test_no_command_shows_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status([]) == 2
    assert "commands:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "checkpoint=x", "episodez=3"], "did you mean 'episodes'"),
        (["bench", "agent=random", "workers=many"], "workers must be an integer"),
        (["tasks", "family=nethak"], "did you mean 'nethack'"),
        (["play", "seed=1000"], "between 0 and 999"),
    ],
)
def test_bad_setting_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_status(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


@pytest.mark.slow  # two interpreters that each load every task
def test_script_runs_a_command_as_python_m_does() -> None:
    through_script = subprocess.run(
        [*script(), "tasks", "json=true"], capture_output=True, text=True, timeout=120, check=True
    )
    direct = run_command("rllib_nethack.tasks", "json=true", timeout=120)
    assert direct.returncode == 0, direct.stderr[-3000:]
    assert through_script.stdout == direct.stdout and '"name": "challenge"' in direct.stdout
