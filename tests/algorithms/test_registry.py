"""The one algorithm table: each entry is what the translation builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from rllib_nethack import ConfigError
from rllib_nethack.algorithms.registry import ALGORITHMS, get_algorithm
from rllib_nethack.config import build_algorithm_config
from rllib_nethack.config import compose_config as compose_run

#: A MiniHack task every algorithm (MuZero included) has a module for.
TASK = "+task=room5x5"


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_translation_uses_the_entrys_classes(name: str, nle_games: Path) -> None:
    entry = ALGORITHMS[name]
    overrides = [TASK, f"algo={name}", "debug=smoke"]
    if entry.reads_dataset:  # learns from ttyrecs: a NetHack task, a screen-only model
        overrides = ["+task=challenge", f"algo={name}", "model=chaotic_dwarf_tty"]
        overrides.append(f"dataset.path={nle_games}")
    config = build_algorithm_config(compose_run(overrides))
    assert type(config) is entry.config_class
    assert config.learner_class is entry.learner_class
    model = compose_run(overrides).model.name
    expected = entry.module_spec(model, {}).module_class
    assert config.rl_module_spec.module_class is expected
    assert config.is_offline == entry.reads_dataset


def test_unknown_algorithm_names_the_closest() -> None:
    with pytest.raises(ConfigError, match=r"unknown algorithm 'apo'.*appo"):
        get_algorithm("apo")


def test_muzero_without_a_module_for_the_model_is_one_line() -> None:
    with pytest.raises(ConfigError, match="MuZero has no module for model 'resnet'"):
        ALGORITHMS["muzero"].module_spec("resnet", {})
