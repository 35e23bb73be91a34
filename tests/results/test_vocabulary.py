"""The shared episode vocabulary: one record, one spread, one pair of files, one progress bar."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from rllib_nethack.agents.summary import COLUMNS
from rllib_nethack.evaluation.report import CSV_COLUMNS, episode_rows
from rllib_nethack.results.episode import EpisodeRecord, row
from rllib_nethack.results.progress import ProgressBar
from rllib_nethack.results.summary import Z_95, rate, spread
from rllib_nethack.results.writing import csv_text, write_results


def test_spread_agrees_with_numpy() -> None:
    values = [3.0, 1.5, 8.25, -2.0, 4.0]
    figures = spread(values)
    assert figures.count == 5
    assert figures.mean == pytest.approx(np.mean(values))
    assert figures.std == pytest.approx(np.std(values, ddof=1))
    assert figures.ci95 == pytest.approx(Z_95 * np.std(values, ddof=1) / math.sqrt(5))
    assert (figures.min, figures.max) == (-2.0, 8.25)
    assert spread([7]).std == spread([7]).ci95 == 0.0
    assert rate([True, False, False, True]).mean == 0.5
    with pytest.raises(ValueError):
        spread([])


def test_one_record_serves_both_kinds_of_file() -> None:
    agent = EpisodeRecord(seed=3, score=40, steps=12, actions=13, refused=1, end="death")
    assert tuple(row(agent, COLUMNS)) == COLUMNS
    assert row(agent, COLUMNS)["error"] is None  # a keystroke column the game did not set
    policy = EpisodeRecord(seed=4, steps=9, episode_return=1.5, end="success", how="escaped")
    (cells,) = episode_rows([policy])
    assert cells["return"] == 1.5 and cells["end_reason"] == "success" and cells["score"] == ""
    assert EpisodeRecord(**policy.to_dict()) == policy  # what crosses Ray and episode.json


def test_the_table_keeps_its_columns_and_leaves_missing_values_empty() -> None:
    failed = EpisodeRecord(seed=0, error="RuntimeError: boom")
    text = csv_text(COLUMNS, [row(failed, COLUMNS)])
    header, line = text.splitlines()
    assert header == ",".join(COLUMNS)
    assert line == "0" + "," * (len(COLUMNS) - 1) + "RuntimeError: boom"
    assert csv_text(CSV_COLUMNS, []).strip() == ",".join(CSV_COLUMNS)


def test_write_results_writes_the_summary_and_episodes_csv_beside_it(tmp_path: Path) -> None:
    summary_path, table_path = write_results(
        tmp_path / "bench.json", {"b": 1, "a": 2}, ("seed",), [{"seed": 5}]
    )
    assert table_path == tmp_path / "episodes.csv"
    assert list(json.loads(summary_path.read_text())) == ["b", "a"]  # keys in the order given
    assert table_path.read_text() == "seed\n5\n"


def test_progress_bar_names_its_unit_and_prints_every_tenth_off_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(20, "bench", stream, unit="seeds")
    for _ in range(20):
        bar.update(1, 10)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # the first seed, then one line per tenth (2 seeds), the last included
    assert "1/20 seeds" in lines[0] and "20/20 seeds" in lines[-1]
    assert all(line.startswith("bench [") for line in lines)
