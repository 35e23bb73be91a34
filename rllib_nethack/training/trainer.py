"""The training loop behind ``python -m rllib_nethack.run``.

It builds the RLlib algorithm from the composed config, trains until a stop
condition holds, and on the way prints a progress line per iteration, writes
TensorBoard event files and ``progress.csv``, checkpoints every N iterations
and at the end (also on Ctrl-C and SIGTERM), and draws the learning curve.
A checkpoint that cannot be written costs one line and is tried again at the
next one; only a final checkpoint that cannot be written fails the run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf
from ray.rllib.algorithms import Algorithm, AlgorithmConfig

from rllib_nethack.algorithms.actor_critic.demonstrations import demonstration_settings
from rllib_nethack.algorithms.bc.source import describe_dataset
from rllib_nethack.algorithms.exploration.settings import (
    resolved_explore,
    with_resolved_explore,
)
from rllib_nethack.config.plan import RunPlan, plan_from
from rllib_nethack.config.schema import MACHINE_READING
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.console import Output
from rllib_nethack.envs import make_env
from rllib_nethack.errors import ConfigError, one_line
from rllib_nethack.metrics import result_keys
from rllib_nethack.metrics.callbacks import restore_episode_window
from rllib_nethack.runs.atomic import FileWriteError
from rllib_nethack.runs.checkpoints import (
    RUN_CONFIG,
    CheckpointWriteError,
    checkpoint_iteration,
    resolve_checkpoint,
    save_checkpoint,
    saved_config,
)
from rllib_nethack.runs.env_runners import build_algo
from rllib_nethack.runs.layout import RAY_LOG
from rllib_nethack.runs.ray_log import RayLogRouter, ray_log_routing
from rllib_nethack.runs.ray_start import init_ray
from rllib_nethack.runs.storage import fetch, local_path, sync_up
from rllib_nethack.training.evaluation import evaluate_during_training
from rllib_nethack.training.final_save import save_final
from rllib_nethack.training.init_from import (
    load_module_weights,
    policy_checkpoint,
    with_init_model,
)
from rllib_nethack.training.reporting import (
    Progress,
    ProgressCsv,
    TensorBoardLog,
    eta_seconds,
    format_progress,
    plot_learning_curve,
    progress_of,
    starting_point,
)
from rllib_nethack.training.runner_health import RunnerHealth
from rllib_nethack.training.signals import (
    TerminationRequested,
    interrupt_requested,
    keep_sigterm_handler,
    sigterm_as_interrupt,
    sigterm_deferred,
    stop_name,
    termination_requested,
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


def _plain(cfg: DictConfig) -> dict[str, Any]:
    """``cfg`` as plain containers, interpolations left as they are."""
    return cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=False))


def _say(out: Output, line: str) -> None:
    """One line to ``out``, flushed at once: after SIGTERM the grace period's
    watchdog may end the process with ``os._exit``, which drops buffered lines."""
    print(line, file=out, flush=True)


def with_checkpoint_model(cfg: DictConfig, checkpoint: Path, out: Output) -> DictConfig:
    """The run config with the task and model a checkpoint was trained with.

    Resuming must rebuild the same network (LSTM size included) to load its
    weights; algorithm settings such as the learning rate may change. Another
    task, model or algorithm than the checkpoint's is refused (the run would
    be named after one and train another), and another exploration bonus (its
    networks and rewards differ); the settings of the same task, model and
    bonus are taken from the checkpoint, and so are its ``dataset`` and
    kickstart teacher when the command names none. The experiment seed moves
    on by the checkpoint's iteration count, so the env runners do not replay
    the games the run started with.
    """
    saved = saved_config(checkpoint)
    if saved is None:
        return cfg
    for key, why in (
        ("algo", "its optimizer and losses cannot be carried over"),
        ("task", "a resumed run trains the task it was trained on"),
        ("model", "its weights fit only that model"),
    ):
        theirs, ours = OmegaConf.select(saved, f"{key}.name"), cfg[key].get("name")
        if theirs != ours:
            add = f"+task={theirs}" if key == "task" else f"{key}={theirs}"
            raise ConfigError(
                f"resume: {checkpoint} was trained with {key}={theirs}, not {key}={ours} "
                f"({why}); use {add}"
            )
    # A checkpoint from before the explore group trained without a bonus;
    # explore=auto compares as the bonus it stands for.
    theirs = resolved_explore(_plain(saved))["name"]
    ours = resolved_explore(_plain(cfg))["name"]
    if theirs != ours:
        raise ConfigError(
            f"resume: {checkpoint} was trained with explore={theirs}, not explore={ours} "
            f"(its networks and rewards differ); use explore={theirs}"
        )
    merged = cfg.copy()
    for key in ("task", "model"):
        if OmegaConf.to_container(cfg[key]) != OmegaConf.to_container(saved[key]):
            _say(out, f"resume: using the checkpoint's {key} settings")
        OmegaConf.update(merged, key, saved[key], merge=False)
    if theirs != "none":
        # The bonus's networks and value heads were built from its settings.
        bonus = OmegaConf.to_container(saved.explore)
        assert isinstance(bonus, dict)
        bonus.setdefault("intrinsic_gamma", None)  # saved before the setting: one reward stream
        if bonus != OmegaConf.to_container(cfg.explore):
            _say(out, "resume: using the checkpoint's explore settings")
        OmegaConf.update(merged, "explore", bonus, merge=False)
    theirs_data = OmegaConf.select(saved, "dataset.path")
    if theirs_data and not OmegaConf.select(cfg, "dataset.path"):
        # Demonstrations are part of what a BC run is: it goes on with its own.
        # Which games and how they are batched come from it; where and on how many
        # threads they are read (MACHINE_READING) is this machine's, as typed.
        _say(out, f"resume: using the checkpoint's dataset ({theirs_data})")
        games = {k: v for k, v in saved["dataset"].items() if k not in MACHINE_READING}
        OmegaConf.update(merged, "dataset", games, merge=True)
    teacher = OmegaConf.select(saved, "kickstart.teacher")
    if teacher and not OmegaConf.select(cfg, "kickstart.teacher"):
        # So is its teacher for a kickstarted run (the decay goes on from its env steps).
        _say(out, f"resume: using the checkpoint's kickstart teacher ({teacher})")
        OmegaConf.update(merged, "kickstart", saved["kickstart"], merge=True)
    seed, done = merged.experiment.get("seed"), checkpoint_iteration(checkpoint)
    if seed is not None and done:
        # The env runners are built anew with this seed: offset it, or a
        # resumed run would replay the games it started with.
        OmegaConf.update(merged, "experiment.seed", int(seed) + done)
    return merged


def build_module(algo_config: AlgorithmConfig) -> Any:
    """The RLModule ``algo_config`` trains, built (untrained) against its task's env."""
    spec = algo_config.rl_module_spec
    env = make_env(str(algo_config.env), **algo_config.env_config)
    try:
        return spec.module_class(
            observation_space=env.observation_space,
            action_space=env.action_space,
            # As RLlib builds it: the algorithm's own settings (MuZero's sizes)
            # under the spec's, so the banner counts the configured network.
            model_config=algo_config.model_config | (spec.model_config or {}),
        )
    finally:
        env.close()


