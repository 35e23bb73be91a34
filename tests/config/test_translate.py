"""The one translation from config to RLlib AlgorithmConfig: pure, strict, complete."""

from __future__ import annotations

import pytest
from commands import run_program
from omegaconf import OmegaConf, open_dict
from ray.rllib.algorithms.appo import APPOConfig
from ray.rllib.algorithms.ppo import PPOConfig

from rllib_nethack import ConfigError, UnknownTaskError
from rllib_nethack.algorithms.actor_critic.connectors import ClipRewardsFactory
from rllib_nethack.algorithms.registry import ALGORITHMS
from rllib_nethack.config import build_algorithm_config, config_dir
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.config.translate import is_setting
from rllib_nethack.metrics.callbacks import NetHackMetricsCallback
from rllib_nethack.models import ARCHITECTURES, NetHackRLModule

CONF = config_dir()


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_every_algo_key_is_a_real_setting(name: str) -> None:
    # The composed node: algo/*.yaml plus the base it starts from (algo_shared/).
    settings = OmegaConf.to_container(compose_run(["+task=score", f"algo={name}"]).algo)
    assert isinstance(settings, dict)
    assert settings.pop("name") == name
    config = ALGORITHMS[name].config_class()
    unknown = [key for key in settings if not is_setting(config, key)]
    assert unknown == []


@pytest.mark.parametrize("cluster", ["local", "remote"])
@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_every_cluster_rllib_key_is_a_real_setting(cluster: str, name: str) -> None:
    settings = compose_run(["+task=score", f"cluster={cluster}", f"algo={name}"]).cluster.rllib
    config = ALGORITHMS[name].config_class()
    assert [key for key in settings if not is_setting(config, key)] == []


def test_is_setting_rejects_methods_and_typos() -> None:
    config = APPOConfig()
    assert is_setting(config, "lr")
    assert is_setting(config, "train_batch_size_per_learner")
    assert not is_setting(config, "environment")  # a method, not a setting
    assert not is_setting(config, "lrr")
    assert not is_setting(config, "_lr_vf")


def test_challenge_builds_with_nethack_defaults() -> None:
    config = build_algorithm_config(compose_run(["+task=challenge"]))
    assert isinstance(config, APPOConfig)
    assert config.env == "challenge"
    assert (config.gamma, config.lr, config.clip_param, config.entropy_coeff) == (
        0.999,
        1e-4,
        0.1,
        0.001,
    )
    assert config.rollout_fragment_length == 32
    assert config.train_batch_size_per_learner == 1024
    assert config.grad_clip == 4.0
    assert config.restart_failed_env_runners is True
    assert config.timeout_s_sampler_manager > 0  # RLlib's 0.0 makes the driver spin
    spec = config.rl_module_spec
    assert spec.module_class is NetHackRLModule
    assert spec.model_config["name"] == "chaotic_dwarf"
    assert spec.model_config["rnn_size"] == 512
    # A fragment plus the learner's bootstrap step is one training sequence.
    assert spec.model_config["max_seq_len"] == 33
    assert config.callbacks_class is NetHackMetricsCallback
    assert config._learner_connector == ClipRewardsFactory(10.0)


def test_rllib_consistency_checks_run_before_ray_starts() -> None:
    cfg = compose_run(["+task=challenge", "algo=ppo", "algo.minibatch_size=5000"])
    with pytest.raises(ConfigError, match=r"minibatch_size.*5000.*train_batch_size_per_learner"):
        build_algorithm_config(cfg)


def test_model_observation_keys_reach_the_env() -> None:
    config = build_algorithm_config(compose_run(["+task=score", "model=baseline"]))
    baseline = ARCHITECTURES["baseline"]
    assert config.env_config["observation_keys"] == list(baseline.reads(baseline.settings()))
    assert config.env_config["observation_keys"] == ["blstats", "glyphs"]
    # The keys follow the model's settings: the message encoder reads `message`.
    with_message = compose_run(["+task=score", "model=baseline", "model.use_message=true"])
    keys = build_algorithm_config(with_message).env_config["observation_keys"]
    assert keys == ["blstats", "glyphs", "message"]
    explicit = compose_run(
        ["+task=score", "model=baseline", "task.options.observation_keys=[glyphs,blstats]"]
    )
    assert build_algorithm_config(explicit).env_config["observation_keys"] == ["glyphs", "blstats"]


def test_task_options_are_passed_and_validated() -> None:
    cfg = compose_run(["+task=challenge", "task.options.character=val-dwa-law-fem"])
    assert build_algorithm_config(cfg).env_config["character"] == "val-dwa-law-fem"
    bad = compose_run(["+task=challenge", "task.options.character=wizard"])
    with pytest.raises(ConfigError, match="character"):
        build_algorithm_config(bad)


def test_minihack_and_ppo() -> None:
    config = build_algorithm_config(compose_run(["+task=room5x5", "algo=ppo"]))
    assert isinstance(config, PPOConfig)
    assert config.env == "MiniHack-Room-5x5-v0"
    assert config.rl_module_spec.module_class is NetHackRLModule
    assert config.rl_module_spec.model_config["name"] == "minihack"
    assert config.minibatch_size == 256


def plain_config(*overrides: str) -> dict:
    cfg = compose_run(["+task=challenge", *overrides])
    container = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(container, dict)
    return container


