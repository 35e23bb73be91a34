"""``benchmarks/minihack_suite.py`` as users run it: its help, and a tiny grid run twice."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from commands import ROOT, run_python

from rllib_nethack.training.reporting import read_progress

SUITE = ROOT / "benchmarks" / "minihack_suite.py"


def suite(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_python(SUITE, *args, cwd=cwd, timeout=300)


def test_unknown_setting_is_one_line(tmp_path: Path) -> None:
    done = suite("--settings", "appo+rdn", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # a user error, as our commands end
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown setting 'appo+rdn'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_negative_play_is_one_line(tmp_path: Path) -> None:
    done = suite("--play", "-1", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--play must be at least 0, got -1" in lines[0]


@pytest.mark.slow(seconds=100)
def test_tiny_grid_writes_table_and_curves_and_a_rerun_skips_finished_runs(tmp_path: Path) -> None:
    out = tmp_path / "suite"
    args = [
        "--tasks=MiniHack-Room-5x5-v0",
        "--settings=appo,appo+rnd",
        "--budget=100",
        "--play=3",
        f"--out={out}",
        "debug=smoke",
        "stop.iterations=null",
        "cluster.rllib.num_env_runners=0",  # no env-runner actors: the test's seconds
        "experiment.tensorboard=false",
    ]
    first = suite(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    with (out / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["setting"], r["seed"]) for r in rows] == [("appo", "0"), ("appo+rnd", "0")]
    assert all(int(r["env_steps"]) >= 100 and float(r["wall_s"]) > 0 for r in rows)
    assert "explore=rnd" in rows[1]["command"]
    assert "explore=none" in rows[0]["command"]  # plain APPO, not the family's bonus
    for row in rows:  # each final checkpoint played 3 episodes, and each ending is counted once
        assert row["played"] == "3"
        shares = [float(row[c]) for c in ("played_success", "played_death", "played_cut")]
        assert all(0 <= s <= 1 for s in shares) and abs(sum(shares) - 1) < 1e-9, row
    assert first.stdout.count("play   ") == 2
    table = (out / "results.md").read_text()
    assert "| MiniHack-Room-5x5-v0 | appo+rnd | 0 | 100 |" in table
    assert (out / "MiniHack-Room-5x5-v0.png").read_bytes()[:4] == b"\x89PNG"
    assert first.stdout.count("run    ") == 2

    second = suite(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("skip   ") == 2 and "run    " not in second.stdout
    assert "play   " not in second.stdout
    with (out / "results.csv").open() as f:
        assert list(csv.DictReader(f)) == rows

    # A command for one of the settings keeps the other's row (and curve) from before.
    third = suite(*[a if a != "--settings=appo,appo+rnd" else "--settings=appo" for a in args],
                  cwd=tmp_path)  # fmt: skip
    assert third.returncode == 0, third.stdout + third.stderr
    assert third.stdout.count("skip   ") == 1
    with (out / "results.csv").open() as f:
        assert list(csv.DictReader(f)) == rows
    assert "| MiniHack-Room-5x5-v0 | appo+rnd | 0 | 100 |" in (out / "results.md").read_text()


@pytest.mark.slow(seconds=100)
def test_ctrl_c_passes_on_to_the_run_which_saves_then_a_rerun_resumes_it(tmp_path: Path) -> None:
    """As a terminal's Ctrl-C: the signal reaches the suite only (its run is in a
    session of its own), the suite hands it on, waits while the run saves, and ends
    with one line and 130; Python's ``subprocess.run`` killed the run mid-save.
    The same line again goes on from that checkpoint, in the same directory."""
    out = tmp_path / "suite"
    grid = ["--tasks=MiniHack-Room-5x5-v0", "--settings=appo", f"--out={out}", "debug=smoke",
            "stop.iterations=null", "cluster.rllib.num_env_runners=0",
            "experiment.tensorboard=false"]  # fmt: skip
    suite_process = subprocess.Popen(
        [sys.executable, str(SUITE), "--budget=10000000", *grid],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    progress = out / "runs" / "MiniHack-Room-5x5-v0" / "appo" / "seed0" / "progress.csv"
    try:
        deadline = time.monotonic() + 240
        while not (progress.is_file() and len(progress.read_text().splitlines()) >= 2):
            assert suite_process.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        suite_process.send_signal(signal.SIGINT)
        stdout, stderr = suite_process.communicate(timeout=120)
    finally:
        suite_process.kill()
    assert suite_process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: the run under way stopped (exit 130)"), stderr
    log = (out / "runs" / "MiniHack-Room-5x5-v0" / "appo" / "seed0.log").read_text()
    assert "stopped by interrupted after" in log, log[-2000:]  # the run ended its own way

    cut = read_progress(progress)
    budget = int(cut[-1]["env_steps"]) + 50  # a little more than the cut run sampled
    again = suite(f"--budget={budget}", "--play=0", *grid, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (
        f"resume MiniHack-Room-5x5-v0 appo seed 0: from iteration {int(cut[-1]['iteration'])}"
        in (again.stdout)
    )
    rows = read_progress(progress)
    iterations = [int(r["iteration"]) for r in rows]
    assert iterations == list(range(1, len(rows) + 1)) and len(rows) > len(cut)  # no gap, no repeat
    assert rows[-1]["env_steps"] >= budget and rows[len(cut)]["time_s"] < cut[-1]["time_s"]
    log = (out / "runs" / "MiniHack-Room-5x5-v0" / "appo" / "seed0.log").read_text()
    assert "stopped by interrupted after" in log and "--- resumed from" in log  # both pieces kept
    with (out / "results.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert int(row["env_steps"]) == rows[-1]["env_steps"]
    assert float(row["wall_s"]) == pytest.approx(cut[-1]["time_s"] + rows[-1]["time_s"], abs=0.1)
