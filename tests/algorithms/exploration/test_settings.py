"""``explore=...``: composition, translation, and one-line errors before Ray starts."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from rllib_nethack import ConfigError
from rllib_nethack.algorithms.exploration.e3b import E3B_LEARNERS, E3BBonusFactory
from rllib_nethack.algorithms.exploration.rewards import AddIntrinsicReward, LearnerConnectors
from rllib_nethack.algorithms.exploration.ride import RIDE_LEARNERS, RIDEBonusFactory
from rllib_nethack.algorithms.exploration.rnd import RND_LEARNERS, RNDBonusFactory
from rllib_nethack.algorithms.exploration.settings import (
    BONUSES,
    COUNT_COEFF_CAP,
    count_coeff,
    resolved_explore,
)
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.models.module import INTRINSIC_CRITIC


def translate(*overrides: str):  # type: ignore[no-untyped-def]
    return build_algorithm_config(compose_run(["+task=room5x5", *overrides]))


def _adds_nothing(config) -> bool:  # type: ignore[no-untyped-def]
    return "count_bonus" not in config.env_config and config._env_to_module_connector is None


def test_none_adds_nothing() -> None:
    assert _adds_nothing(translate("explore=none"))


@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
def test_auto_is_the_default_and_gives_minihack_the_count_bonus(algo: str) -> None:
    assert compose_run(["+task=room5x5"]).explore.name == "auto"
    config = translate(f"algo={algo}")
    assert config.env_config["count_bonus"] == "position"
    assert config._learner_connector.coeff == pytest.approx(0.01)  # Room-5x5: 100 steps


@pytest.mark.parametrize(
    "overrides",
    [
        ["+task=room5x5", "algo=muzero"],  # no bonuses: auto is none, no explore=none needed
        ["+task=challenge"],  # NetHack's family: none
        ["+task=challenge", "algo=ppo"],
    ],
)
def test_auto_is_none_for_nethack_and_algorithms_without_bonuses(overrides: list[str]) -> None:
    assert _adds_nothing(build_algorithm_config(compose_run(overrides)))


@pytest.mark.parametrize(
    ("family", "algo", "bonus"),
    [
        ("minihack", "appo", "count"),
        ("minihack", "bc", "none"),
        ("minihack", "muzero", "none"),
        ("nethack", "appo", "none"),
        ("minihack", "nope", "none"),  # its own error comes from the algo check
    ],
)
def test_resolved_explore(family: str, algo: str, bonus: str) -> None:
    plain = {"task": {"family": family}, "algo": {"name": algo}, "explore": {"name": "auto"}}
    assert resolved_explore(plain) == asdict(BONUSES[bonus]())  # as explore=BONUS composes
    given = {"name": "rnd", "coeff": 0.5}
    assert resolved_explore({**plain, "explore": given}) == given  # a named bonus as it is
    assert resolved_explore({"task": {"family": family}}) == {"name": "none"}  # saved before


@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
def test_count_sets_the_env_option_and_the_learner_connector(algo: str) -> None:
    config = translate(f"algo={algo}", "explore=count", "explore.on=glyphs")
    assert config.env_config["count_bonus"] == "glyphs"
    pieces = config._learner_connector(None, None)
    assert isinstance(pieces[0], AddIntrinsicReward) and pieces[0].coeff == 0.01
    assert len(pieces) == 2  # MiniHack's reward clipping still runs, after the bonus


@pytest.mark.parametrize(
    ("limit", "coeff"), [(100, 0.01), (300, 1 / 300), (1_000, 0.001), (30, 0.01), (1, 0.01)]
)
def test_count_coeff_keeps_an_episodes_bonus_below_the_goals_reward(
    limit: int, coeff: float
) -> None:
    assert count_coeff(limit) == pytest.approx(coeff)
    # Each step's bonus is at most 1: an episode that runs to the limit earns at most 1.
    assert count_coeff(limit) * limit <= 1.0 or count_coeff(limit) == COUNT_COEFF_CAP
    with pytest.raises(ValueError, match="step limit"):
        count_coeff(0)


@pytest.mark.parametrize(
    ("overrides", "coeff"),
    [
        (["+task=corridor_r2"], 0.001),  # MiniHack's 1,000-step limit
        (["+task=MiniHack-Room-Monster-15x15-v0"], 1 / 300),
        (["+task=room5x5", "task.options.max_episode_steps=400"], 1 / 400),  # the run's own limit
        (["+task=corridor_r2", "explore.coeff=0.05"], 0.05),  # given: taken as it is
    ],
)
def test_count_weight_defaults_to_the_tasks_step_limit(overrides: list[str], coeff: float) -> None:
    config = build_algorithm_config(compose_run([*overrides, "explore=count"]))
    assert config._learner_connector.coeff == pytest.approx(coeff)


@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
def test_e3b_adds_embedding_connector_and_learner(algo: str) -> None:
    config = translate(f"algo={algo}", "explore=e3b", "explore.embedding_dim=32")
    assert config.rl_module_spec.model_config["e3b"]["embedding_dim"] == 32
    assert config.learner_class in E3B_LEARNERS.values()
    assert isinstance(config._env_to_module_connector, E3BBonusFactory)
    assert isinstance(config._learner_connector, LearnerConnectors)
    assert config._learner_connector.normalise and config._learner_connector.coeff == 1.0


@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
def test_rnd_adds_networks_connector_and_learner_with_minihack_defaults(algo: str) -> None:
    config = translate(f"algo={algo}", "explore=rnd", "model.rnn_size=0")
    assert config.rl_module_spec.model_config["rnd"] == {"embedding_dim": 256, "loss_coeff": 0.01}
    assert config.learner_class in RND_LEARNERS.values()
    assert isinstance(config._env_to_module_connector, RNDBonusFactory)
    connector = config._learner_connector
    assert isinstance(connector, LearnerConnectors)
    assert connector.normalise and connector.coeff == 0.1
    # MiniHack's two heads: the intrinsic return valued apart, discounted 0.99.
    assert config.rl_module_spec.model_config[INTRINSIC_CRITIC] == {"gamma": 0.99}
    assert connector.separate


@pytest.mark.parametrize(
    ("overrides", "separate"),
    [
        (["explore=rnd", "explore.intrinsic_gamma=null"], False),
        (["explore=count"], False),
        (["explore=count", "explore.intrinsic_gamma=0.9"], True),
    ],
)
def test_intrinsic_gamma_gives_the_second_head_or_one_reward_stream(
    overrides: list[str], separate: bool
) -> None:
    config = translate(*overrides, "model.rnn_size=0")
    critic = config.rl_module_spec.model_config.get(INTRINSIC_CRITIC)
    assert (critic == {"gamma": 0.9}) if separate else critic is None
    assert config._learner_connector.separate == separate


@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
def test_ride_adds_counts_networks_connector_and_learner_with_minihack_defaults(algo: str) -> None:
    config = translate(f"algo={algo}", "explore=ride", "explore.on=glyphs")
    assert config.env_config["count_bonus"] == "glyphs"  # the episodic visits it divides by
    assert config.rl_module_spec.model_config["ride"] == {
        "embedding_dim": 256,
        "hidden_dim": 128,
        "forward_loss_coeff": 1.0,
        "inverse_loss_coeff": 0.1,
    }
    assert config.learner_class in RIDE_LEARNERS.values()
    assert isinstance(config._env_to_module_connector, RIDEBonusFactory)
    connector = config._learner_connector
    assert isinstance(connector, LearnerConnectors)
    assert connector.normalise and connector.coeff == 0.1
    assert config.rl_module_spec.model_config[INTRINSIC_CRITIC] == {"gamma": 0.99}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["explore=count", "explore.coeff=-1"], "explore.coeff must be a positive number"),
        (["explore=count", "explore.coeff=0"], "explore.coeff must be a positive number"),
        (["explore=e3b", "explore.ridge=0"], "explore.ridge must be a positive number"),
        (["explore=count", "explore.on=map"], "explore.on must be one of position, glyphs"),
        (["explore=count", "+explore.ridge=1"], "explore.ridge is not a setting of explore=count"),
        (["explore=e3b", "model.rnn_size=0"], "explore=e3b needs a model with an LSTM"),
        (["explore=rnd", "explore.coeff=-0.1"], "explore.coeff must be a positive number"),
        (["explore=rnd", "explore.loss_coeff=0"], "explore.loss_coeff must be a positive number"),
        (["explore=rnd", "+explore.ridge=1"], "explore.ridge is not a setting of explore=rnd"),
        (["explore=count", "algo=muzero"], "explore=count works with algo=appo|impala|ppo"),
        (["explore=ride", "explore.coeff=0"], "explore.coeff must be a positive number"),
        (["explore=ride", "explore.forward_loss_coeff=-1"], "forward_loss_coeff must be a number"),
        (["explore=ride", "explore.hidden_dim=0"], "explore.hidden_dim must be a positive number"),
        (["explore=ride", "explore.on=map"], "explore.on must be one of position, glyphs"),
        (["explore=ride", "model.rnn_size=0"], "explore=ride needs a model with an LSTM"),
        (["explore=rnd", "explore.intrinsic_gamma=1.5"], "intrinsic_gamma must be a discount in"),
        (["explore=count", "explore.intrinsic_gamma=0"], "intrinsic_gamma must be a discount in"),
    ],
)
def test_bad_settings_are_one_line(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        translate(*overrides)
    assert "\n" not in str(err.value)


def test_unknown_bonus_is_one_line_with_the_closest_names(tmp_path: Path) -> None:
    from commands import run_cli

    done = run_cli("+task=room5x5", "explore=e3", cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "explore=e3" in lines[0] and "e3b" in lines[0]
    assert not (tmp_path / "runs").exists()  # rejected before anything started


def test_resume_takes_the_bonus_settings_from_the_checkpoint(tmp_path: Path) -> None:
    """Its networks and value heads were built from them; one saved before
    ``intrinsic_gamma`` existed trained one reward stream."""
    import io

    from omegaconf import OmegaConf

    from rllib_nethack.runs.checkpoints import RUN_CONFIG
    from rllib_nethack.training.trainer import with_checkpoint_model

    saved = OmegaConf.to_container(
        compose_run(["+task=room5x5", "explore=rnd", "explore.coeff=0.3"])
    )
    del saved["explore"]["intrinsic_gamma"]  # type: ignore[index]
    OmegaConf.save(OmegaConf.create(saved), tmp_path / RUN_CONFIG)
    out = io.StringIO()
    now = compose_run(["+task=room5x5", "explore=rnd"])
    merged = with_checkpoint_model(now, tmp_path, out)
    assert merged.explore.intrinsic_gamma is None and merged.explore.coeff == 0.3
    assert "resume: using the checkpoint's explore settings" in out.getvalue()
    config = build_algorithm_config(merged)
    assert INTRINSIC_CRITIC not in config.rl_module_spec.model_config