def describe_model(cfg: DictConfig, algo_config: AlgorithmConfig) -> str:
    """Build the env and the model once, before Ray starts: a model that cannot
    read the task's observations fails here with a clear message."""
    module = build_module(algo_config)
    params = sum(p.numel() for p in module.parameters())
    return f"{cfg.model.name} ({params:,} parameters)"


def dataset_settings(algo_config: AlgorithmConfig) -> dict[str, Any] | None:
    """The demonstrations a run reads: ``algo=bc``'s, or the BC loss's beside RL."""
    offline = getattr(algo_config, "dataset_settings", None)
    return dict(offline) if offline else demonstration_settings(algo_config.learner_config_dict)


def restored_progress(algo: Algorithm) -> Progress:
    """Where a restored algorithm's counters stand (what the first iteration adds to)."""
    metrics = algo.metrics
    assert metrics is not None  # every algorithm on the new API stack has one
    return starting_point(
        iteration=algo.iteration,
        env_steps=int(metrics.peek(result_keys.ENV_RUNNER_STEPS_SAMPLED, default=0)),
        trained_steps=int(metrics.peek(result_keys.ENV_STEPS_TRAINED, default=0)),
    )


def create_run_dir(cfg: DictConfig) -> Path:
    """Create the run directory and save the run config in it: only once the
    config is accepted, so a rejected command leaves no empty run directory.

    Raises:
        ConfigError: the directory cannot be created or written (read-only file
            system, no permission, a file in the way).
    """
    run_dir = Path(local_path(str(cfg.experiment.run_dir))).resolve()  # a URI's mirror
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(cfg, run_dir / RUN_CONFIG, resolve=True)
    except OSError as err:
        raise ConfigError(
            f"experiment.root_dir: cannot write the run directory {run_dir}: "
            f"{err.strerror or err} ({err.filename or run_dir})"
        ) from None
    return run_dir


def _restore(algo: Algorithm, checkpoint: Path) -> None:
    """Load a checkpoint that passed its checks, or fail in one line naming it."""
    try:
        algo.restore_from_path(str(checkpoint))
        restore_episode_window(algo, checkpoint)
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise ConfigError(
            f"resume: cannot restore {checkpoint}: {type(err).__name__}: {first}"
        ) from None


