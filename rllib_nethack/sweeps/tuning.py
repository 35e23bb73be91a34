"""The sweep behind ``python -m rllib_nethack.tune``: check, start Ray, run Tune, summarise.

Everything that can be wrong with the input is checked before Ray starts: the
sweep (:func:`~rllib_nethack.sweeps.spec.parse_sweep`), one translated
trial config per searched value, and whether one trial's CPUs fit this machine.
Tune's experiment directory is the sweep directory
(``runs/<task>-<model>-<algo>/sweeps/<date>/``); ``summary.json``,
``summary.csv`` and ``learning_curves.png`` are written beside it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

from omegaconf import DictConfig, OmegaConf
from ray.rllib.algorithms.algorithm_config import AlgorithmConfig

from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.ray_start import init_ray
from rllib_nethack.sweeps.spec import SweepSpec, nested, parse_sweep, trial_config
from rllib_nethack.sweeps.summary import (
    TrialRecord,
    best_record,
    plot_trials,
    record_of,
    trial_status,
    write_summary,
)

#: The composed sweep config, saved in the sweep directory (what resume reloads).
SWEEP_CONFIG = "sweep_config.yaml"


@dataclass(frozen=True)
class SweepResult:
    """What a finished sweep leaves behind."""

    directory: Path
    trials: tuple[TrialRecord, ...]
    best: TrialRecord | None


def resource_request(algo_config: AlgorithmConfig) -> Any:
    """What one trial asks Ray for: RLlib's own placement group for the algorithm
    (the trial's process plus its env runners, packed by Tune)."""
    algo_class = algo_config.algo_class
    assert isinstance(algo_class, type)  # the translation always names an algorithm
    return cast(Any, algo_class).default_resource_request(algo_config)


def trial_cpus(cfg: DictConfig) -> tuple[float, str]:
    """CPUs one trial asks Ray for, and why."""
    algo_config = build_algorithm_config(cfg)
    request = resource_request(algo_config)
    cpus = float(request.required_resources.get("CPU", 0))
    runners = int(algo_config.num_env_runners)
    why = (
        f"{cpus:g} CPU{'' if cpus == 1 else 's'} per trial (1 for the trial's driver and "
        f"learner + {runners} env runners x {algo_config.num_cpus_per_env_runner:g})"
    )
    return cpus, why


def check_translations(cfg: DictConfig, spec: SweepSpec) -> None:
    """Translate the config with every listed value (and the bounds) of every
    searched key, so a value RLlib or a model rejects fails now, not in a trial."""
    example = {d.key: d.example() for d in spec.dimensions}
    for dim in spec.dimensions:
        for value in dim.values:
            try:
                build_algorithm_config(trial_config(cfg, nested({**example, dim.key: value})))
            except ConfigError as err:
                raise ConfigError(f"sweep.search.{dim.key}={value!r}: {err}") from None


def check_cpus(needed: float, available: float | None, where: str) -> None:
    """A trial that can never be placed fails now instead of pending forever."""
    if available is not None and needed > available:
        raise ConfigError(
            f"a trial needs {needed:g} CPUs but {where} has {available:g}: lower "
            f"cluster.rllib.num_env_runners or raise cluster.num_cpus"
        )


def trial_dirname(trial: Any) -> str:
    """``trial_<id>``: Tune's default name holds ``key=value`` pairs, and a checkpoint
    path with ``=`` in it cannot be passed as ``resume=PATH`` on Hydra's command line."""
    return f"trial_{trial.trial_id}"


def _sweep_dir_to_resume(path: str) -> Path:
    directory = Path(path).expanduser().resolve()
    if not (directory / SWEEP_CONFIG).is_file():
        raise ConfigError(f"resume: {path} is not a sweep directory (no {SWEEP_CONFIG})")
    return directory


def run_sweep(cfg: DictConfig, out: TextIO = sys.stdout) -> SweepResult:
    """Run the sweep ``cfg`` describes (or continue the one ``cfg.resume`` names)."""
    resume = cfg.get("resume")
    if resume:
        directory = _sweep_dir_to_resume(str(resume))
        saved = OmegaConf.load(directory / SWEEP_CONFIG)
        assert isinstance(saved, DictConfig)
        OmegaConf.update(saved, "cluster", cfg.cluster, merge=False)  # resume on this machine
        cfg = saved
    else:
        directory = Path(cfg.experiment.run_dir).resolve()
    spec = parse_sweep(cfg)
    example = trial_config(cfg, spec.example_values())
    check_translations(cfg, spec)
    cpus, why = trial_cpus(example)
    print(f"sweep    {directory}", file=out)
    print(
        f"trials   {spec.num_trials()} x {spec.scheduler}, "
        f"metric {spec.metric} ({spec.mode}); {why}",
        file=out,
    )
    if not cfg.cluster.get("address"):
        check_cpus(cpus, cfg.cluster.get("num_cpus") or os.cpu_count(), "this machine")
    directory.mkdir(parents=True, exist_ok=True)
    if not resume:
        OmegaConf.save(cfg, directory / SWEEP_CONFIG, resolve=True)

    started_ray = init_ray(cfg.cluster)
    try:
        import ray

        check_cpus(cpus, ray.cluster_resources().get("CPU"), "the Ray cluster")
        results = _fit(cfg, spec, directory, cpus, bool(resume))
    finally:
        if started_ray:
            import ray

            ray.shutdown()
    return _summarise(cfg, spec, directory, results, out)


def _fit(cfg: DictConfig, spec: SweepSpec, directory: Path, cpus: float, resume: bool) -> Any:
    from ray import tune

    from rllib_nethack.sweeps.trial import trial

    algo_config = build_algorithm_config(trial_config(cfg, spec.example_values()))
    trainable = tune.with_resources(
        tune.with_parameters(
            trial,
            run_cfg=OmegaConf.to_container(cfg, resolve=True),
            metric=spec.metric,
            checkpoint_every=spec.checkpoint_every(int(cfg.experiment.checkpoint_every or 0)),
        ),
        resource_request(algo_config),
    )
    if resume:
        tuner = tune.Tuner.restore(
            str(directory), trainable, resume_unfinished=True, resume_errored=True
        )
    else:
        keep = int(cfg.experiment.keep_checkpoints or 0)
        tuner = tune.Tuner(
            trainable,
            param_space=spec.param_space(),
            tune_config=tune.TuneConfig(
                metric=spec.metric,
                mode=spec.mode,
                scheduler=spec.build_scheduler(),
                num_samples=spec.num_samples,
                max_concurrent_trials=spec.max_concurrent,
                trial_dirname_creator=trial_dirname,
            ),
            run_config=tune.RunConfig(
                name=directory.name,
                storage_path=str(directory.parent),
                checkpoint_config=tune.CheckpointConfig(num_to_keep=keep or None),
                verbose=1,  # the trial table; every result is in TensorBoard and result.json
            ),
        )
    return tuner.fit()


def _summarise(
    cfg: DictConfig, spec: SweepSpec, directory: Path, results: Any, out: TextIO
) -> SweepResult:
    early = spec.scheduler == "asha"
    records = [record_of(r, trial_status(r, early), spec.metric, spec.mode) for r in results]
    records.sort(key=lambda r: r.trial)
    json_path, csv_path = write_summary(directory, records, spec.metric, spec.mode)
    print(f"summary  {json_path} ({csv_path.name})", file=out)
    if cfg.experiment.plot:
        title = f"{cfg.task.name} / {cfg.model.name} / {cfg.algo.name}: {spec.scheduler} sweep"
        png = plot_trials(records, directory / "learning_curves.png", spec.metric, title)
        if png is not None:
            print(f"learning curves {png}", file=out)
    print(f"tensorboard --logdir {directory}", file=out)
    best = best_record(records, spec.mode)
    if best is None:
        print("best     none: no trial measured the metric (no episode ended?)", file=out)
    else:
        values = " ".join(f"{k}={v}" for k, v in best.overrides.items())
        print(f"best     {best.trial}: {spec.metric} {best.metric:.4g}  {values}", file=out)
        if best.checkpoint:
            print(f"checkpoint {best.checkpoint}", file=out)
            print(f"continue it: python -m rllib_nethack.run resume={best.checkpoint}", file=out)
    failed = [r for r in records if r.error]
    for r in failed:
        print(f"error    {r.trial}: {r.error}", file=out)
    return SweepResult(directory, tuple(records), best)
