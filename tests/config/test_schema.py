"""Typed configs: every bad stop/experiment/cluster/model value is one line, before Ray."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from rllib_nethack import ConfigError
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.config.schema import ClusterConfig, ExperimentConfig, StopConfig


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("stop.env_steps=-5", r"^stop\.env_steps must be an integer >= 1, got -5$"),
        (
            "cluster.rllib.num_env_runners=-1",
            r"^cluster\.rllib\.num_env_runners must be an integer >= 0",
        ),
        ("+stop.iteration=1", r"^stop\.iteration is not a setting; did you mean 'iterations'"),
        ("stop.iterations=abc", r"stop\.iterations.*'abc'.*Integer"),
        ("model.rnn_size=-3", r"^model\.rnn_size must be an integer >= 0, got -3$"),
        (
            "experiment.checkpoint_every=-1",
            r"^experiment\.checkpoint_every must be an integer >= 0",
        ),
        ("stop.minutes=0", r"^stop\.minutes must be a number > 0"),
        ("+cluster.num_cpu=2", r"^cluster\.num_cpu is not a setting; did you mean 'num_cpus'"),
        ("model=chaotic", r"^no model=chaotic; did you mean 'chaotic_dwarf'"),
        ("model.use_message=maybe", r"model\.use_message.*'maybe'"),
        ("dataset.reader=ray", r"^dataset\.reader must be one of 'auto', 'local', 'actor'"),
    ],
)
def test_bad_value_is_one_line_naming_the_key(override: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as caught:
        compose_checked(["+task=room5x5", override])
    assert "\n" not in str(caught.value)


def test_good_values_pass_and_keep_their_types() -> None:
    cfg = compose_checked(
        ["+task=room5x5", "stop.env_steps=1000", "stop.minutes=1.5", "experiment.seed=null"]
    )
    assert cfg.stop.env_steps == 1000
    assert cfg.stop.minutes == 1.5
    assert cfg.experiment.seed is None
    # cluster.rllib takes any RLlib setting (the translation checks it against RLlib).
    cfg = compose_checked(["+task=room5x5", "+cluster.rllib.num_cpus_for_main_process=1"])
    assert cfg.cluster.rllib.num_cpus_for_main_process == 1


def test_schema_defaults_are_the_composed_defaults() -> None:
    cfg = compose_checked(["+task=room5x5"])
    for key, schema in (("stop", StopConfig), ("experiment", ExperimentConfig)):
        assert OmegaConf.to_container(cfg[key], resolve=False) == vars(schema()), key
    assert cfg.cluster.rllib.num_env_runners == ClusterConfig().rllib.num_env_runners
    remote = compose_checked(["+task=room5x5", "cluster=remote"]).cluster
    assert (remote.address, remote.node_ip_address, remote.rllib.num_env_runners) == (
        "auto",
        None,
        8,
    )
