"""The only translation from the composed config to an RLlib ``AlgorithmConfig``.

:func:`build_algorithm_config` is a pure function of the config: it starts
nothing (no Ray, no environment), so tests check it directly. Every key under
``algo`` and ``cluster.rllib`` must be a real setting of the RLlib config class
it is applied to; a typo is an error that names the key, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
from omegaconf import DictConfig
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

from rllib_nethack.algorithms.actor_critic.connectors import ClipRewardsFactory
from rllib_nethack.algorithms.actor_critic.demonstrations import DEMONSTRATIONS
from rllib_nethack.algorithms.actor_critic.kickstart import KICKSTART
from rllib_nethack.algorithms.bc.batches import check_readable
from rllib_nethack.algorithms.bc.source import prepare_dataset
from rllib_nethack.algorithms.exploration.setup import apply_exploration
from rllib_nethack.algorithms.registry import get_algorithm
from rllib_nethack.config.plan import RunPlan, plain_config, plan_from
from rllib_nethack.config.schema import check_run_config
from rllib_nethack.envs import make_env
from rllib_nethack.envs.registration import register_task
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.metrics.callbacks import NetHackMetricsCallback
from rllib_nethack.models.architectures import MODEL_NAME_KEY
from rllib_nethack.runs.checkpoints import resolve_checkpoint
from rllib_nethack.runs.lean_env_runner import LeanEnvRunner
from rllib_nethack.runs.storage import fetch


def is_setting(config: AlgorithmConfig, key: str) -> bool:
    """Whether ``key`` is a settable attribute of ``config`` (not a method, not private)."""
    if key.startswith("_"):
        return False
    if key in vars(config):
        return True
    prop = getattr(type(config), key, None)
    return isinstance(prop, property) and prop.fset is not None


def _settings_class(config: AlgorithmConfig) -> type:
    """The class whose settings ``config`` has: a subclass of ours without an
    ``__init__`` (:class:`NetHackAPPOConfig`) adds none, so errors name RLlib's."""
    cls: type = type(config)
    while cls.__module__.startswith("rllib_nethack") and "__init__" not in vars(cls):
        cls = cls.__mro__[1]
    return cls


def check_settings(config: AlgorithmConfig, settings: Mapping[str, Any], where: str) -> None:
    """Raise a ConfigError naming the first key of ``settings`` that ``config`` lacks."""
    for key in settings:
        if not is_setting(config, key):
            known = [k for k in vars(config) if not k.startswith("_")]
            raise ConfigError(
                f"{where}.{key} is not a setting of RLlib's {_settings_class(config).__name__}"
                f"{suggestion(key, known)}"
            )


def check_local_gpu(config: AlgorithmConfig) -> None:
    """A learner in this process on a GPU needs one here (remote learners find theirs)."""
    if config.num_learners == 0 and (config.num_gpus_per_learner or 0) > 0:
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(
                "cluster.rllib.num_gpus_per_learner > 0 puts the learner on a GPU, but this "
                f"torch ({torch.__version__}) sees none: use cluster=local, or a CUDA build"
            )


def _demonstrations(
    plain: Mapping[str, Any], task: str, options: Mapping[str, Any], who: str
) -> tuple[gym.spaces.Dict, gym.Space[Any], dict[str, Any]]:
    """The task's spaces (an offline algorithm has no env runner to tell them)
    and the ``dataset`` section, indexed and checked against the model."""
    env = make_env(task, **options)
    try:
        observation_space, action_space = env.observation_space, env.action_space
        action_keys = [int(a) for a in env.unwrapped.actions]  # type: ignore[attr-defined]
    finally:
        env.close()
    assert isinstance(observation_space, gym.spaces.Dict)  # every task's observation
    check_readable(observation_space, str(plain["model"][MODEL_NAME_KEY]))
    address = (plain.get("cluster") or {}).get("address")
    settings = prepare_dataset(plain.get("dataset") or {}, action_keys, who, address)
    settings["seed"] = plain.get("experiment", {}).get("seed")
    return observation_space, action_space, settings


def _read_demonstrations(
    config: AlgorithmConfig, plain: Mapping[str, Any], task: str, options: Mapping[str, Any]
) -> None:
    """An offline algorithm's inputs: the task's spaces and the demonstrations."""
    observation_space, action_space, settings = _demonstrations(plain, task, options, "algo=bc")
    config.environment(observation_space=observation_space, action_space=action_space)
    config.offline_data(input_=settings["db"])
    config.dataset_settings = settings  # type: ignore[attr-defined]


def _add_bc_loss(
    config: AlgorithmConfig, plain: Mapping[str, Any], task: str, options: Mapping[str, Any]
) -> None:
    """``dataset.bc_coeff > 0``: the learner's BC loss settings, under the
    reserved key of ``learner_config_dict`` (after the user's keys were checked)."""
    dataset = plain.get("dataset") or {}
    coeff = float(dataset.get("bc_coeff") or 0.0)
    if coeff <= 0:
        return
    name = str(plain["algo"]["name"])
    entry = get_algorithm(name)
    if entry.reads_dataset:
        return  # algo=bc: the BC loss is all it has
    if not entry.bc_loss:
        raise ConfigError(
            f"dataset.bc_coeff: algo={name} takes no BC loss (algo=appo, impala or ppo do)"
        )
    _, _, settings = _demonstrations(plain, task, options, "dataset.bc_coeff > 0")
    settings["bc_coeff"] = coeff
    config.learners(
        learner_config_dict={**(config.learner_config_dict or {}), DEMONSTRATIONS: settings}
    )


