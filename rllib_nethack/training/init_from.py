"""``init_from=CHECKPOINT``: start a run from another run's module weights only.

Unlike ``resume``, nothing but the policy's weights is carried over: the
optimiser, the counters and the algorithm are the new run's own, so a BC
checkpoint can start APPO fine-tuning. The checks run before Ray starts: the
checkpoint is whole, its module is one the run's algorithm trains (MuZero's
is another kind), its model has the run's name, and its task has as many
actions. The model's *settings* (LSTM size, ...) are taken from the
checkpoint, as ``resume`` takes them: its weights fit only that network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from ray.rllib.core import DEFAULT_MODULE_ID

from rllib_nethack.algorithms.registry import get_algorithm
from rllib_nethack.config.plan import plan_from
from rllib_nethack.envs import make_env
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.architectures import MODEL_NAME_KEY
from rllib_nethack.models.module import module_spec
from rllib_nethack.runs.checkpoints import RUN_CONFIG, resolve_checkpoint, saved_config
from rllib_nethack.runs.layout import MODULE_PATH
from rllib_nethack.runs.modules import restore_module
from rllib_nethack.runs.storage import fetch


def _action_count(cfg: DictConfig) -> int:
    """How many actions the config's task has (with the options its model implies)."""
    plan = plan_from(cfg)
    env = make_env(plan.task.name, **plan.env_options)
    try:
        return int(env.action_space.n)  # type: ignore[attr-defined]
    finally:
        env.close()


def policy_checkpoint(
    cfg: DictConfig, path: str, what: str, say: Callable[[str], None]
) -> tuple[Path, DictConfig]:
    """The whole checkpoint at ``path`` and its run config, if its policy fits
    the run's: a module of the run's kind, model and number of actions.

    Raises:
        ConfigError: one line, naming ``what`` (``init_from``, ``kickstart.teacher``).
    """
    checkpoint = resolve_checkpoint(fetch(path), lambda note: say(f"{what}: {note}"), what=what)
    saved = saved_config(checkpoint)
    if saved is None:
        raise ConfigError(f"{what}: {checkpoint} has no {RUN_CONFIG}: its model is unknown")
    ours, theirs = str(cfg.algo.name), str(OmegaConf.select(saved, "algo.name"))
    for name in (ours, theirs):
        if get_algorithm(name).module_spec is not module_spec:
            raise ConfigError(
                f"{what}: algo={name} trains a module of its own; {what} takes the "
                "policy of algo=appo, impala, ppo or bc, for one of those"
            )
    model = OmegaConf.select(saved, f"model.{MODEL_NAME_KEY}")
    ours_model = cfg.model.get(MODEL_NAME_KEY)
    if model != ours_model:
        raise ConfigError(
            f"{what}: {checkpoint} holds model={model}, not model={ours_model} "
            f"(its weights fit only that model); use model={model}"
        )
    if not (checkpoint / MODULE_PATH).is_dir():
        raise ConfigError(f"{what}: {checkpoint} holds no policy module ({MODULE_PATH})")
    theirs_n, ours_n = _action_count(saved), _action_count(cfg)
    if theirs_n != ours_n:
        raise ConfigError(
            f"{what}: {checkpoint} acts in {theirs_n} actions (task "
            f"{OmegaConf.select(saved, 'task.name')}), task {cfg.task.name} in {ours_n}"
        )
    return checkpoint, saved


def with_init_model(cfg: DictConfig, say: Callable[[str], None]) -> tuple[DictConfig, Path]:
    """The run config with the model settings of ``cfg.init_from``'s checkpoint,
    and that checkpoint, checked (:func:`policy_checkpoint`).

    Raises:
        ConfigError: one line naming what differs or what is missing.
    """
    if cfg.get("resume"):
        raise ConfigError(
            "resume and init_from exclude each other: resume continues a run (optimiser "
            "and counters too), init_from starts a new one from a checkpoint's weights"
        )
    checkpoint, saved = policy_checkpoint(cfg, str(cfg.init_from), "init_from", say)
    merged = cfg.copy()
    if OmegaConf.to_container(cfg.model) != OmegaConf.to_container(saved.model):
        say("init_from: using the checkpoint's model settings")
        OmegaConf.update(merged, "model", saved.model, merge=False)
    return merged, checkpoint


def load_module_weights(algo: Any, checkpoint: Path) -> None:
    """Load the checkpoint's module weights into the learners, then the env runners."""
    state = restore_module(checkpoint).get_state()
    algo.learner_group.set_weights({DEFAULT_MODULE_ID: state})
    runners = getattr(algo, "env_runner_group", None)
    if runners is not None:  # an offline algorithm (BC) has none
        runners.sync_weights(from_worker_or_learner_group=algo.learner_group, inference_only=True)