def test_typo_in_algo_is_an_error_not_ignored() -> None:
    cfg = plain_config()
    cfg["algo"]["lrr"] = 1.0
    with pytest.raises(ConfigError, match=r"algo\.lrr is not a setting of RLlib's APPOConfig"):
        build_algorithm_config(cfg)
    cfg = plain_config()
    cfg["cluster"]["rllib"]["num_env_runner"] = 3
    with pytest.raises(ConfigError, match="num_env_runners"):
        build_algorithm_config(cfg)


def test_unknown_algorithm_model_and_task() -> None:
    cfg = plain_config()
    cfg["algo"]["name"] = "dqn"
    with pytest.raises(ConfigError, match="unknown algorithm 'dqn'"):
        build_algorithm_config(cfg)
    cfg = plain_config()
    cfg["model"]["name"] = "resnet"
    with pytest.raises(ConfigError, match="unknown model 'resnet'"):
        build_algorithm_config(cfg)
    cfg = plain_config()
    cfg["model"]["rnn_sise"] = 3
    with pytest.raises(ConfigError, match=r"model\.rnn_sise.*rnn_size"):
        build_algorithm_config(cfg)
    cfg = plain_config()
    cfg["task"]["name"] = "chalenge"
    with pytest.raises(UnknownTaskError, match="challenge"):
        build_algorithm_config(cfg)


def test_bad_reward_clip() -> None:
    cfg = plain_config()
    cfg["algo"]["clip_rewards"] = True
    with pytest.raises(ConfigError, match="clip_rewards"):
        build_algorithm_config(cfg)


def test_translation_starts_nothing() -> None:
    out = run_program("translate_starts_nothing")
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_composed_config_can_be_edited_like_a_user_would() -> None:
    cfg = compose_run(["+task=challenge"])
    with open_dict(cfg):
        cfg.algo.lr = 3e-4
    assert build_algorithm_config(cfg).lr == 3e-4


def test_env_screen_image_takes_the_model_crop() -> None:
    # The crop size is stated once, by the model: an env asked for screen_image draws it
    # at the model's size (a task that sets its own keeps it, and the model check names both).
    keys = "task.options.observation_keys=[screen_image,blstats,prev_action]"
    cfg = compose_run(["+task=challenge", keys, "model.crop_dim=20", "model.pixel_size=7"])
    env_config = build_algorithm_config(cfg).env_config
    assert (env_config["crop_dim"], env_config["pixel_size"]) == (20, 7)
    plain = build_algorithm_config(compose_run(["+task=challenge"])).env_config
    assert "crop_dim" not in plain  # the model draws its own crop from the tty keys


def test_a_model_the_task_cannot_feed_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"model 'minihack' reads observation 'glyphs_crop'"):
        build_algorithm_config(compose_run(["+task=score", "model=minihack"]))


def test_learner_switches_take_booleans_and_known_names() -> None:
    config = build_algorithm_config(
        compose_run(["+task=room5x5", "+algo.learner_config_dict={vtrace_fix:false}"])
    )
    assert config.learner_config_dict == {"vtrace_fix": False}
    # YAML's "off" arrives as a string, which would read as true: refused.
    off = compose_run(["+task=room5x5", "+algo.learner_config_dict={pack_sequences:off}"])
    with pytest.raises(ConfigError, match=r"pack_sequences must be true or false, got 'off'"):
        build_algorithm_config(off)
    typo = compose_run(["+task=room5x5", "+algo.learner_config_dict={vtrace_fixx:false}"])
    with pytest.raises(ConfigError, match=r"no switch 'vtrace_fixx'.*vtrace_fix"):
        build_algorithm_config(typo)


#: What APPO, IMPALA and PPO train with, per task family, as RLlib sees it: the
#: figures the YAML files gave before their shared lines moved to
#: conf/algo_shared/actor_critic.yaml (a change to any of them is deliberate).
_SHARED = {
    "vf_loss_coeff": 0.5,
    "rollout_fragment_length": 32,
    "train_batch_size_per_learner": 1024,
    "metrics_num_episodes_for_smoothing": 100,
    "min_time_s_per_iteration": 10,
    "min_train_timesteps_per_iteration": 0,
    "grad_clip_by": "global_norm",
}
_FAMILY = {
    "room5x5": {"lr": 5e-4, "gamma": 0.99, "entropy_coeff": 0.01, "grad_clip": 40.0},
    "challenge": {"lr": 1e-4, "gamma": 0.999, "entropy_coeff": 0.001, "grad_clip": 4.0},
}
_OWN = {
    "appo": {
        "clip_param": 0.1,
        "minibatch_size": None,
        "vtrace": True,
        "circular_buffer_iterations_per_batch": 1,
        "use_kl_loss": False,
        "timeout_s_sampler_manager": 0.01,
    },
    "impala": {"minibatch_size": None, "vtrace": True, "timeout_s_sampler_manager": 0.01},
    "ppo": {
        "lambda_": 0.95,
        "clip_param": 0.1,
        "vf_clip_param": 1e6,
        "minibatch_size": 256,
        "num_epochs": 2,
        "use_kl_loss": False,
    },
}


@pytest.mark.parametrize("task", sorted(_FAMILY))
@pytest.mark.parametrize("name", sorted(_OWN))
def test_actor_critic_settings_reach_rllib(task: str, name: str) -> None:
    config = build_algorithm_config(compose_run([f"+task={task}", f"algo={name}"]))
    expected = {**_SHARED, **_FAMILY[task], **_OWN[name]}
    assert {key: getattr(config, key) for key in expected} == expected
