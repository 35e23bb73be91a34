"""The run config parsed once: one frozen RunPlan that every consumer reads."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rllib_nethack import ConfigError
from rllib_nethack.config import RunPlan, build_algorithm_config, plan_from
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.config import plan as plan_module
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.envs.catalog import TaskSpec
from rllib_nethack.envs.options import EnvOptions
from rllib_nethack.models.architectures import MODEL_NAME_KEY, Architecture, MiniHackSettings


def test_the_plan_holds_the_parsed_parts() -> None:
    plan = plan_from(compose_run(["+task=room5x5", "model.rnn_size=32", "experiment.seed=7"]))
    assert isinstance(plan.task, TaskSpec) and plan.task.name == "MiniHack-Room-5x5-v0"
    assert isinstance(plan.options, EnvOptions)
    assert plan.model == "minihack" and isinstance(plan.model_settings, MiniHackSettings)
    assert plan.model_settings.rnn_size == 32
    assert MODEL_NAME_KEY not in plan.model_config and plan.model_config["rnn_size"] == 32
    # The env gives exactly what the model's encoders read.
    keys = list(plan.architecture.reads(plan.model_settings))
    assert plan.env_options["observation_keys"] == keys
    assert list(plan.options.observation_keys) == keys
    assert plan.algo == "appo" and "name" not in plan.algo_settings
    assert plan.seed == 7


def test_the_plan_is_frozen() -> None:
    plan = plan_from(compose_run(["+task=room5x5"]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.model = "baseline"  # type: ignore[misc]
    with pytest.raises(TypeError):
        plan.env_options["observation_keys"] = []  # type: ignore[index]
    with pytest.raises(TypeError):
        plan.model_config["rnn_size"] = 1  # type: ignore[index]


def _count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the model-settings parses and task look-ups the config code makes."""
    calls = {"parse": 0, "get_task": 0}
    parse, get_task = Architecture.parse, plan_module.get_task

    def counted_parse(self: Architecture, *args: Any, **kwargs: Any) -> Any:
        calls["parse"] += 1
        return parse(self, *args, **kwargs)

    def counted_get_task(name: str) -> TaskSpec:
        calls["get_task"] += 1
        return get_task(name)

    monkeypatch.setattr(Architecture, "parse", counted_parse)
    monkeypatch.setattr(plan_module, "get_task", counted_get_task)
    return calls


def test_the_translation_reuses_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose_run(["+task=room5x5", "model.rnn_size=32", "explore=none"])
    calls = _count(monkeypatch)
    plan = plan_from(cfg)
    assert calls == {"parse": 1, "get_task": 1}
    config = build_algorithm_config(plan)
    assert calls == {"parse": 1, "get_task": 1}  # nothing parsed again
    assert config.env_config == dict(plan.env_options)
    assert config.rl_module_spec.model_config[MODEL_NAME_KEY] == "minihack"
    # A config and its plan translate the same.
    assert build_algorithm_config(cfg).to_dict() == config.to_dict()
    assert calls == {"parse": 2, "get_task": 2}  # one more plan, of cfg


def test_compose_checked_parses_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count(monkeypatch)
    compose_checked(["+task=room5x5"])
    assert calls == {"parse": 1, "get_task": 1}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], r"^no task: add \+task=NAME"),
        (["+task=room5x5", "model.rnn_size=-3"], r"^model\.rnn_size must be an integer >= 0"),
        (["+task=score", "model=minihack"], r"^model .minihack. reads observation .glyphs_crop."),
        (["+task=challenge", "task.options.character=wizard"], r"character"),
    ],
)
def test_the_plan_raises_one_line(overrides: list[str], expected: str) -> None:
    # The same lines the translation raised; compose_checked (the command line's
    # check) now raises them too, before Hydra makes a run directory.
    for make in (lambda: plan_from(compose_run(overrides)), lambda: compose_checked(overrides)):
        with pytest.raises(ConfigError, match=expected) as caught:
            make()
        assert "\n" not in str(caught.value)


def test_a_plan_is_not_the_run_sections() -> None:
    # A checkpoint's saved config gives its plan even if a run section no longer
    # passes today's schema: the plan reads task, model, algo and seed only.
    cfg = compose_run(["+task=room5x5"])
    cfg.stop.env_steps = -5
    assert isinstance(plan_from(cfg), RunPlan)
    with pytest.raises(ConfigError, match=r"^stop\.env_steps"):
        build_algorithm_config(cfg)
