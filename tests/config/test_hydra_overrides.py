"""``hydra.*`` overrides: the run directory honoured, the ones that would do nothing refused."""

from __future__ import annotations

import pytest

from rllib_nethack.config.hydra_overrides import apply_hydra_overrides
from rllib_nethack.errors import ConfigError


def test_run_dir_becomes_the_experiment_run_dir() -> None:
    args = ["+task=room5x5", "hydra.run.dir=/tmp/my_run", "algo=ppo"]
    assert apply_hydra_overrides(args) == [
        "+task=room5x5",
        "experiment.run_dir=/tmp/my_run",
        "algo=ppo",
    ]


def test_settings_that_act_pass_through() -> None:
    args = [
        "hydra.searchpath=[file:///conf]",
        "hydra.sweep.dir=sweeps",
        "hydra.job.env_set.FOO=1",
        "hydra/launcher=basic",  # a config group, not a hydra.* key
        "hydra.verbose=true",
    ]
    assert apply_hydra_overrides(args) == args


@pytest.mark.parametrize(
    "arg",
    ["hydra.job.chdir=true", "hydra.output_subdir=.hydra", "++hydra.job.name=x", "~hydra.run.dir"],
)
def test_settings_that_do_nothing_are_refused(arg: str) -> None:
    with pytest.raises(ConfigError) as err:
        apply_hydra_overrides(["+task=room5x5", arg])
    message = str(err.value)
    assert arg in message and "experiment.run_dir" in message and "\n" not in message


def test_run_dir_with_multirun_points_to_the_sweep_dir() -> None:
    with pytest.raises(ConfigError, match=r"hydra\.sweep\.dir"):
        apply_hydra_overrides(["-m", "+task=room5x5", "hydra.run.dir=x"])