def train(cfg: DictConfig, out: Output = sys.stdout) -> RunSummary:
    """Train as ``cfg`` says. Raises ConfigError for bad input before Ray starts.

    SIGTERM stops the run like Ctrl-C (a final checkpoint, then
    ``stopped_by="SIGTERM"``); see :mod:`rllib_nethack.training.signals`.
    Every line goes out through :func:`_say`; Ray's and RLlib's go to
    ``<run_dir>/ray.log`` unless ``verbose=true`` (:mod:`rllib_nethack.runs.ray_log`).
    """
    with ray_log_routing(not cfg.get("verbose", False)) as router:
        return _train(cfg, out, router)


def _train(cfg: DictConfig, out: Output, router: RayLogRouter | None) -> RunSummary:
    checkpoint = None
    if cfg.get("resume"):
        checkpoint = resolve_checkpoint(
            fetch(cfg.resume), lambda note: _say(out, f"resume: {note}")
        )
        cfg = with_checkpoint_model(cfg, checkpoint, out)
    init_from = None
    if cfg.get("init_from"):
        cfg, init_from = with_init_model(cfg, lambda line: _say(out, line))
    if OmegaConf.select(cfg, "kickstart.teacher"):
        policy_checkpoint(
            cfg, str(cfg.kickstart.teacher), "kickstart.teacher", lambda s: _say(out, s)
        )
    # explore=auto as the bonus it stands for, so that the run's saved config
    # (run_config.yaml, each checkpoint's) records what it trained with.
    cfg = with_resolved_explore(cfg)
    plan = plan_from(cfg)  # the one parse of the run's task, model and algorithm
    algo_config = build_algorithm_config(plan)
    model = describe_model(cfg, algo_config)
    run_dir = create_run_dir(cfg)

    with sigterm_as_interrupt():
        _say(out, f"run dir  {run_dir}")
        if router is not None:
            router.open(run_dir / RAY_LOG)
            _say(out, f"ray log  {run_dir / RAY_LOG} (verbose=true: on the console)")
        task = f"{cfg.task.name} ({cfg.task.family})"
        bonus = cfg.explore.name
        explore = f"  explore {bonus}" if bonus != "none" else ""
        _say(out, f"task     {task}  model {model}  algo {cfg.algo.name}{explore}")
        demonstrations = dataset_settings(algo_config)
        if demonstrations:
            _say(out, f"dataset  {describe_dataset(demonstrations)}")
        started_ray = False
        try:
            with keep_sigterm_handler():  # ray.init's own handler would exit unsaved
                started_ray = init_ray(cfg.cluster)
            if router is not None:
                router.route_workers()
            algo = build_algo(algo_config)
            try:
                start = None
                if checkpoint is not None:
                    _restore(algo, checkpoint)
                    start = restored_progress(algo)
                    _say(out, f"resumed  {checkpoint} (iteration {algo.iteration})")
                elif init_from is not None:
                    load_module_weights(algo, init_from)
                    _say(out, f"init     module weights from {init_from} (fresh optimiser)")
                return _train_loop(algo, cfg, plan, run_dir, start, out)
            finally:
                algo.stop()
        finally:
            if started_ray:
                import ray

                ray.shutdown()


def _periodic_save(
    algo: Algorithm, run_dir: Path, cfg: DictConfig, keep: int, latest: Path | None, out: Output
) -> Path | None:
    """A periodic checkpoint; the newest checkpoint there is afterwards.

    A failed write is reported and training goes on: the next checkpoint may
    find space again.
    """
    try:
        return save_checkpoint(algo, run_dir, cfg, keep)
    except CheckpointWriteError as err:
        kept = f"; keeping {latest}" if latest is not None else ""
        _say(out, f"{err}{kept}; trying again at the next checkpoint")
        return latest


def _evaluate(
    algo: Algorithm,
    cfg: DictConfig,
    plan: RunPlan,
    run_dir: Path,
    tensorboard: Any,
    step: int,
    out: Output,
) -> None:
    """Seeded evaluation games with the current weights (``experiment.eval_every``)."""

    try:
        summary = evaluate_during_training(algo, cfg, plan, run_dir, tensorboard, step)
    except FileWriteError as err:  # its video: training matters more than one clip
        _say(out, f"eval     {err}; training goes on")
        return
    _say(
        out,
        f"eval     {summary['episodes']} episodes | return {summary['reward/reward']:.2f} | "
        f"score {summary.get('policy_stats/avg_score', float('nan')):.1f}",
    )


