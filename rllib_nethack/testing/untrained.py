"""Checkpoints of untrained models, laid out as training writes them.

For tests, benchmarks and baselines: a freshly initialised model of any
composed run config, saved where :func:`rllib_nethack.load_policy` looks
(RLlib's module directory, the checkpoint marker and ``run_config.yaml``), in a
second and without Ray, with the same weights for the same config. Evaluating one
measures the machinery (or a random-ish policy's play), not learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from omegaconf import OmegaConf, open_dict

from rllib_nethack.config import compose_config
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.runs.layout import MODULE_PATH, RLLIB_MARKER, RUN_CONFIG
from rllib_nethack.training.trainer import build_module


def write_untrained_checkpoint(path: Path, overrides: Sequence[str]) -> Path:
    """Save an untrained model of ``compose_config(overrides)`` as a checkpoint at ``path``.

    Args:
        path: The checkpoint directory to create (``.../checkpoints/iter_000000``
            to look like a run's).
        overrides: Run-config overrides, as on the command line (``+task=room5x5``).
    """

    cfg = compose_config(list(overrides))
    with open_dict(cfg):
        cfg.experiment.run_dir = str(path.parent.parent)
    # The same weights every time (the experiment seed, 0 when none): a test of
    # how an untrained policy plays must not depend on the process it runs in.
    # The caller's random state is left as it was.
    with torch.random.fork_rng():
        torch.manual_seed(int(cfg.experiment.get("seed") or 0))
        module = build_module(build_algorithm_config(cfg))
    module.save_to_path(str(path / MODULE_PATH))
    (path / RLLIB_MARKER).write_text("{}")
    OmegaConf.save(cfg, path / RUN_CONFIG, resolve=True)
    return path
