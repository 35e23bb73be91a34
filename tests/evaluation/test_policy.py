"""The policy layer: a checkpoint becomes an agent that acts, without Ray."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import rllib_nethack
from rllib_nethack import ConfigError
from rllib_nethack.policy import load_policy
from rllib_nethack.runs.layout import MODULE_PATH


def test_load_policy_from_run_dir_builds_the_task_and_acts(untrained_checkpoint: Path) -> None:
    run_dir = untrained_checkpoint.parent.parent
    policy = rllib_nethack.load_policy(run_dir)
    assert policy.checkpoint == untrained_checkpoint.resolve()
    assert policy.task == "MiniHack-Room-5x5-v0"
    env = policy.make_env()
    try:
        assert env.observation_space == policy.module.observation_space
        # The checkpoint's options come along: debug=smoke caps episodes at 50 steps.
        obs, _ = env.reset(seed=0)
        state = None
        for _ in range(60):
            action, state = policy.act(obs, state)
            assert 0 <= action < env.action_space.n
            assert state["h"].shape == (1, 32)
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        assert terminated or truncated
        assert "episode_stats" in info
    finally:
        env.close()


def test_greedy_is_deterministic_and_sampling_follows_its_rng(untrained_checkpoint: Path) -> None:
    policy = load_policy(untrained_checkpoint)
    env = policy.make_env()
    try:
        obs, _ = env.reset(seed=1)
        logits, _ = policy.logits([obs])
        greedy = [policy.act(obs)[0] for _ in range(3)]
        assert greedy == [int(np.argmax(logits[0]))] * 3
        draws = [
            [policy.act(obs, greedy=False, rng=np.random.default_rng(s))[0] for _ in range(1)]
            for s in (5, 5)
        ]
        assert draws[0] == draws[1]
        many = {policy.act(obs, greedy=False)[0] for _ in range(40)}
        assert len(many) > 1  # an untrained policy is near uniform: sampling varies
    finally:
        env.close()


def test_batched_actions_match_one_at_a_time(untrained_checkpoint: Path) -> None:
    policy = load_policy(untrained_checkpoint)
    envs = [policy.make_env() for _ in range(3)]
    try:
        observations = [env.reset(seed=s)[0] for s, env in enumerate(envs)]
        batch_logits, batch_state = policy.logits(observations)
        for row, obs in enumerate(observations):
            logits, state = policy.logits([obs])
            np.testing.assert_allclose(batch_logits[row], logits[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(
                batch_state["h"][row].numpy(), state["h"][0].numpy(), rtol=1e-5, atol=1e-6
            )
    finally:
        for env in envs:
            env.close()


def test_another_task_is_checked_against_the_model(untrained_checkpoint: Path) -> None:
    policy = load_policy(untrained_checkpoint)
    env = policy.make_env("room15x15")  # same observations and actions
    env.close()
    with pytest.raises(ConfigError, match="checkpoint's model"):
        policy.make_env("challenge")  # no glyphs_crop
    with pytest.raises(ConfigError, match="chooses among 8 actions"):
        policy.make_env("corridor_r2")  # 11 actions


@pytest.mark.parametrize("damage", ["missing", "no_module", "corrupt_module", "no_config"])
def test_bad_checkpoints_are_one_line(
    untrained_checkpoint: Path, tmp_path: Path, damage: str
) -> None:
    if damage == "missing":
        path = tmp_path / "nope"
        match = "does not exist"
    else:
        path = tmp_path / "ckpt"
        shutil.copytree(untrained_checkpoint, path)
        if damage == "no_module":
            shutil.rmtree(path / MODULE_PATH)
            match = "holds no policy module"
        elif damage == "corrupt_module":
            (path / MODULE_PATH / "module_state.pkl").write_bytes(b"not a pickle")
            match = "module_state.pkl: not a readable pickle"  # found before any unpickling
        else:
            (path / "run_config.yaml").unlink()
            match = "no run_config.yaml"
    with pytest.raises(ConfigError, match=match) as err:
        load_policy(path)
    assert "\n" not in str(err.value)


def test_device_is_checked() -> None:
    from rllib_nethack.policy import resolve_device

    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(ConfigError, match="device"):
        resolve_device("tpu")