def _train_loop(
    algo: Algorithm,
    cfg: DictConfig,
    plan: RunPlan,
    run_dir: Path,
    start: Progress | None,
    out: Output,
) -> RunSummary:
    """Iterate until a stop condition holds; checkpoint on the way and at the end."""
    stop = cast(dict[str, Any], OmegaConf.to_container(cfg.stop))
    tensorboard = TensorBoardLog(run_dir / "tensorboard") if cfg.experiment.tensorboard else None
    if tensorboard is not None:
        _say(out, f"tensorboard --logdir {tensorboard.directory}")
    progress_csv = ProgressCsv(run_dir / "progress.csv", None if start is None else start.iteration)
    every = int(cfg.experiment.checkpoint_every or 0)
    eval_every = int(cfg.experiment.get("eval_every") or 0)
    keep = int(cfg.experiment.keep_checkpoints or 0)
    window = int(algo.config.metrics_num_episodes_for_smoothing)  # type: ignore[union-attr]
    family = str(cfg.task.family)

    clock = time.monotonic()
    last = start
    done = 0
    reason = stop_reason(stop, start, done) if start is not None else None
    latest: Path | None = None
    ray_failure: str | None = None
    runners = RunnerHealth.of(algo)
    try:
        try:
            while reason is None:
                # A SIGTERM or Ctrl-C waits for the whole iteration, bookkeeping included:
                # raised at an arbitrary point (inside RLlib, or TensorBoard's
                # writer with its thread and locks) it could leave something that
                # the final save or the clean-up then waits on forever.
                with sigterm_deferred():
                    result = algo.train()
                    done += 1
                    last = progress_of(result, time.monotonic() - clock, last, window)
                    progress_csv.append(last)  # the record first, the courtesy line after
                    _say(out, format_progress(last, eta_seconds(last, stop, done), family))
                    if runners is not None and (change := runners.check(algo)) is not None:
                        _say(out, change)
                    if tensorboard is not None:
                        tensorboard.write(result, last.env_steps)
                    if not (termination_requested() or interrupt_requested()):  # saved anyway
                        if eval_every and algo.iteration % eval_every == 0:
                            _evaluate(algo, cfg, plan, run_dir, tensorboard, last.env_steps, out)
                        if every and algo.iteration % every == 0:
                            latest = _periodic_save(algo, run_dir, cfg, keep, latest, out)
                    reason = stop_reason(stop, last, done)
                if termination_requested():
                    raise TerminationRequested("SIGTERM during the iteration")
                if interrupt_requested():
                    raise KeyboardInterrupt("Ctrl-C during the iteration")
        except KeyboardInterrupt as interrupt:
            reason = stop_name(interrupt)
            _say(out, f"{reason}: saving a checkpoint")
        except Exception as err:
            # `timeout` and Slurm signal Ray's processes with ours: the iteration
            # under way then fails as its env runners die. The driver's learner
            # is whole (the failure is in sampling), so it is saved.
            if not (termination_requested() or interrupt_requested()):
                raise
            reason = "SIGTERM" if termination_requested() else "interrupted"
            cause = one_line(err)
            cause = cause if len(cause) <= 100 else cause[:99] + "…"
            ray_failure = f"{reason}: Ray's processes stopped too ({cause})"
            _say(out, f"{reason}: saving a checkpoint")
        # Only a run that stopped as asked (or by Ctrl-C / SIGTERM) is saved: after
        # a crash the algorithm may be half-updated, and its last periodic
        # checkpoint stands. The save comes before TensorBoard's writer is
        # closed: should the close hang, the checkpoint is already whole.
        saved = latest is not None and checkpoint_iteration(latest) == algo.iteration
        if done and not saved:
            try:
                final = save_final(algo, run_dir, cfg, keep, ray_failure)
            except CheckpointWriteError as err:
                kept = f"; the last checkpoint written is {latest}" if latest is not None else ""
                raise CheckpointWriteError(f"final {err}{kept}") from err
            latest = final.checkpoint
            if final.note:
                _say(out, final.note)
    finally:
        if tensorboard is not None:
            tensorboard.close()
    if latest is not None:
        _say(out, f"checkpoint {latest}")
    if cfg.experiment.plot:
        bonus = "" if cfg.explore.name == "none" else f" + {cfg.explore.name}"
        title = f"{cfg.task.name} / {cfg.model.name} / {cfg.algo.name}{bonus}"
        try:
            png = plot_learning_curve(
                progress_csv.path, run_dir / "learning_curve.png", title, family
            )
        except FileWriteError as err:  # the run and its checkpoints stand without it
            png = None
            _say(out, str(err))
        if png is not None:
            _say(out, f"learning curve {png}")
    if (uri := sync_up(run_dir)) is not None:
        _say(out, f"uploaded {uri}")
    _say(out, f"stopped by {reason} after {done} iterations")
    return RunSummary(
        run_dir=run_dir,
        iterations=done,
        env_steps=last.env_steps if last else 0,
        checkpoint=latest,
        stopped_by=str(reason),
        last=last,
    )
