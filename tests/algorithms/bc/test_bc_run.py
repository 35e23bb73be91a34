"""``algo=bc`` end to end: recorded games, a real run that must learn, resume, evaluate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from commands import run_cli, run_command

from rllib_nethack.agents.record import run_record
from rllib_nethack.agents.settings import BenchConfig
from rllib_nethack.keystrokes import StepResult

#: The demonstrator's keys, in turn: each is told by the one before it.
CYCLE = ("h", "j", "k", "l")


class Cycle:
    """A demonstrator a recurrent policy can copy exactly: west, south, north, east, ..."""

    def start(self, seed: int) -> None:
        self.turn = 0

    def act(self, result: StepResult) -> str:
        self.turn += 1
        return CYCLE[(self.turn - 1) % len(CYCLE)]


def last_row(run_dir: Path) -> dict[str, str]:
    with (run_dir / "progress.csv").open() as f:
        return list(csv.DictReader(f))[-1]


def bc(root: Path, data: Path, *extra: str, cwd: Path) -> tuple[str, Path]:
    done = run_cli(
        "+task=challenge",
        "algo=bc",
        "model=chaotic_dwarf_tty",
        "model.rnn_size=64",
        # The heads read the frame past the LSTM: through the LSTM alone this
        # demonstrator takes hundreds more updates (docs/algorithms.md).
        "model.core_skip=true",
        f"dataset.path={data}",
        "dataset.batch_size=8",
        "dataset.seq_len=16",
        "algo.lr=1e-3",
        # Iterations of a fixed number of frames, whatever the machine's speed.
        "algo.min_time_s_per_iteration=0",
        "+algo.min_sample_timesteps_per_iteration=8192",
        f"experiment.root_dir={root}",
        "cluster.num_cpus=2",
        *extra,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_dirs = sorted(p.parent.parent for p in root.glob("*/*/checkpoints/iter_*"))
    return done.stdout, run_dirs[-1]


@pytest.mark.slow(seconds=220)
def test_bc_learns_a_recorded_demonstrator_then_resumes_and_plays(tmp_path: Path) -> None:
    data = tmp_path / "demos"
    summary = run_record(BenchConfig(f"{__name__}:Cycle", (0, 3), 150, 1, str(data)))
    assert summary["episodes"] == 4 and summary["errors"] == 0

    out, run_dir = bc(tmp_path / "runs", data, "stop.env_steps=40000", cwd=tmp_path)
    assert "frames/s" in out and "action accuracy" in out
    row = last_row(run_dir)
    assert float(row["action_accuracy"]) >= 0.9, row  # each key follows from the last one
    assert float(row["bc_loss"]) < 1.0, row  # below ln 4: more than the keys' frequencies
    frames = int(row["env_steps"])

    out, resumed = bc(
        tmp_path / "runs",
        data,
        f"resume={run_dir}",
        "stop.iterations=1",
        "dataset.reader=actor",  # the learner's batches from a Ray actor
        cwd=tmp_path,
    )
    assert f"resumed  {run_dir}" in out
    assert "dataset  demos: 4 games, read by a Ray actor" in out
    assert int(last_row(resumed)["iteration"]) == int(last_row(run_dir)["iteration"]) + 1
    assert int(last_row(resumed)["env_steps"]) > frames  # the frame counter goes on

    # The BC policy plays the real game as any checkpoint does.
    done = run_command(
        "rllib_nethack.evaluate",
        str(resumed),
        "episodes=1",
        "max_steps=50",
        "workers=0",
        f"out={tmp_path / 'eval'}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((tmp_path / "eval").rglob("eval.json"))


def test_bc_input_errors_are_one_line_before_ray(tmp_path: Path, nle_games: Path) -> None:
    for extra, message in (
        (("model=chaotic_dwarf_tty",), "needs demonstrations: dataset.path=DIR"),
        (("model=chaotic_dwarf_tty", f"dataset.path={tmp_path / 'none'}"), "is not a folder"),
        ((f"dataset.path={nle_games}", "model=chaotic_dwarf"), "which a ttyrec does not record"),
    ):
        done = run_cli("+task=challenge", "algo=bc", *extra, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and done.stderr.strip().count("\n") == 0, done.stderr
        assert "Ray" not in done.stdout + done.stderr
