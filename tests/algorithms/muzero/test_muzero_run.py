"""`algo=muzero` end to end: a smoke run trains, checkpoints, and resumes from it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from commands import run_cli

from rllib_nethack.config.compose import compose_config
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.errors import ConfigError
from rllib_nethack.training.trainer import build_module, describe_model

CONF = Path(__file__).resolve().parents[3] / "conf"


def test_translation_builds_the_muzero_config_and_rejects_bad_settings() -> None:
    config = build_algorithm_config(compose_config(["+task=room5x5", "algo=muzero"]))
    assert type(config).__name__ == "MuZeroConfig"
    assert config.rl_module_spec.module_class.__name__ == "MuZeroMiniHackModule"
    settings = config.model_config["muzero"]
    assert settings["search"]["num_simulations"] == config.num_simulations
    assert settings["search"]["discount"] == config.gamma
    perceiver = ["+task=room5x5", "algo=muzero", "model=perceiver"]
    assert (
        "Perceiver"
        in build_algorithm_config(
            compose_config([*perceiver, "task.options.observation_keys=[glyphs,blstats,message]"])
        ).rl_module_spec.module_class.__name__
    )
    with pytest.raises(ConfigError, match="search_policy"):
        build_algorithm_config(
            compose_config(["+task=room5x5", "algo=muzero", "algo.search_policy=greedy"])
        )
    with pytest.raises(ConfigError, match="target_update_interval must be >= 0"):
        build_algorithm_config(
            compose_config(["+task=room5x5", "algo=muzero", "algo.target_update_interval=-1"])
        )
    with pytest.raises(ConfigError, match="num_simulation"):
        build_algorithm_config(
            compose_config(["+task=room5x5", "algo=muzero", "+algo.num_simulation=5"])
        )


@pytest.mark.slow(seconds=130)
def test_smoke_run_trains_checkpoints_and_resumes(tmp_path: Path) -> None:
    args = ("+task=room5x5", "algo=muzero", "debug=smoke", "experiment.root_dir=runs")
    done = run_cli(*args, cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = (tmp_path / "runs" / "MiniHack-Room-5x5-v0-minihack-muzero").iterdir()
    checkpoint = run_dir / "checkpoints" / "iter_000002"
    assert (checkpoint / "rllib_checkpoint.json").is_file()
    trained = [int(m) for m in re.findall(r"(\d+) trained", done.stdout)]
    assert trained and trained[-1] > 0

    again = run_cli(*args, f"resume={checkpoint}", "stop.iterations=1", cwd=tmp_path, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"iter\s+3 ", again.stdout), again.stdout[-2000:]
    resumed = [int(m) for m in re.findall(r"(\d+) trained", again.stdout)]
    assert resumed[-1] > trained[-1]  # the counts go on from the checkpoint's


def test_banner_counts_the_configured_network_not_the_default_one() -> None:
    base = ["+task=room5x5", "algo=muzero"]
    small, large = (
        compose_config([*base, f"algo.hidden_size={size}", f"algo.dynamics_hidden=[{size}]"])
        for size in (16, 256)
    )
    counts = [
        int(re.sub(r"\D", "", describe_model(cfg, build_algorithm_config(cfg))))
        for cfg in (small, large)
    ]
    module = build_module(build_algorithm_config(small))
    assert module.net.hidden_size == 16
    assert counts[0] == sum(p.numel() for p in module.parameters())
    assert counts[0] < counts[1]


@pytest.mark.slow
def test_checkpoint_keeps_the_replay_buffer(ray_local: Any, tmp_path: Path) -> None:
    """A resumed run trains on the data it had, not on an empty buffer."""
    cfg = compose_config(["+task=room5x5", "algo=muzero", "debug=smoke", "algo.learning_starts=1"])
    config = build_algorithm_config(cfg)
    algo = config.build_algo()
    try:
        algo.train()
        before = algo.replay.get_state()
        assert before["num_steps"] > 0
        algo.save_to_path(str(tmp_path / "ckpt"))
    finally:
        algo.stop()
    again = build_algorithm_config(cfg).build_algo()
    try:
        assert len(again.replay) == 0
        again.restore_from_path(str(tmp_path / "ckpt"))
        after = again.replay.get_state()
        assert after["num_steps"] == before["num_steps"]
        assert [k for k, _ in after["trajectories"]] == [k for k, _ in before["trajectories"]]
        for (_, old), (_, new) in zip(before["trajectories"], after["trajectories"], strict=True):
            assert old.actions == new.actions and old.priorities == new.priorities
            assert np.array_equal(np.stack(old.obs["glyphs"]), np.stack(new.obs["glyphs"]))
    finally:
        again.stop()


def test_family_learning_settings_reach_actor_critic_algos_not_muzeros_optimiser() -> None:
    muzero_yaml = yaml.safe_load((CONF / "algo" / "muzero.yaml").read_text())
    for task in ("room5x5", "score"):
        appo = compose_config([f"+task={task}"])
        muzero = compose_config([f"+task={task}", "algo=muzero"])
        assert appo.algo.lr == appo.learning.lr and appo.algo.grad_clip == appo.learning.grad_clip
        assert (muzero.algo.lr, muzero.algo.grad_clip) == (
            muzero_yaml["lr"],
            muzero_yaml["grad_clip"],
        )
        assert muzero.algo.gamma == appo.algo.gamma == appo.learning.gamma  # the task's horizon
    assert compose_config(["+task=room5x5", "algo=muzero", "algo.lr=0.01"]).algo.lr == 0.01


def test_muzero_yaml_documents_the_config_defaults() -> None:
    """conf/algo/muzero.yaml documents every setting with the value MuZeroConfig()
    itself has, so Python users (Tune, scripts) get the same tuned algorithm."""
    from rllib_nethack.algorithms.muzero.algorithm import MuZeroConfig

    config = MuZeroConfig()
    documented = yaml.safe_load((CONF / "algo" / "muzero.yaml").read_text())
    differing = {
        key: (value, getattr(config, key, "missing"))
        for key, value in documented.items()
        if key != "name" and not str(value).startswith("${") and getattr(config, key, None) != value
    }
    assert differing == {}
