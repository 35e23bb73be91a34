"""Checkpoints for the evaluation tests.

* ``untrained_checkpoint`` (from ``tests/conftest.py``): an untrained checkpoint.
* ``smoke_checkpoint``: a real ``debug=smoke`` training run (slow tests only).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from omegaconf import open_dict

from rllib_nethack.config import compose_config


@pytest.fixture(scope="session")
def smoke_checkpoint(tmp_path_factory: pytest.TempPathFactory, ray_local: object) -> Path:
    """The run directory of a real ``debug=smoke`` APPO run on Room-5x5 (2 iterations),
    evaluated in training at iteration 2 (``experiment.eval_every=2``)."""
    from rllib_nethack.training.trainer import train

    overrides = ["+task=room5x5", "debug=smoke", "experiment.plot=false"]
    cfg = compose_config([*overrides, "experiment.eval_every=2", "experiment.eval_episodes=3"])
    with open_dict(cfg):
        cfg.experiment.run_dir = str(tmp_path_factory.mktemp("smoke") / "run")
    summary = train(cfg, out=io.StringIO())
    assert summary.checkpoint is not None
    return summary.run_dir
