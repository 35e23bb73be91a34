"""The training loop behind ``python -m rllib_nethack.run``.

It builds the RLlib algorithm from the composed config, trains until a stop
condition holds, and on the way prints a progress line per iteration, writes
TensorBoard event files and ``progress.csv``, checkpoints every N iterations
and at the end (also on Ctrl-C), and draws the learning curve.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.checkpoints import resolve_checkpoint, save_checkpoint, saved_config
from rllib_nethack.cluster import init_ray
from rllib_nethack.config.translate import build_algorithm_config, env_options, task_spec
from rllib_nethack.envs import make_env
from rllib_nethack.reporting import (
    Progress,
    ProgressCsv,
    TensorBoardLog,
    eta_seconds,
    format_progress,
    plot_learning_curve,
    progress_of,
)


@dataclass(frozen=True)
class RunSummary:
    """What a finished run leaves behind."""

    run_dir: Path
    iterations: int
    env_steps: int
    checkpoint: Path | None
    stopped_by: str
    last: Progress | None


def stop_reason(stop: Mapping[str, Any], p: Progress, iterations_done: int) -> str | None:
    """The first stop condition that holds, or None."""
    if stop.get("env_steps") is not None and p.env_steps >= stop["env_steps"]:
        return "env_steps"
    if stop.get("iterations") is not None and iterations_done >= stop["iterations"]:
        return "iterations"
    if stop.get("minutes") is not None and p.time_s >= 60 * stop["minutes"]:
        return "minutes"
    target = stop.get("mean_return")
    if target is not None and p.return_mean == p.return_mean and p.return_mean >= target:
        return "mean_return"
    return None


def with_checkpoint_model(cfg: DictConfig, checkpoint: Path, out: TextIO) -> DictConfig:
    """The run config with the task and model a checkpoint was trained with.

    Resuming must rebuild the same network (LSTM size included) to load its
    weights; algorithm settings such as the learning rate may change.
    """
    saved = saved_config(checkpoint)
    if saved is None:
        return cfg
    merged = cfg.copy()
    for key in ("task", "model"):
        if OmegaConf.to_container(cfg[key]) != OmegaConf.to_container(saved[key]):
            print(f"resume: using the checkpoint's {key} settings", file=out)
        OmegaConf.update(merged, key, saved[key], merge=False)
    return merged


def describe_model(cfg: DictConfig) -> str:
    """Build the env and the model once, before Ray starts: a model that cannot
    read the task's observations fails here with a clear message."""
    algo_config = build_algorithm_config(cfg)
    spec = algo_config.rl_module_spec
    env = make_env(task_spec(cfg).name, **env_options(cfg))
    try:
        module = spec.module_class(
            observation_space=env.observation_space,
            action_space=env.action_space,
            model_config=spec.model_config,
        )
    finally:
        env.close()
    params = sum(p.numel() for p in module.parameters())
    return f"{cfg.model.name} ({params:,} parameters)"


def train(cfg: DictConfig, out: TextIO = sys.stdout) -> RunSummary:
    """Train as ``cfg`` says. Raises ConfigError for bad input before Ray starts."""
    checkpoint = resolve_checkpoint(cfg.resume) if cfg.get("resume") else None
    if checkpoint is not None:
        cfg = with_checkpoint_model(cfg, checkpoint, out)
    algo_config = build_algorithm_config(cfg)
    model = describe_model(cfg)
    run_dir = Path(cfg.experiment.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, run_dir / "run_config.yaml", resolve=True)
    stop = cast(dict[str, Any], OmegaConf.to_container(cfg.stop))

    print(f"run dir  {run_dir}", file=out)
    print(
        f"task     {cfg.task.name} ({cfg.task.family})  model {model}  algo {cfg.algo.name}",
        file=out,
    )
    started_ray = init_ray(cfg.cluster)
    import ray

    algo = algo_config.build_algo()
    if checkpoint is not None:
        algo.restore_from_path(str(checkpoint))
        print(f"resumed  {checkpoint} (iteration {algo.iteration})", file=out)
    tensorboard = TensorBoardLog(run_dir / "tensorboard") if cfg.experiment.tensorboard else None
    if tensorboard is not None:
        print(f"tensorboard --logdir {tensorboard.directory}", file=out)
    progress_csv = ProgressCsv(run_dir / "progress.csv")
    every = int(cfg.experiment.checkpoint_every or 0)
    keep = int(cfg.experiment.keep_checkpoints or 0)

    start = time.monotonic()
    last: Progress | None = None
    done = 0
    reason = "interrupted"
    latest: Path | None = None
    try:
        while True:
            result = algo.train()
            done += 1
            last = progress_of(result, time.monotonic() - start, last)
            print(format_progress(last, eta_seconds(last, stop, done)), file=out, flush=True)
            progress_csv.append(last)
            if tensorboard is not None:
                tensorboard.write(result, last.env_steps)
            if every and algo.iteration % every == 0:
                latest = save_checkpoint(algo, run_dir, cfg, keep)
            found = stop_reason(stop, last, done)
            if found:
                reason = found
                break
    except KeyboardInterrupt:
        print("interrupted: saving a checkpoint", file=out)
    finally:
        if done and (latest is None or not latest.name.endswith(f"{algo.iteration:06d}")):
            latest = save_checkpoint(algo, run_dir, cfg, keep)
        if latest is not None:
            print(f"checkpoint {latest}", file=out)
        if tensorboard is not None:
            tensorboard.close()
        if cfg.experiment.plot:
            title = f"{cfg.task.name} / {cfg.model.name} / {cfg.algo.name}"
            png = plot_learning_curve(progress_csv.path, run_dir / "learning_curve.png", title)
            if png is not None:
                print(f"learning curve {png}", file=out)
        algo.stop()
        if started_ray:
            ray.shutdown()
    print(f"stopped by {reason} after {done} iterations", file=out)
    return RunSummary(
        run_dir=run_dir,
        iterations=done,
        env_steps=last.env_steps if last else 0,
        checkpoint=latest,
        stopped_by=reason,
        last=last,
    )
