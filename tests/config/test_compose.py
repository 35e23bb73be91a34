"""The Hydra config groups compose, and carry the defaults they promise."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.config import config_dir
from rllib_nethack.config.store import register_configs
from rllib_nethack.envs.catalog import NLE_TASKS, list_tasks, task_names_and_aliases
from rllib_nethack.envs.options import EnvOptions

CONF = config_dir()


def options_in(group: str) -> list[str]:
    """The options of a config group, from YAML files or the ConfigStore."""
    from hydra.core.config_store import ConfigStore

    register_configs()
    stored = ConfigStore.instance().repo.get(group, {})
    yaml_files = {p.stem for p in (CONF / group).glob("*.yaml")}
    return sorted(yaml_files | {name.removesuffix(".yaml") for name in stored})


def test_groups_mirror_the_code() -> None:
    from rllib_nethack.algorithms.registry import ALGORITHMS

    assert options_in("algo") == sorted(ALGORITHMS)
    from rllib_nethack.models import ARCHITECTURES

    assert options_in("model") == sorted(ARCHITECTURES)
    assert options_in("family") == ["minihack", "nethack"]
    assert set(options_in("task")) >= {spec.name for spec in NLE_TASKS}
    assert set(options_in("task")) == set(task_names_and_aliases())


def test_no_yaml_restates_a_config_the_code_states() -> None:
    for group in ("task", "model", "cluster", "experiment", "env_options"):
        assert list((CONF / group).glob("*.yaml")) == [], group


def test_task_is_not_in_the_defaults_list() -> None:
    cfg = OmegaConf.load(CONF / "config.yaml")
    assert all("task" not in str(entry) for entry in cfg.defaults)


def test_env_options_group_lists_every_option() -> None:
    options = compose_run(["+task=score"]).task.options
    assert sorted(options) == sorted(f.name for f in fields(EnvOptions))


@pytest.mark.parametrize("model", options_in("model"))
@pytest.mark.parametrize("algo", options_in("algo"))
def test_every_model_and_algo_composes(model: str, algo: str) -> None:
    cfg = compose_run(["+task=score", f"model={model}", f"algo={algo}"])
    assert cfg.model.name == model
    assert cfg.algo.name == algo


def test_challenge_composes_with_sample_factory_defaults() -> None:
    cfg = compose_run(["+task=challenge"])
    assert cfg.task.name == "challenge"
    assert cfg.task.family == "nethack"
    assert cfg.model.name == "chaotic_dwarf"
    assert cfg.model.rnn_size == 512
    algo = cfg.algo
    assert algo.name == "appo"
    assert (algo.gamma, algo.lr, algo.clip_param, algo.entropy_coeff) == (0.999, 1e-4, 0.1, 0.001)
    assert (algo.rollout_fragment_length, algo.train_batch_size_per_learner) == (32, 1024)
    assert (algo.grad_clip, algo.clip_rewards) == (4.0, 10.0)
    assert cfg.cluster.node_ip_address == "127.0.0.1"
    assert cfg.cluster.include_dashboard is False


def test_minihack_tasks_get_the_minihack_model_and_settings() -> None:
    nethack = compose_run(["+task=score"])
    cfg = compose_run(["+task=room5x5"])
    assert cfg.task.name == "MiniHack-Room-5x5-v0"
    assert cfg.task.family == "minihack"
    assert cfg.model.name == "minihack"
    assert cfg.algo.gamma < nethack.algo.gamma
    # The user's choice still wins over the family's.
    assert compose_run(["+task=room5x5", "model=baseline"]).model.name == "baseline"
    assert compose_run(["+task=room5x5", "algo.lr=0.123"]).algo.lr == 0.123


def test_debug_smoke_wins_over_the_family() -> None:
    smoke = yaml.safe_load((CONF / "debug" / "smoke.yaml").read_text())

    def leaves(node: object, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        out: set[str] = set()
        for key, value in node.items():
            if key != "defaults":
                out |= leaves(value, f"{prefix}.{key}" if prefix else key)
        return out

    # +task= comes last in the defaults list, so nothing a task or family file
    # sets may be something debug=smoke shrinks.
    for path in [*(CONF / "family").glob("*.yaml"), *(CONF / "task").glob("*.yaml")]:
        assert leaves(yaml.safe_load(path.read_text())) & leaves(smoke) == set(), path.name
    for name in ("room5x5", "staircase"):
        cfg = compose_run([f"+task={name}", "debug=smoke"])
        assert cfg.task.options.max_episode_steps == smoke["task"]["options"]["max_episode_steps"]
    cfg = compose_run(["+task=room5x5", "debug=smoke"])
    assert cfg.algo.train_batch_size_per_learner == smoke["algo"]["train_batch_size_per_learner"]
    assert cfg.stop.iterations == 2


def test_every_task_name_composes() -> None:
    names = [n for n in task_names_and_aliases() if not n.startswith("MiniHack-")]
    names += [n for n in list_tasks() if n.startswith("MiniHack-")][::20]
    for name in names:
        assert compose_run([f"+task={name}"]).task.name in list_tasks()
    # Every spelling the command line takes: gymnasium ids, any case.
    assert compose_run(["+task=NetHackChallenge-v0"]).task.name == "challenge"
    assert compose_run(["+task=ROOM5X5"]).task.name == "MiniHack-Room-5x5-v0"


def test_unknown_keys_are_rejected_by_name() -> None:
    with pytest.raises(ConfigCompositionException, match=r"algo\.lrr"):
        compose_run(["+task=challenge", "algo.lrr=1"])
    with pytest.raises(ConfigCompositionException, match=r"model\.rnn_sise"):
        compose_run(["+task=challenge", "model.rnn_sise=1"])
    with pytest.raises(ConfigCompositionException, match="model"):
        compose_run(["+task=challenge", "model=chaotic"])


@pytest.mark.parametrize(
    ("overrides", "closest", "accepted"),
    [
        (["algo.lrr=1"], "'lr'", "algo has: "),
        (["explore=count", "explore.coef=0.1"], "'coeff'", "explore has: "),
        (["task.options.max_episode_step=3"], "'max_episode_steps'", "task.options has: "),
    ],
)
def test_an_unknown_key_names_the_closest_and_the_keys_its_section_has(
    overrides: list[str], closest: str, accepted: str
) -> None:
    from rllib_nethack import ConfigError
    from rllib_nethack.config.compose import compose_checked

    with pytest.raises(ConfigError) as err:
        compose_checked(["+task=room5x5", *overrides])
    line = str(err.value)
    assert "\n" not in line and overrides[-1].split("=")[0] in line
    assert f"did you mean {closest}" in line
    section = line.split(accepted, 1)[1]
    assert closest.strip("'") in section.split(", ")  # the real key, among those listed


def test_a_setting_of_the_family_bonus_says_to_name_the_bonus() -> None:
    from rllib_nethack import ConfigError
    from rllib_nethack.config.compose import compose_checked

    with pytest.raises(ConfigError) as err:
        compose_checked(["+task=room5x5", "explore.coeff=0.003"])
    line = str(err.value)
    assert "\n" not in line and "explore=count explore.coeff=" in line
    compose_checked(["+task=room5x5", "explore=count", "explore.coeff=0.003"])  # what it says


@pytest.mark.parametrize("path", sorted(Path(CONF).rglob("*.yaml")), ids=lambda p: p.name)
def test_every_yaml_parses(path: Path) -> None:
    assert yaml.safe_load(path.read_text()) is not None


@pytest.mark.parametrize("model", options_in("model"))
def test_model_group_states_the_code_defaults(model: str) -> None:
    # `--cfg job` shows every setting; the composed node is the settings dataclass.
    from rllib_nethack.models.architectures import ARCHITECTURES

    node = OmegaConf.to_container(compose_run(["+task=score", f"model={model}"]).model)
    assert isinstance(node, dict)
    settings = ARCHITECTURES[model].settings
    defaults = {f.name: f.default for f in fields(settings)}
    assert {k for k in node if k != "name"} == set(defaults)
    stated = {k: tuple(v) if isinstance(v, list) else v for k, v in node.items() if k in defaults}
    assert stated == defaults
