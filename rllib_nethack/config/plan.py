"""The run config parsed once: a frozen :class:`RunPlan`.

A composed config names a task, a model with its settings, an algorithm with
its settings and a seed. The command line's check, the translation to an
``AlgorithmConfig``, :func:`~rllib_nethack.policy.load_policy` and in-training
evaluation each need them parsed; each re-deriving them (the task resolved
three times, the model's settings parsed up to four per run) let the
consumers drift apart. :func:`plan_from` parses and checks them once, with the
same one-line :class:`~rllib_nethack.errors.ConfigError` as before, and every
consumer reads the plan.

The plan covers what names the agent and its env, nothing of the run's own
sections (``stop``, ``experiment`` paths, ``cluster`` resources): a checkpoint's
saved config, written by an older version, must still give its plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.envs.catalog import TaskSpec, get_task
from rllib_nethack.envs.options import EnvOptions, parse_options, valid_observation_keys
from rllib_nethack.errors import ConfigError
from rllib_nethack.models.architectures import MODEL_NAME_KEY, Architecture, get_architecture

#: The key naming the algorithm in the ``algo`` group (``algo=appo``).
ALGO_NAME_KEY = "name"


@dataclass(frozen=True)
class RunPlan:
    """What a run config says about the agent and its env, parsed and checked.

    Attributes:
        plain: The whole config, resolved (the sections the plan does not parse:
            ``dataset``, ``kickstart``, ``explore``, ``cluster``, ...).
        task: The task's spec (its canonical name: ``task.name``).
        env_options: The env's options: non-null ``task.options`` completed by
            the model (what RLlib's ``env_config`` and :func:`make_env` take).
        options: The same options, parsed against the task.
        model: The model's name (None: no ``model`` section, the family's observations).
        model_settings: The architecture's parsed settings dataclass (None without a model).
        model_config: The model's settings as given (``model.*`` without its name).
        algo: The algorithm's name (None: no ``algo`` section).
        algo_settings: ``algo.*`` without its name, as given.
        seed: ``experiment.seed``.
    """

    plain: Mapping[str, Any]
    task: TaskSpec
    env_options: Mapping[str, Any]
    options: EnvOptions
    model: str | None
    model_settings: Any
    model_config: Mapping[str, Any]
    algo: str | None
    algo_settings: Mapping[str, Any]
    seed: int | None

    @property
    def architecture(self) -> Architecture:
        """The model's architecture (ConfigError if the config has no model)."""
        if self.model is None:
            raise ConfigError("no model: add model=NAME")
        return get_architecture(self.model)


def plain_config(cfg: DictConfig | Mapping[str, Any], resolve: bool = True) -> dict[str, Any]:
    """``cfg`` as plain containers, its interpolations resolved unless ``resolve`` is False."""
    if isinstance(cfg, DictConfig):
        container = OmegaConf.to_container(cfg, resolve=resolve)
        assert isinstance(container, dict)
        return container  # type: ignore[return-value]
    return dict(cfg)


def _task_spec(cfg: DictConfig | Mapping[str, Any]) -> TaskSpec:
    """The task ``cfg`` names: looked at first, since the rest (``experiment.name``)
    cannot be resolved without one."""
    task = cfg.get("task")
    if not task or not task.get("name"):
        raise ConfigError("no task: add +task=NAME (`python -m rllib_nethack.tasks` lists them)")
    return get_task(task["name"])


def _env_options(
    plain: Mapping[str, Any], spec: TaskSpec, model: str | None, settings: Any
) -> dict[str, Any]:
    """The env provides what the model reads: unless ``task.options.observation_keys``
    is set, the keys the model's encoders declare; and a ``screen_image`` the
    env draws has the size of the model's screen crop unless the task sets one."""
    options = {k: v for k, v in (plain["task"].get("options") or {}).items() if v is not None}
    if model is None:
        return options  # no model: the family's default observations
    arch = get_architecture(model)
    if "observation_keys" not in options:
        valid = valid_observation_keys(spec)
        keys = arch.reads(settings)
        for key in keys:
            if key not in valid:
                raise ConfigError(
                    f"model {model!r} reads observation {key!r}, which task {spec.name!r} "
                    f"cannot provide (it can: {', '.join(valid)}); choose another model="
                )
        options["observation_keys"] = list(keys)
    crop = arch.screen_crop(settings)
    if crop is not None and "screen_image" in options["observation_keys"]:
        options.setdefault("crop_dim", crop[0])
        options.setdefault("pixel_size", crop[1])
    return options


def _without(section: Mapping[str, Any] | None, name_key: str) -> dict[str, Any]:
    """A group's settings: its keys but the one naming it."""
    return {k: v for k, v in (section or {}).items() if k != name_key}


def plan_from(cfg: DictConfig | Mapping[str, Any]) -> RunPlan:
    """Parse and check the task, env options, model, algorithm and seed of ``cfg`` once.

    Raises:
        ConfigError / UnknownTaskError: no or an unknown task, an unknown model
            or model setting, a bad value, an observation the task cannot
            provide, a bad env option (one line naming it).
    """
    spec = _task_spec(cfg)
    plain = plain_config(cfg)
    section = plain.get("model")
    model, settings = None, None
    if section:
        model = str(section.get(MODEL_NAME_KEY))
        settings = get_architecture(model).parse(_without(section, MODEL_NAME_KEY))
    options = _env_options(plain, spec, model, settings)
    parsed = parse_options(spec, options)  # bad options fail here, not inside an env runner
    algo = plain.get("algo")
    seed = (plain.get("experiment") or {}).get("seed")
    return RunPlan(
        plain=MappingProxyType(plain),
        task=spec,
        env_options=MappingProxyType(options),
        options=parsed,
        model=model,
        model_settings=settings,
        model_config=MappingProxyType(_without(section, MODEL_NAME_KEY)),
        algo=None if not algo else str(algo.get(ALGO_NAME_KEY)),
        algo_settings=MappingProxyType(_without(algo, ALGO_NAME_KEY)),
        seed=None if seed is None else int(seed),
    )


def env_options(cfg: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The task's env options: non-null ``task.options``, completed by the model
    (a copy: :attr:`RunPlan.env_options` of ``cfg``'s plan)."""
    return dict(plan_from(cfg).env_options)
