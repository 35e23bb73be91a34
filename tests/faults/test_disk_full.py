"""Result files on a full disk: ``evaluate``, ``watch video=``, ``agents.bench``,
sweep summaries and learning curves.

Writes fail for real: a file-size limit (``RLIMIT_FSIZE``: ``File too large``,
for root too) in a forked child for the quick tests, and, for the commands, the file being written
pointed at ``/dev/full`` (``No space left on device``; a size limit would stop
NLE copying its library first). Each failure must be one line naming the file,
leave no partial file, and leave the files written before as they were.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from commands import run_command

from rllib_nethack.agents.summary import write_results as write_bench
from rllib_nethack.evaluation.video import VideoWriter
from rllib_nethack.results.episode import EpisodeRecord
from rllib_nethack.runs.atomic import partial_path, write_texts
from rllib_nethack.sweeps.summary import TrialRecord, plot_trials, write_summary
from rllib_nethack.training.reporting import plot_learning_curve

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")

EARLIER = "earlier run's file\n"

#: ``file_size_limit(n, write)``: the error ``write`` raised with files capped at ``n`` bytes.
Limited = Callable[[int, Callable[[], object]], str | None]


def files_in(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` (hidden partials included) with its content
    (a link's target for a link: reading ``/dev/full`` never ends)."""
    return {
        p.name: os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
        for p in sorted(directory.iterdir())
    }


