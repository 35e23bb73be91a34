"""Composing the run config from Python, as the command line does."""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from rllib_nethack.config.cli import canonical_task_args
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.store import register_task_configs
from rllib_nethack.training.storage import register_resolvers


def compose_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The config ``python -m rllib_nethack.run OVERRIDES`` would run with.

    For scripts, notebooks and sweeps that build configs programmatically, e.g.
    ``compose_config(["+task=room5x5", "algo=ppo"])``; ``config_name="tune"``
    composes what ``python -m rllib_nethack.tune`` runs.
    """
    args = canonical_task_args(overrides, require=False)  # same task names as the CLI
    register_task_configs()
    register_resolvers()
    with initialize_config_dir(str(config_dir()), version_base=None):
        return compose(config_name, overrides=args)
