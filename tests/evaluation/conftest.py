"""Checkpoints for the evaluation tests.

* ``untrained_checkpoint``: a freshly built (untrained) MiniHack module saved
  the way a training run saves it, plus its run config: the policy layer and
  evaluation run on it in seconds, without Ray or training.
* ``smoke_checkpoint``: a real ``debug=smoke`` training run (slow tests only).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from omegaconf import OmegaConf, open_dict

from rllib_nethack import make_env
from rllib_nethack.config import compose_config
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.policy import MODULE_PATH
from rllib_nethack.training.checkpoints import RLLIB_MARKER, RUN_CONFIG


def write_untrained_checkpoint(path: Path, overrides: Sequence[str]) -> Path:
    """Save an untrained module of the composed run config as a checkpoint at ``path``."""
    cfg = compose_config(["debug=smoke", *overrides])
    with open_dict(cfg):
        cfg.experiment.run_dir = str(path.parent)
    algo_config = build_algorithm_config(cfg)
    spec = algo_config.rl_module_spec
    env = make_env(str(algo_config.env), **algo_config.env_config)
    try:
        module = spec.module_class(
            observation_space=env.observation_space,
            action_space=env.action_space,
            model_config=spec.model_config,
        )
    finally:
        env.close()
    module.save_to_path(str(path / MODULE_PATH))
    (path / RLLIB_MARKER).write_text("{}")
    OmegaConf.save(cfg, path / RUN_CONFIG, resolve=True)
    return path


@pytest.fixture(scope="session")
def untrained_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Room-5x5 run directory with one untrained checkpoint (``checkpoints/iter_000001``)."""
    run_dir = tmp_path_factory.mktemp("untrained") / "run"
    return write_untrained_checkpoint(
        run_dir / "checkpoints" / "iter_000001", ["+task=room5x5", "model.rnn_size=32"]
    )


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
