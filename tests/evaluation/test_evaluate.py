"""``python -m rllib_nethack.evaluate``: eval.json / episodes.csv, reproducibility, bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from commands import run_command

from rllib_nethack import ConfigError
from rllib_nethack.cli.settings import parse_settings
from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.evaluation.command import EvaluateSettings, run_evaluation
from rllib_nethack.metrics.callbacks import HOW_DONE
from rllib_nethack.testing.untrained import write_untrained_checkpoint


def evaluate(*args: str) -> tuple[dict[str, dict[str, Any]], str]:
    out = io.StringIO()
    settings = parse_settings(EvaluateSettings, list(args), positional="checkpoint")
    return run_evaluation(settings, out=out), out.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def check_against_csv(summary: dict[str, Any], rows: list[dict[str, str]], episodes: int) -> None:
    """Every eval.json figure is the mean / min / max of the per-episode rows."""
    assert len(rows) == episodes == summary["episodes"]

    def triple(key: str, values: list[Any]) -> None:
        values = [float(v) for v in values]
        assert summary[key] == pytest.approx(np.mean(values))
        assert summary[f"{key}_min"] == pytest.approx(np.min(values))
        assert summary[f"{key}_max"] == pytest.approx(np.max(values))

    triple("reward/reward", [float(r["return"]) for r in rows])
    triple("len/len", [float(r["steps"]) for r in rows])
    for name in STAT_NAMES:
        triple(f"policy_stats/avg_{name}", [float(r[name]) for r in rows])
    for reason in END_REASONS:
        triple(f"policy_stats/avg_end_{reason}_rate", [r["end_reason"] == reason for r in rows])
    for how in HOW_DONE:
        died = [r["end_reason"] == "death" and r["how"] == how for r in rows]
        triple(f"policy_stats/avg_death_{how}_rate", died)
    causes = [r["death_cause"] for r in rows if r["death_cause"]]
    assert summary["death_causes"] == {
        c: pytest.approx(causes.count(c) / episodes) for c in set(causes)
    }


def test_in_process_evaluation_writes_consistent_files(
    untrained_checkpoint: Path, tmp_path: Path
) -> None:
    out = tmp_path / "eval"
    summaries, text = evaluate(
        str(untrained_checkpoint), "episodes=6", "workers=0", "batch=4", f"out={out}"
    )
    (label,) = summaries
    directory = out / label
    summary = json.loads((directory / "eval.json").read_text())
    assert summary == json.loads(json.dumps(summaries[label]))
    rows = read_csv(directory / "episodes.csv")
    assert [int(r["seed"]) for r in rows] == list(range(6))
    check_against_csv(summary, rows, 6)
    assert summary["meta"]["task"] == "MiniHack-Room-5x5-v0"
    assert summary["unplayed_seeds"] == [] and summary["meta"]["workers_lost"] == 0
    assert "return" in text and label in text

    # Nothing is overwritten without overwrite=true; with it, the same seeds give the same file.
    before = (directory / "eval.json").read_bytes()
    with pytest.raises(ConfigError, match="overwrite=true"):
        evaluate(str(untrained_checkpoint), "episodes=6", "workers=0", f"out={out}")
    assert (directory / "eval.json").read_bytes() == before
    evaluate(
        str(untrained_checkpoint),
        "episodes=6",
        "workers=0",
        "batch=4",
        f"out={out}",
        "overwrite=true",
    )
    assert (directory / "eval.json").read_bytes() == before


def test_sampled_episodes_depend_only_on_their_seeds(
    untrained_checkpoint: Path, tmp_path: Path
) -> None:
    # Seeds 2..4 played in batches of 3, then as part of 0..5 in batches of 2:
    # each episode's actions come from its own seed's RNG.
    common = [str(untrained_checkpoint), "workers=0", "greedy=false", "max_steps=30"]
    evaluate(*common, "seeds=[2,4]", "batch=3", f"out={tmp_path / 'a'}")
    evaluate(*common, "seeds=[0,5]", "batch=1", f"out={tmp_path / 'b'}")
    rows_a = read_csv(next((tmp_path / "a").iterdir()) / "episodes.csv")
    rows_b = read_csv(next((tmp_path / "b").iterdir()) / "episodes.csv")
    assert rows_a == rows_b[2:5]
    assert all(int(r["steps"]) <= 30 for r in rows_b)


def test_several_checkpoints_side_by_side(untrained_checkpoint: Path, tmp_path: Path) -> None:
    other = write_untrained_checkpoint(
        tmp_path / "other" / "checkpoints" / "iter_000002",
        ["+task=room5x5", "debug=smoke", "model.rnn_size=0"],
    )
    summaries, text = evaluate(
        f"checkpoint=[{untrained_checkpoint},{other}]",
        "episodes=2",
        "workers=0",
        f"out={tmp_path / 'eval'}",
        "task=room15x15",
        "max_steps=20",
    )
    assert len(summaries) == 2
    assert all(s["meta"]["task"] == "MiniHack-Room-15x15-v0" for s in summaries.values())
    header = text.strip().splitlines()[-13]
    assert all(label in header for label in summaries)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["episode=3"], "did you mean 'episodes'"),
        (["seeds=[5,1]"], "seeds must be [first, last]"),
        (["seeds=[0,9]", "episodes=3"], "disagrees"),
        (["greedy=maybe"], "greedy must be true or false"),
        (["task=challenge"], "cannot feed the checkpoint's model"),
        (["character=val-elf-law-fem"], "option 'character'"),
        (["cluster=moon"], "cluster must be one of"),
        (["worker_wait=-1"], "worker_wait must be a number >= 0"),
    ],
)
def test_bad_input_is_one_line_before_anything_runs(
    untrained_checkpoint: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        evaluate(str(untrained_checkpoint), "workers=0", f"out={tmp_path}", *args)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_command_line_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_command("rllib_nethack.evaluate", f"checkpoint={tmp_path / 'nope'}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: checkpoint: {tmp_path / 'nope'} does not exist"
    ]


def test_unwritable_output_is_refused(untrained_checkpoint: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="cannot create output directory"):
        evaluate(str(untrained_checkpoint), "workers=0", f"out={blocker}")
    assert blocker.read_text() == "not a directory"


@pytest.mark.slow
def test_smoke_trained_checkpoint_on_ray_workers(smoke_checkpoint: Path, tmp_path: Path) -> None:
    args = [f"checkpoint={smoke_checkpoint}", "episodes=8", "workers=2", "batch=2"]
    first, _ = evaluate(*args, f"out={tmp_path / 'a'}")
    evaluate(*args, f"out={tmp_path / 'b'}")
    (label,) = first
    a, b = tmp_path / "a" / label, tmp_path / "b" / label
    summary = json.loads((a / "eval.json").read_text())
    check_against_csv(summary, read_csv(a / "episodes.csv"), 8)
    assert (a / "eval.json").read_bytes() == (b / "eval.json").read_bytes()
    assert (a / "episodes.csv").read_bytes() == (b / "episodes.csv").read_bytes()


def test_seeded_suite_plays_task_seed_k(make: Any) -> None:
    from rllib_nethack.evaluation.episodes import reset_seeded, uses_task_seeds

    seeded, plain = make("nethack_seeded"), make("score")
    assert uses_task_seeds(seeded) and not uses_task_seeds(plain)
    _, info = reset_seeded(seeded, 7)
    assert info["task_seed"] == 7
    first, _ = reset_seeded(plain, 7)
    first = first["tty_chars"].copy()
    again, _ = reset_seeded(plain, 7)
    np.testing.assert_array_equal(first, again["tty_chars"])
