"""Every ``examples/`` script runs as its docstring says, at the smallest settings it takes.

Two slow tests of about 30-40 s each on 2 CPUs: the scripts that play games (seconds
each) with the one that trains APPO, and the one that records games and trains BC. A
script added to the folder fails ``test_every_example_is_run`` until it is run here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from commands import ROOT, run_python

EXAMPLES = ROOT / "examples"

#: The smallest training run: one iteration in the driver, nothing but progress.csv.
TINY_RUN = (
    "debug=smoke",
    "cluster.rllib.num_env_runners=0",
    "experiment.tensorboard=false",
    "experiment.plot=false",
)
#: Each script's smallest run: its arguments, and a line its output must hold.
QUICK = {
    "random_agent.py": (("room5x5", "1"), "episode 0: return"),
    "keystroke_agent.py": (("7",), "commands in"),
    "tool_calling_agent.py": ((), "refused"),
    "mcp_client.py": (("7",), "tools: "),
    "train_minihack.py": (("room5x5", "64", *TINY_RUN), "final mean return"),
}
CLONE = ("clone_explorer.py", ("1", "40", "64", *TINY_RUN), "run directory")


def test_every_example_is_run() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == {*QUICK, CLONE[0]}


def run_example(name: str, args: tuple[str, ...], expect: str, cwd: Path) -> None:
    done = run_python(EXAMPLES / name, *args, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
    assert expect in done.stdout, f"{name}: {done.stdout[-3000:]}"
    assert "Traceback" not in done.stderr, f"{name}: {done.stderr[-3000:]}"


@pytest.mark.slow
def test_quick_examples_run(tmp_path: Path) -> None:
    for script, (args, expect) in QUICK.items():
        if script == "mcp_client.py" and importlib.util.find_spec("mcp") is None:
            continue  # the [mcp] extra; the test extras install it
        run_example(script, args, expect, tmp_path)


@pytest.mark.slow
def test_clone_explorer_records_and_trains(tmp_path: Path) -> None:
    run_example(*CLONE, tmp_path)
    assert (tmp_path / "runs" / "demos" / "explorer").is_dir()  # clone_explorer's recordings