def _add_kickstart(config: AlgorithmConfig, plain: Mapping[str, Any]) -> None:
    """``kickstart.teacher``: the teacher checkpoint and the KL term's settings,
    under ``learner_config_dict``'s reserved key."""
    kickstart = plain.get("kickstart") or {}
    if not kickstart.get("teacher"):
        return
    name = str(plain["algo"]["name"])
    if not get_algorithm(name).bc_loss:
        raise ConfigError(
            f"kickstart.teacher: algo={name} takes no kickstarting (algo=appo, impala or ppo do)"
        )
    # Whole and readable here; that its model and actions fit the run's is the
    # trainer's check (training/init_from.py), as for init_from and resume.
    teacher = resolve_checkpoint(fetch(str(kickstart["teacher"])), what="kickstart.teacher")
    settings = {
        "teacher": str(teacher),
        "coeff": float(kickstart.get("coeff", 1.0)),
        "decay_env_steps": kickstart.get("decay_env_steps"),
    }
    config.learners(learner_config_dict={**(config.learner_config_dict or {}), KICKSTART: settings})


def build_algorithm_config(cfg: DictConfig | Mapping[str, Any] | RunPlan) -> AlgorithmConfig:
    """Translate a composed config (``task``, ``model``, ``algo``, ``cluster``,
    ``experiment``), or its :class:`~.plan.RunPlan`, into the RLlib
    ``AlgorithmConfig`` that trains it.

    Raises:
        ConfigError / UnknownTaskError: with the offending key or name.
    """
    if isinstance(cfg, RunPlan):
        plan = cfg
        check_run_config(plan.plain)
    else:
        check_run_config(plain_config(cfg))  # the run's own sections first, as always
        plan = plan_from(cfg)
    plain, spec, options = plan.plain, plan.task, dict(plan.env_options)

    algo = dict(plan.algo_settings)
    entry = get_algorithm(str(plan.algo))
    runner = dict(plain.get("cluster", {}).get("rllib") or {})
    config = entry.config_class()
    check_settings(config, algo, "algo")
    check_settings(config, runner, "cluster.rllib")

    config.update_from_dict({**runner, **algo})
    rollout = config.rollout_fragment_length
    if isinstance(rollout, bool) or not isinstance(rollout, int) or rollout < 1:
        raise ConfigError(
            f"algo.rollout_fragment_length must be a positive integer (the LSTM's "
            f"training sequence length), got {rollout!r}"
        )
    # The env runners build the env by this name, wherever they run: register
    # it here, with the config that names it, not as a side effect of Ray's start.
    register_task(spec.name)
    config.environment(spec.name, env_config=options)
    if entry.reads_dataset:
        _read_demonstrations(config, plain, spec.name, options)
    # IMPALA, APPO and PPO append one bootstrap step to every rollout fragment
    # before training; a sequence of fragment + 1 keeps each fragment one LSTM
    # sequence instead of a full one plus a one-step one padded to full length
    # (twice the learner's work).
    settings = {**plan.model_config, "max_seq_len": rollout + 1}
    config.rl_module(rl_module_spec=entry.module_spec(str(plan.model), settings))
    config.callbacks(NetHackMetricsCallback)
    if config.env_runner_cls in (None, SingleAgentEnvRunner):
        # Memory flat over NetHack's long episodes (see runs/lean_env_runner.py).
        config.env_runners(env_runner_cls=LeanEnvRunner)
    # Our learners fix RLlib 2.60's handling of the appended bootstrap step.
    config.learners(learner_class=entry.learner_class)
    entry.check_learner_settings(config.learner_config_dict)
    _add_bc_loss(config, plain, spec.name, options)
    _add_kickstart(config, plain)
    clip = algo.get("clip_rewards")
    if clip is not None and clip is not False:
        if isinstance(clip, bool) or not isinstance(clip, int | float) or clip <= 0:
            raise ConfigError(f"algo.clip_rewards must be a positive number or null, got {clip!r}")
        config.learners(learner_connector=ClipRewardsFactory(float(clip)))
    apply_exploration(config, plain)  # explore=count|e3b|ride|rnd: the intrinsic reward
    check_local_gpu(config)
    if plan.seed is not None:
        config.debugging(seed=plan.seed)
    try:
        # RLlib's own consistency checks, here rather than inside build_algo()
        # with Ray already started (they start nothing).
        config.validate()
    except ValueError as err:
        first_line = str(err).strip().splitlines()[0]
        raise ConfigError(f"RLlib rejects these algo settings: {first_line}") from None
    return config
