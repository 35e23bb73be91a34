"""APPO+BC end to end: a real run logs the BC loss, checkpoints and resumes (its
games then read by a Ray actor)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from commands import run_cli


def rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "progress.csv").open() as f:
        return list(csv.DictReader(f))


@pytest.mark.slow(seconds=90)
def test_appo_with_a_bc_loss_logs_it_checkpoints_and_resumes(
    tmp_path: Path, nle_games: Path
) -> None:
    root = tmp_path / "runs"
    common = (
        "debug=smoke",
        "stop.iterations=1",
        f"experiment.root_dir={root}",
        "cluster.num_cpus=2",
    )
    done = run_cli(
        "+task=challenge",
        "model=chaotic_dwarf_tty",
        "model.rnn_size=32",
        "algo=appo",
        f"dataset.path={nle_games}",
        f"dataset.db={tmp_path / 'nld.db'}",
        "dataset.bc_coeff=0.5",
        "dataset.batch_size=4",
        "dataset.seq_len=8",
        *common,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dataset  nle_games0: 3 games, read in the learner" in done.stdout
    (run_dir,) = {p.parent.parent for p in root.glob("*/*/checkpoints/iter_*")}
    first = rows(run_dir)
    assert len(first) == 1
    assert all(float(r["bc_loss"]) > 0 for r in first), first  # 121 actions: about ln 121

    done = run_cli(
        "+task=challenge",
        "model=chaotic_dwarf_tty",
        "algo=appo",
        f"resume={run_dir}",
        # Where the games are read is this machine's choice, not the checkpoint's.
        "dataset.reader=actor",
        *common,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resume: using the checkpoint's dataset" in done.stdout
    assert "games, read by a Ray actor" in done.stdout
    resumed = max((p.parent.parent for p in root.glob("*/*/checkpoints/iter_*")), key=str)
    assert resumed != run_dir
    last = rows(resumed)[-1]
    assert int(last["iteration"]) == 2 and float(last["bc_loss"]) > 0, last
