"""`rllib_nethack.algorithm_config` and our modules from a user's own RLlib / Tune code."""

from __future__ import annotations

from pathlib import Path

import pytest

import rllib_nethack
from rllib_nethack.metrics.callbacks import NetHackMetricsCallback
from rllib_nethack.models import NetHackRLModule, module_spec


def test_algorithm_config_is_what_run_trains() -> None:
    from ray.rllib.algorithms.ppo import PPOConfig

    from rllib_nethack.config import build_algorithm_config, compose_config

    config = rllib_nethack.algorithm_config("room5x5", "algo=ppo", "model.rnn_size=32")
    assert isinstance(config, PPOConfig)
    assert config.env == "MiniHack-Room-5x5-v0"
    assert config.rl_module_spec.module_class is NetHackRLModule
    assert config.rl_module_spec.model_config["name"] == "minihack"
    assert config.rl_module_spec.model_config["rnn_size"] == 32
    assert config.callbacks_class is NetHackMetricsCallback
    assert config.seed == 0 and config._learner_connector is not None  # seeding, reward clipping
    cli = build_algorithm_config(compose_config(["+task=room5x5", "algo=ppo", "model.rnn_size=32"]))
    assert config.to_dict() == cli.to_dict()


def test_a_hand_built_module_gets_rllibs_default_sequence_length(make) -> None:
    # RLlib's connectors read model_config["max_seq_len"] from the module; a user's
    # module_spec("minihack") names the architecture and nothing else.
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    env = make("room5x5")
    module = NetHackRLModule(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config=module_spec("minihack").model_config,
    )
    assert module.model_config["max_seq_len"] == DefaultModelConfig.max_seq_len
    assert module.is_stateful()


@pytest.mark.slow
def test_plain_rllib_config_with_our_module_trains(ray_local) -> None:
    from ray.rllib.algorithms.ppo import PPOConfig

    rllib_nethack.register_envs()
    config = (
        PPOConfig()
        .environment("room5x5", env_config={"max_episode_steps": 20})
        .env_runners(num_env_runners=0, num_envs_per_env_runner=1)
        .training(train_batch_size_per_learner=64, minibatch_size=32, num_epochs=1)
        .rl_module(rl_module_spec=module_spec("minihack"))
    )
    algo = config.build_algo()
    try:
        result = algo.train()
    finally:
        algo.stop()
    assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 64


@pytest.mark.slow
def test_tuner_over_algorithm_config(ray_local, tmp_path: Path) -> None:
    from ray import tune

    config = rllib_nethack.algorithm_config(
        "room5x5", "debug=smoke", "cluster.rllib.num_env_runners=0"
    ).training(lr=tune.grid_search([1e-4, 1e-3]))
    results = tune.Tuner(
        config.algo_class,
        param_space=config,
        run_config=tune.RunConfig(storage_path=str(tmp_path), stop={"training_iteration": 1}),
    ).fit()
    assert len(results) == 2 and not results.errors
    for result in results:
        assert "nethack" in result.metrics["env_runners"] or result.metrics["env_runners"]
