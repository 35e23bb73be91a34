"""Sweep configs: every conf/sweep file composes and translates, bad input is one
line before Ray starts, and a trial's report always carries the metric."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from commands import run_tune
from omegaconf import DictConfig, OmegaConf

from rllib_nethack.config import compose_config, config_dir
from rllib_nethack.errors import ConfigError
from rllib_nethack.sweeps.spec import (
    parse_sweep,
    reported_metrics,
    resolve_metric,
    result_value,
    trial_config,
)
from rllib_nethack.sweeps.trial import trial_result
from rllib_nethack.sweeps.tuning import check_translations, trial_cpus
from rllib_nethack.training.reporting import starting_point

SWEEPS = sorted(p.stem for p in (config_dir() / "sweep").glob("*.yaml"))


def compose_sweep(*overrides: str) -> DictConfig:
    cfg = compose_config(["+task=room5x5", *overrides], config_name="tune")
    OmegaConf.resolve(cfg)
    return cfg


def test_the_promised_sweeps_exist() -> None:
    assert {"asha", "pbt", "grid", "random"} <= set(SWEEPS)


@pytest.mark.parametrize("name", SWEEPS)
def test_every_sweep_composes_and_translates_without_ray(name: str) -> None:
    import ray

    cfg = compose_sweep(f"sweep={name}", "debug=smoke")
    spec = parse_sweep(cfg)
    check_translations(cfg, spec)  # every listed value through build_algorithm_config
    assert spec.param_space()
    scheduler = spec.build_scheduler()
    assert type(scheduler).__name__ != ""
    cpus, why = trial_cpus(trial_config(cfg, spec.example_values()))
    # debug=smoke: one env runner with one CPU, plus the trial's own CPU.
    assert cpus == 2 and "1 env runners" in why
    assert spec.metric in reported_metrics()
    assert "/sweeps/" in cfg.experiment.run_dir
    assert not ray.is_initialized()


def test_a_trial_config_is_the_run_config_with_the_trial_values() -> None:
    cfg = compose_sweep("sweep=random")
    trial = trial_config(cfg, {"algo": {"lr": 0.00123}, "model": {"rnn_size": 128}})
    assert trial.algo.lr == 0.00123 and trial.model.rnn_size == 128
    assert trial.algo.gamma == cfg.algo.gamma and cfg.algo.lr != 0.00123
    rest = {k: v for k, v in OmegaConf.to_container(trial).items() if k not in ("algo", "model")}
    assert rest == {
        k: v for k, v in OmegaConf.to_container(cfg).items() if k not in ("algo", "model")
    }


def test_pbt_mutates_lr_and_entropy_with_rllib_keys() -> None:
    spec = parse_sweep(compose_sweep("sweep=pbt"))
    pbt = spec.build_scheduler()
    assert set(pbt._hyperparam_mutations["algo"]) == {"lr", "entropy_coeff"}
    assert pbt._require_attrs is False
    assert spec.checkpoint_every(10) == spec.scheduler_settings["perturbation_interval"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+sweep.search.algo.lrr.choice=[1]", "sweep.search.algo.lrr is not a config key"),
        ("+sweep.search.model.rnn.choice=[1]", "did you mean 'model.rnn_size'"),
        ("sweep.metric=scor_mean", "did you mean 'score_mean'"),
        ("sweep.scheduler.grace_period=soon", "sweep.scheduler.grace_period must be int"),
        ("+sweep.scheduler.grace=1", "not a setting of the asha scheduler"),
        ("sweep.mode=best", "sweep.mode must be max or min"),
        ("sweep.search.algo.lr.loguniform=[0.1,0.01]", "low < high"),
        ("sweep.num_samples=0", "sweep.num_samples must be a positive integer"),
    ],
)
def test_bad_sweep_input_is_one_line(override: str, message: str) -> None:
    cfg = compose_sweep("sweep=asha", override)
    with pytest.raises(ConfigError) as err:
        parse_sweep(cfg)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_searched_value_rllib_rejects_fails_before_ray() -> None:
    cfg = compose_sweep(
        "sweep=grid", "debug=smoke", "+sweep.search.algo.minibatch_size.grid=[32,4096]"
    )
    with pytest.raises(ConfigError, match="minibatch_size=4096"):
        check_translations(cfg, parse_sweep(cfg))


def test_metric_names_resolve_to_reported_paths() -> None:
    assert resolve_metric("score_mean") == "env_runners/nethack/score_mean"
    assert resolve_metric("episode_return_mean") == "env_runners/episode_return_mean"
    assert resolve_metric("env_runners/nethack/end_death_rate") in reported_metrics()
    with pytest.raises(ConfigError, match="not a metric"):
        resolve_metric("mean")  # ends many names: ambiguous


def test_no_episode_yet_still_reports_the_metric() -> None:
    # A long NetHack game may end no episode in the first iterations: Tune's
    # strict metric check needs the key, the schedulers skip NaN.
    result = {"env_runners": {"num_env_steps_sampled_lifetime": 64}, "training_iteration": 1}
    report = trial_result(result, "env_runners/nethack/score_mean", starting_point(), math.nan)
    assert math.isnan(result_value(report, "env_runners/nethack/score_mean"))
    assert "training_iteration" not in report  # Tune's own counter, not RLlib's
    assert report["env_runners"]["num_env_steps_sampled_lifetime"] == 64
    # Later iterations without an ended episode (or a trial just restored by a
    # PBT exploit) report the last value measured.
    carried = trial_result(result, "env_runners/nethack/score_mean", starting_point(), 3.0)
    assert result_value(carried, "env_runners/nethack/score_mean") == 3.0
    measured = {"env_runners": {"nethack": {"score_mean": 7.0}}}
    assert (
        result_value(
            trial_result(measured, "env_runners/nethack/score_mean", starting_point(), 1.0),
            "env_runners/nethack/score_mean",
        )
        == 7.0
    )


def test_cli_unknown_sweep_and_uncheckable_cpus_are_one_line(tmp_path: Path) -> None:
    done = run_tune("+task=room5x5", "sweep=ashaa", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr.strip()
        == "error: unknown sweep 'ashaa'; did you mean 'asha'? (sweeps: asha, grid, pbt, random)"
    )
    done = run_tune(
        "+task=room5x5",
        "sweep=grid",
        "cluster.num_cpus=2",
        "cluster.rllib.num_env_runners=4",
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("error: a trial needs 5 CPUs but this machine has 2")
    )
