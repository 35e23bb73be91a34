"""``init_from=CHECKPOINT``: a run starts from exactly a checkpoint's module weights,
and a checkpoint of another model or action set is one line before Ray starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.rl_module.rl_module import RLModule

from rllib_nethack.config import build_algorithm_config, compose_config
from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.layout import MODULE_PATH
from rllib_nethack.training.init_from import load_module_weights, with_init_model


def appo(checkpoint: Path, *extra: str, task: str = "challenge") -> Any:
    return compose_config(
        [f"+task={task}", "algo=appo", "model=chaotic_dwarf_tty", f"init_from={checkpoint}", *extra]
    )


def test_the_model_settings_are_the_checkpoints(tty_checkpoint: Path) -> None:
    lines: list[str] = []
    cfg, checkpoint = with_init_model(appo(tty_checkpoint), lines.append)
    assert checkpoint == tty_checkpoint.resolve()
    assert cfg.model.rnn_size == 16 and cfg.algo.name == "appo"
    assert lines == ["init_from: using the checkpoint's model settings"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("model=chaotic_dwarf",), "holds model=chaotic_dwarf_tty, not model=chaotic_dwarf"),
        (("task=score",), r"acts in 121 actions \(task challenge\), task score in \d+"),
        (("algo=muzero",), "algo=muzero trains a module of its own"),
        (("resume=somewhere",), "resume and init_from exclude each other"),
    ],
)
def test_another_model_or_action_set_is_one_line(
    tty_checkpoint: Path, extra: tuple[str, ...], message: str
) -> None:
    tasks = [e.split("=")[1] for e in extra if e.startswith("task=")]
    others = [e for e in extra if not e.startswith("task=")]
    with pytest.raises(ConfigError, match=message) as err:
        with_init_model(appo(tty_checkpoint, *others, task=(tasks or ["challenge"])[0]), print)
    assert "\n" not in str(err.value)


def test_a_missing_checkpoint_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"init_from: .* does not exist"):
        with_init_model(appo(tmp_path / "nothing"), print)


@pytest.mark.slow
def test_appo_starts_from_exactly_the_checkpoints_weights(
    tty_checkpoint: Path, ray_local: Any
) -> None:
    cfg, checkpoint = with_init_model(
        appo(tty_checkpoint, "debug=smoke", "cluster.rllib.num_envs_per_env_runner=1"), print
    )
    algo = build_algorithm_config(cfg).build_algo()
    try:
        before = algo.learner_group.get_weights()[DEFAULT_MODULE_ID]
        load_module_weights(algo, checkpoint)
        saved = RLModule.from_checkpoint(str(checkpoint / MODULE_PATH)).get_state()
        learner = algo.learner_group.get_weights()[DEFAULT_MODULE_ID]
        runner = algo.env_runner_group.foreach_env_runner(
            lambda r: r.module.get_state(), local_env_runner=False
        )[0]
        assert any(
            not torch.equal(torch.as_tensor(before[k]), torch.as_tensor(v))
            for k, v in saved.items()
        )
        for key, value in saved.items():
            torch.testing.assert_close(torch.as_tensor(learner[key]), torch.as_tensor(value))
            if key in runner:  # the runners' module is inference-only (no value head)
                torch.testing.assert_close(torch.as_tensor(runner[key]), torch.as_tensor(value))
        assert algo.iteration == 0
    finally:
        algo.stop()
