"""Progress lines, progress.csv, TensorBoard numbers and the learning curve."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from rllib_nethack.training.reporting import (
    Progress,
    ProgressCsv,
    episodes_in_mean,
    eta_seconds,
    flatten_numbers,
    format_progress,
    full_window_rows,
    plot_comparison,
    plot_learning_curve,
    progress_of,
    read_progress,
    wall_time,
)


def result(steps: int, iteration: int, **runners: object) -> dict:
    return {
        "training_iteration": iteration,
        "num_env_steps_sampled_lifetime": steps,
        "env_runners": dict(runners),
        "learners": {"__all_modules__": {"num_env_steps_trained_lifetime": steps // 2}},
        "config": {"lr": 0.1},
    }


def test_progress_and_rates() -> None:
    first = progress_of(
        result(
            1000, 1, episode_return_mean=2.5, num_episodes_lifetime=4, nethack={"score_mean": 12.0}
        ),
        10.0,
        None,
    )
    assert (first.iteration, first.env_steps, first.episodes, first.trained_steps) == (
        1,
        1000,
        4,
        500,
    )
    assert first.steps_per_s == 100.0
    assert first.score_mean == 12.0 and math.isnan(first.max_depth_mean)
    second = progress_of(result(3000, 2), 20.0, first)
    assert second.steps_per_s == 200.0  # rate over the last iteration only
    # No episode ended in iteration 2: the last measured episode numbers stand.
    assert (second.return_mean, second.score_mean, second.episodes) == (2.5, 12.0, 4)


def test_progress_line_and_eta() -> None:
    p = Progress(3, 12288, 60.0, 415.0, 10000, 12, 3.14, 45.2, 1.3)
    line = format_progress(p, eta_seconds(p, {"env_steps": 12288 + 415 * 120}, 3))
    for part in (
        "iter    3",
        "12,288 env steps",
        "415 steps/s",
        "12 episodes",
        "return     3.14",
        "score    45.2",
        "max depth  1.30",
        "mean of last  12:",
        "elapsed 0:01:00",
        "ETA 0:02:00",
    ):
        assert part in line, (part, line)
    assert eta_seconds(p, {"iterations": 6}, 3) == 60.0
    assert eta_seconds(p, {"minutes": 2}, 3) == 60.0
    assert math.isnan(eta_seconds(p, {}, 3))
    assert "ETA ?" in format_progress(p, math.nan)


def test_flatten_numbers_skips_config_and_non_numbers() -> None:
    flat = dict(
        flatten_numbers(
            {"a": {"b": 1, "c": "x", "d": float("nan"), "e": True}, "config": {"lr": 1}, "f": 2.5}
        )
    )
    assert flat == {"a/b": 1.0, "f": 2.5}


def test_flatten_numbers_keeps_numpy_scalars() -> None:
    # RLlib reduces float32 metrics to numpy scalars; TensorBoard must get them.
    flat = dict(flatten_numbers({"x": np.float32(1.5), "n": np.int64(3), "b": np.bool_(True)}))
    assert flat == {"x": 1.5, "n": 3.0}


def test_csv_round_trip_and_curve(tmp_path: Path) -> None:
    log = ProgressCsv(tmp_path / "progress.csv")
    for i in range(1, 5):
        log.append(Progress(i, 1000 * i, 10.0 * i, 100.0, 900 * i, 3 * i, 0.2 * i, 5.0 * i, 1.0))
    ProgressCsv(tmp_path / "progress.csv")  # reopening (resume) keeps the rows
    rows = read_progress(tmp_path / "progress.csv")
    assert [r["env_steps"] for r in rows] == [1000, 2000, 3000, 4000]
    assert rows[-1]["return_mean"] == 0.8
    png = plot_learning_curve(tmp_path / "progress.csv", tmp_path / "curve.png", "test")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_minihack_row_shows_success_and_length_over_the_window() -> None:
    runners = {
        "episode_return_mean": 0.5,
        "episode_len_mean": 23.5,
        "num_episodes_lifetime": 340,
        "nethack": {"end_success_rate": 0.61, "episode_return_square_mean": 0.5**2 + 0.3**2},
    }
    p = progress_of(result(8000, 5, **runners), 10.0, None, window=50)
    assert (p.success_rate, p.episode_len_mean, p.window) == (0.61, 23.5, 50)
    assert math.isclose(p.return_std, 0.3)
    assert episodes_in_mean(p) == 50  # 340 ended, the means are over the last 50
    line = format_progress(p, math.nan, "minihack")
    for part in ("mean of last  50:", "success  61.0%", "length   23.5", "return     0.50"):
        assert part in line, (part, line)
    assert "score" not in line and "depth" not in line
    nethack = format_progress(p, math.nan, "nethack")
    assert "score" in nethack and "max depth" in nethack and "success" not in nethack


def test_row_states_fewer_episodes_than_the_window() -> None:
    p = progress_of(result(500, 1, num_episodes_lifetime=3, episode_return_mean=1.0), 1.0, None)
    assert episodes_in_mean(p) == 3
    assert "mean of last   3:" in format_progress(p, math.nan, "minihack")
    assert "success      -" in format_progress(p, math.nan, "minihack")  # not measured


def _record(episodes: int, steps: int, mean: float, window: int = 100) -> Progress:
    return Progress(
        1, steps, 1.0, 1.0, steps, episodes, mean, 0.0, 1.0, success_rate=mean, window=window
    )


def test_curve_starts_once_a_whole_window_of_episodes_ended(tmp_path: Path) -> None:
    log = ProgressCsv(tmp_path / "progress.csv")
    # The first means are over 3 and 15 lucky episodes: no point of the curve.
    for episodes, steps, mean in ((3, 1000, 0.9), (15, 2000, 0.88), (99, 5000, 0.4)):
        log.append(_record(episodes, steps, mean))
    for episodes, steps, mean in ((100, 6000, 0.45), (180, 9000, 0.6), (260, 12000, 0.8)):
        log.append(_record(episodes, steps, mean))
    rows = full_window_rows(read_progress(tmp_path / "progress.csv"))
    assert [r["env_steps"] for r in rows] == [6000, 9000, 12000]
    assert all(r["episodes"] >= r["window"] for r in rows)
    png = plot_learning_curve(tmp_path / "progress.csv", tmp_path / "c.png", "t", "minihack")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_curve_before_a_whole_window_is_a_note_not_a_line(tmp_path: Path) -> None:
    log = ProgressCsv(tmp_path / "progress.csv")
    log.append(_record(4, 1000, 0.9))
    assert full_window_rows(read_progress(tmp_path / "progress.csv")) == []
    assert plot_learning_curve(tmp_path / "progress.csv", tmp_path / "c.png", "t") is not None


def test_comparison_before_any_whole_window_draws_without_a_legend_warning(
    tmp_path: Path,
) -> None:
    """Short runs (a trial of a benchmark) have no curve yet: a PNG, and no empty legend."""
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        log = ProgressCsv(tmp_path / name / "progress.csv")
        log.append(_record(4, 1000, 0.9))
        paths.append(tmp_path / name / "progress.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = plot_comparison({"a": [paths[0]], "b": [paths[1]]}, tmp_path / "c.png", "t")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resumed_csv_keeps_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_text("iteration,env_steps,episodes,return_mean\n1,100,2,0.5\n")
    ProgressCsv(path).append(_record(120, 2000, 0.7))
    rows = read_progress(path)
    assert list(rows[-1]) == ["iteration", "env_steps", "episodes", "return_mean"]
    assert (rows[-1]["env_steps"], rows[-1]["episodes"]) == (2000, 120)


def _timed(iteration: int, time_s: float) -> Progress:
    return Progress(iteration, 100 * iteration, time_s, 1.0, 100 * iteration, iteration, 0.5, 0, 1)


def test_resumed_into_its_own_directory_drops_the_rows_it_will_redo(tmp_path: Path) -> None:
    """A run killed at iteration 5 after its checkpoint at 3: resumed from 3 in the same
    directory, its curve goes 1, 2, 3, 4, 5 once, not 1-5 then 4, 5 again."""
    path = tmp_path / "progress.csv"
    log = ProgressCsv(path)
    for i in range(1, 6):
        log.append(_timed(i, 10.0 * i))
    resumed = ProgressCsv(path, resumed_at=3)
    assert [r["iteration"] for r in read_progress(path)] == [1, 2, 3]
    for i in (4, 5):
        resumed.append(_timed(i, 10.0 * (i - 3)))  # the new process's clock starts at 0
    rows = read_progress(path)
    assert [r["iteration"] for r in rows] == [1, 2, 3, 4, 5]
    assert wall_time(rows) == 30.0 + 20.0  # both pieces, not the last row's 20 s
    before = path.read_bytes()
    ProgressCsv(path, resumed_at=5)  # nothing after 5: the file is left as it is
    assert path.read_bytes() == before


def test_wall_time_of_one_piece_is_its_last_row() -> None:
    rows = [{"time_s": 4.0}, {"time_s": 9.5}]
    assert wall_time(rows) == 9.5
    assert wall_time([{"time_s": 9.5}, {"time_s": 2.0}, {"time_s": 3.0}]) == 12.5
    assert math.isnan(wall_time([]))
