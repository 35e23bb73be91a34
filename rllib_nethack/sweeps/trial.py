"""One sweep trial: the run's training loop as a Tune function trainable.

The trial composes its config (the run config with the trial's values,
:func:`~rllib_nethack.sweeps.spec.trial_config`), builds the algorithm with
the translation ``run`` uses, and reports every iteration's result to Tune. Its
checkpoints are ours: RLlib's directory plus ``run_config.yaml``, so
``python -m rllib_nethack.run resume=<trial checkpoint>`` continues any trial as
a single run. On a PBT exploit Tune restarts the trial with the new values and
the better trial's checkpoint: weights and optimizer state carry over, and the
new learning rate takes over at the next update (RLlib's lr schedule).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.algorithms.exploration.settings import with_resolved_explore
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.metrics.callbacks import restore_episode_window, save_episode_window
from rllib_nethack.runs.env_runners import build_algo
from rllib_nethack.runs.layout import RUN_CONFIG
from rllib_nethack.sweeps.spec import result_value, trial_config
from rllib_nethack.training.reporting import Progress, progress_of
from rllib_nethack.training.trainer import restored_progress, stop_reason

#: The trial's progress and last metric value, inside each trial checkpoint.
TRIAL_STATE = "trial_state.json"
#: Result key of a trial's last report: the ``stop.*`` condition that ended it.
STOPPED_BY = "stopped_by"
#: Keys of RLlib's result that are Tune's own bookkeeping (the trial's Tune
#: session adds its own); everything else is reported.
_TUNE_KEYS = frozenset(
    {
        "config",
        "training_iteration",
        "done",
        "trial_id",
        "date",
        "timestamp",
        "time_this_iter_s",
        "time_total_s",
        "pid",
        "hostname",
        "node_ip",
        "time_since_restore",
        "iterations_since_restore",
        "timesteps_since_restore",
        "perf",
    }
)


def trial_result(
    result: Mapping[str, Any], metric: str, last: Progress, previous_metric: float
) -> dict[str, Any]:
    """What a trial reports: RLlib's result with the metric always present.

    An iteration in which no episode ended carries no episode metrics; the
    metric is then ``previous_metric`` (the last value measured), NaN before
    the first episode (Tune's strict metric check needs the key; ASHA and PBT
    skip NaN scores).
    """
    # Headline numbers first: Tune's progress table shows the first scalars.
    out: dict[str, Any] = {
        "env_steps": last.env_steps,
        "episodes": last.episodes,
        "return_mean": last.return_mean,
        "score_mean": last.score_mean,
        "algo_iteration": last.iteration,
    }
    out.update((k, v) for k, v in result.items() if k not in _TUNE_KEYS)
    value = result_value(result, metric)
    node = out
    *parents, leaf = metric.split("/")
    for part in parents:
        child = node.get(part)
        node[part] = child = dict(child) if isinstance(child, Mapping) else {}
        node = child
    node[leaf] = previous_metric if math.isnan(value) else value
    return out


def save_trial_checkpoint(algo: Any, cfg: DictConfig, last: Progress, metric_value: float) -> Any:
    """Our checkpoint in a temporary directory, as a Tune ``Checkpoint`` (Tune copies it).

    Beside RLlib's files: ``run_config.yaml`` (so ``run resume=`` rebuilds this
    trial's model), the episode window, and the trial's progress, which a PBT
    exploit restores.
    """
    from ray import tune

    tmp = Path(tempfile.mkdtemp(prefix="rllib_nethack_trial_"))
    algo.save_to_path(str(tmp))
    save_episode_window(algo, tmp)
    OmegaConf.save(cfg, tmp / RUN_CONFIG, resolve=True)
    state = {"progress": asdict(last), "metric": metric_value}
    (tmp / TRIAL_STATE).write_text(json.dumps(state))
    return tune.Checkpoint.from_directory(str(tmp))


def restore_trial_checkpoint(algo: Any, directory: str) -> tuple[Progress, float]:
    """Load a trial checkpoint (weights, optimizer, counters); the progress and
    metric it was saved with, so a restored trial reports the last measured values."""

    algo.restore_from_path(directory)
    restore_episode_window(algo, Path(directory))
    progress, metric_value = restored_progress(algo), math.nan
    file = Path(directory) / TRIAL_STATE
    if file.is_file():
        state = json.loads(file.read_text())
        progress = replace(Progress(**state["progress"]), time_s=0.0, steps_per_s=math.nan)
        metric_value = float(state["metric"])
    return progress, metric_value


def trial(
    config: dict[str, Any], *, run_cfg: dict[str, Any], metric: str, checkpoint_every: int
) -> None:
    """Tune's function trainable (its name names the trials): train one trial
    until the run's ``stop.*`` holds, reporting every iteration."""
    import torch
    from ray import tune

    cfg = with_resolved_explore(trial_config(run_cfg, config))  # saved as trained: no `auto`
    OmegaConf.update(cfg, "experiment.run_dir", tune.get_context().get_trial_dir())
    threads = cfg.cluster.get("torch_threads")
    if threads:
        torch.set_num_threads(int(threads))
    stop = cast(dict[str, Any], OmegaConf.to_container(cfg.stop))
    algo = build_algo(build_algorithm_config(cfg))
    try:
        last: Progress | None = None
        metric_value = math.nan
        restored = tune.get_checkpoint()
        if restored is not None:
            with restored.as_directory() as directory:
                last, metric_value = restore_trial_checkpoint(algo, directory)
            if stop_reason(stop, last, algo.iteration) is not None:
                return  # restored (a PBT exploit) at its end: nothing left to train
        clock = time.monotonic()
        while True:
            result = algo.train()
            last = progress_of(result, time.monotonic() - clock, last)
            reason = stop_reason(stop, last, algo.iteration)
            metrics = trial_result(result, metric, last, metric_value)
            metric_value = result_value(metrics, metric)
            if reason is not None:
                metrics[STOPPED_BY] = reason  # finished as asked (the summary's status)
            if reason is not None or (checkpoint_every and algo.iteration % checkpoint_every == 0):
                checkpoint = save_trial_checkpoint(algo, cfg, last, metric_value)
                try:
                    tune.report(metrics, checkpoint=checkpoint)
                finally:
                    shutil.rmtree(checkpoint.path, ignore_errors=True)
            else:
                tune.report(metrics)
            if reason is not None:
                return
    finally:
        algo.stop()
