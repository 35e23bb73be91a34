"""A training run in a scratch directory, for the benchmark scripts."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from omegaconf import open_dict

from rllib_nethack.config import compose_config
from rllib_nethack.training.reporting import read_progress
from rllib_nethack.training.trainer import RunSummary, train


def train_in_scratch_dir(overrides: Sequence[str]) -> tuple[RunSummary, list[dict[str, float]]]:
    """Train with ``overrides`` (no periodic checkpoints); return the summary and
    the rows of its progress.csv."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = compose_config(["experiment.checkpoint_every=0", *overrides])
        with open_dict(cfg):
            cfg.experiment.run_dir = tmp
        summary = train(cfg)
        rows = read_progress(Path(tmp) / "progress.csv")
    return summary, rows