def earlier_files(directory: Path, *names: str) -> dict[str, bytes]:
    """``names`` written in ``directory`` as a previous run would have; the listing."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text(EARLIER)
    return files_in(directory)


def disk_full_at(file: Path) -> None:
    """The next write of ``file`` goes to ``/dev/full`` (where it is staged, linked there)."""
    os.symlink("/dev/full", partial_path(file))


def check_refused(message: str | None, file: Path, reason: str) -> None:
    assert message is not None, f"{file} was written in full: nothing refused"
    assert "\n" not in message
    assert f"{file} not written: {reason}" in message


def trial(name: str) -> TrialRecord:
    return TrialRecord(
        trial=name,
        status="TERMINATED",
        overrides={"algo.lr": 0.001},
        metric=1.5,
        last_metric=1.0,
        env_steps=4000,
        iterations=4,
        checkpoint=None,
        error=None,
        curve=tuple((1000 * i, float(i)) for i in range(1, 5)),
    )


def test_a_pair_of_files_is_replaced_together_or_not_at_all(
    tmp_path: Path, file_size_limit: Limited
) -> None:
    before = earlier_files(tmp_path, "a.csv", "b.json")
    texts = {tmp_path / "a.csv": "short\n", tmp_path / "b.json": "x" * 1000}
    failed = file_size_limit(100, lambda: write_texts(texts))
    check_refused(failed, tmp_path / "b.json", "File too large")
    assert files_in(tmp_path) == before  # a.csv was whole, but b.json failed: neither moved

    write_texts(texts)
    assert (tmp_path / "b.json").read_text() == "x" * 1000 and len(files_in(tmp_path)) == 2


def test_bench_results_on_a_full_disk(tmp_path: Path, file_size_limit: Limited) -> None:
    before = earlier_files(tmp_path, "bench.json", "episodes.csv")
    records = [EpisodeRecord(seed=s, score=10 * s, steps=50) for s in range(20)]
    summary = {"agent": "random", "per_episode": list(range(200))}
    failed = file_size_limit(300, lambda: write_bench(tmp_path, summary, records))
    check_refused(failed, tmp_path / "bench.json", "File too large")
    assert files_in(tmp_path) == before


def test_sweep_summary_and_curves_on_a_full_disk(tmp_path: Path, file_size_limit: Limited) -> None:
    records = [trial(f"trial_{i}") for i in range(3)]
    before = earlier_files(tmp_path, "summary.json", "summary.csv", "learning_curves.png")
    failed = file_size_limit(400, lambda: write_summary(tmp_path, records, "reward", "max"))
    check_refused(failed, tmp_path / "summary.json", "File too large")
    curves = tmp_path / "learning_curves.png"
    failed = file_size_limit(400, lambda: plot_trials(records, curves, "reward", "sweep"))
    check_refused(failed, curves, "File too large")
    assert files_in(tmp_path) == before

    write_summary(tmp_path, records, "reward", "max")
    assert json.loads((tmp_path / "summary.json").read_text())["best"] == "trial_0"


def test_training_learning_curve_on_a_full_disk(tmp_path: Path, file_size_limit: Limited) -> None:
    progress = tmp_path / "progress.csv"
    progress.write_text(
        "env_steps,episodes,window,return_mean,score_mean\n"
        + "".join(f"{100 * i},{20 * i},10,{i / 2},{math.nan}\n" for i in range(1, 6))
    )
    before = earlier_files(tmp_path, "learning_curve.png")
    curve = tmp_path / "learning_curve.png"
    failed = file_size_limit(1000, lambda: plot_learning_curve(progress, curve, "run"))
    check_refused(failed, curve, "File too large")
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_video_on_a_full_disk(tmp_path: Path, file_size_limit: Limited, suffix: str) -> None:
    """GIFs are written at close, MP4s by ffmpeg as frames come (it inherits the limit)."""
    video = tmp_path / f"clip{suffix}"
    before = earlier_files(tmp_path, video.name)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(30)]

    def write() -> None:
        with VideoWriter(video, overwrite=True) as writer:
            writer.write_all(frames)

    failed = file_size_limit(2000, write)
    assert failed is not None and failed.startswith(f"{video} not written: ")
    assert "\n" not in failed
    assert files_in(tmp_path) == before


@pytest.mark.slow
def test_evaluate_and_watch_on_a_full_disk_say_which_file_in_one_line(
    untrained_checkpoint: Path, tmp_path: Path, error_line: Callable[[str], str]
) -> None:
    checkpoint = untrained_checkpoint
    run_dir = checkpoint.parent.parent
    out = tmp_path / "eval" / f"{run_dir.parent.name}-{run_dir.name}-{checkpoint.name}"
    before = earlier_files(out, "eval.json", "episodes.csv")
    disk_full_at(out / "eval.json")
    proc = run_command(
        "rllib_nethack.evaluate",
        str(checkpoint),
        "episodes=2",
        "workers=0",
        f"out={out.parent}",
        "overwrite=true",
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    check_refused(error_line(proc.stderr), out / "eval.json", "No space left on device")
    assert files_in(out) == before  # episodes.csv was written whole, yet kept its pair

    video = tmp_path / "clips" / "watch.gif"
    before = earlier_files(video.parent, video.name)
    disk_full_at(video)
    proc = run_command(
        "rllib_nethack.watch",
        str(checkpoint),
        f"video={video}",
        "max_steps=5",
        "overwrite=true",
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    check_refused(error_line(proc.stderr), video, "No space left on device")
    assert files_in(video.parent) == before


def test_bench_and_record_on_a_full_disk_say_which_file_in_one_line(
    tmp_path: Path, error_line: Callable[[str], str]
) -> None:
    args = ("agent=random", "seeds=[0,1]", "max_steps=20", "workers=1")
    out = tmp_path / "bench"
    before = earlier_files(out, "bench.json", "episodes.csv")
    disk_full_at(out / "episodes.csv")
    proc = run_command("rllib_nethack.agents.bench", *args, f"out={out}", timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    check_refused(error_line(proc.stderr), out / "episodes.csv", "No space left on device")
    assert files_in(out) == before

    out = tmp_path / "record"
    before = earlier_files(out, "record.json")
    disk_full_at(out / "record.json")
    proc = run_command("rllib_nethack.agents.record", *args, f"out={out}", timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    check_refused(error_line(proc.stderr), out / "record.json", "No space left on device")
    games = {"seed-0000", "seed-0001"}  # whole in their folders: a rerun keeps them
    assert {p.name for p in out.iterdir()} == {"record.json", *games}
    assert (out / "record.json").read_text() == EARLIER


def test_a_written_file_replaces_the_old_one_whole(tmp_path: Path) -> None:
    before = earlier_files(tmp_path, "eval.json")
    write_texts({tmp_path / "eval.json": "new\n"})
    assert before == {"eval.json": EARLIER.encode()}
    assert files_in(tmp_path) == {"eval.json": b"new\n"}
