"""Composing the run config from Python, as the command line does."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from rllib_nethack.config.cli import canonical_task_args
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.plan import plan_from
from rllib_nethack.config.schema import check_run_config
from rllib_nethack.config.store import register_configs
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.runs.storage import register_resolvers


def compose_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The config ``python -m rllib_nethack.run OVERRIDES`` would run with.

    For scripts, notebooks and sweeps that build configs programmatically, e.g.
    ``compose_config(["+task=room5x5", "algo=ppo"])``; ``config_name="tune"``
    composes what ``python -m rllib_nethack.tune`` runs.
    """
    args = canonical_task_args(overrides, require=False)  # same task names as the CLI
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(config_dir()), version_base=None):
        return compose(config_name, overrides=args)


def hydra_error_line(err: Exception) -> str:
    """One line for a Hydra composition error: what was wrong and what is accepted.

    Hydra's own messages span lines (the search path, a hint to set
    ``HYDRA_FULL_ERROR``); the cause (OmegaConf's type check) says what the key takes.
    """
    text = str(err).strip()
    missing = re.search(r"Could not find '([^']+)/([^']+)'", text)
    if isinstance(err, MissingConfigException) and missing:
        group, name = missing.groups()
        options = re.findall(r"^\t(\S+)$", text, flags=re.MULTILINE)
        listed = f" (options: {', '.join(options)})" if options else ""
        return f"no {group}={name}{suggestion(name, options)}{listed}"
    first = text.splitlines()[0] if text else type(err).__name__
    if first.startswith("Could not override"):
        return f"{first.rstrip('.')}: no such key"
    cause = err.__cause__
    if cause is not None and str(cause).strip():
        return f"{first.rstrip('.')}: {str(cause).strip().splitlines()[0]}"
    return first


def _unknown_key_hint(err: Exception, overrides: Sequence[str]) -> str:
    """For ``Could not override 'a.b'``: the keys closest to ``b`` and every key ``a``
    has, composed without the bad override (empty where that cannot be told)."""
    unknown = re.match(r"Could not override '([^']+)'", str(err).strip())
    if unknown is None:
        return ""
    key = unknown.group(1)
    parent, _, leaf = key.rpartition(".")
    others = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key]
    try:
        node = OmegaConf.select(compose_config(others), parent) if parent else None
    except Exception:  # another bad override: its own error comes once this one is fixed
        return ""
    if not isinstance(node, DictConfig):
        return ""
    if parent == "explore" and node.get("name") == "auto":
        family = "explore=auto (the task family's bonus) has no settings"
        return f"; {family}: name the bonus, e.g. explore=count {key}=..."
    keys = [str(k) for k in node]
    return f"{suggestion(leaf, keys)} ({parent} has: {', '.join(keys)})"


def compose_checked(overrides: Sequence[str] = ()) -> DictConfig:
    """:func:`compose_config`, then :func:`~.schema.check_run_config` and the
    run's :class:`~.plan.RunPlan` (task, env options, model, algorithm); every
    problem is one :class:`ConfigError` line (what the command line prints).

    Raises:
        ConfigError / UnknownTaskError: naming the bad override, key or value.
    """
    try:
        cfg = compose_config(overrides)
    except ConfigError:
        raise
    except Exception as err:  # Hydra's and OmegaConf's composition errors
        raise ConfigError(hydra_error_line(err) + _unknown_key_hint(err, overrides)) from None
    plain = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(plain, dict)
    check_run_config(plain)  # type: ignore[arg-type]
    plan_from(cfg)  # +task=nope, model.rnn_size=-3, task.options.max_episode_steps=0
    return cfg
