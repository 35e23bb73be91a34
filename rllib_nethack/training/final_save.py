"""The final checkpoint of a stopped run, written by the driver alone when Ray cannot help.

``timeout`` and Slurm's time limit signal every process of the job, so Ray's
raylet and GCS die with the driver's SIGTERM and the env runners follow. With
``num_learners: 0`` (the default on one machine) nothing a resume needs lived in
them: the learner (weights, optimiser, its counters), the metrics (the step
counters) and MuZero's replay buffer are the driver's. RLlib's
``save_to_path`` itself needs no Ray then (it only reads the driver's
objects), but an iteration cut short by the dying env runners raises
an ordinary exception, and the state of the local env runner and the connectors
after it is not worth keeping. So the final save after such a failure, or after
RLlib's own save failed, writes the algorithm's state without any env runner
part, in the layout ``resume=`` reads: env runners are rebuilt on resume anyway
(their connectors here keep no state).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from ray.rllib.algorithms import Algorithm

from rllib_nethack.algorithms.muzero.algorithm import REPLAY_STATE
from rllib_nethack.errors import one_line
from rllib_nethack.metrics import result_keys
from rllib_nethack.runs.checkpoints import CheckpointWriteError, save_checkpoint

#: The parts of an algorithm's state that live with (or for) the env runners.
ENV_RUNNER_PARTS = (
    "env_runner",
    "eval_env_runner",
    "env_to_module_connector",
    "module_to_env_connector",
)


@dataclass(frozen=True)
class FinalSave:
    """Where the final checkpoint went, and the line to tell the user when the
    driver wrote it alone (empty when RLlib's own save did)."""

    checkpoint: Path
    note: str = ""


def _driver_state(algo: Algorithm, with_replay: bool) -> dict[str, Any]:
    left_out = [*ENV_RUNNER_PARTS, *(() if with_replay else (REPLAY_STATE,))]
    return algo.get_state(not_components=left_out)


def save_from_driver(
    algo: Algorithm, run_dir: Path, config: DictConfig, keep: int, why: str
) -> FinalSave:
    """The checkpoint of what the driver holds: learner, metrics, iteration, replay.

    MuZero's replay buffer goes in when it can (it can be hundreds of MB: a full
    disk may take the checkpoint with it but not without it); the note says
    when it could not.

    Raises:
        CheckpointWriteError: the learners are Ray actors (``num_learners`` > 0),
            so their state went with Ray, or even the smallest checkpoint
            could not be written.
    """
    learner_group = algo.learner_group
    if learner_group is None or not learner_group.is_local:
        raise CheckpointWriteError(
            f"checkpoint not written: {why}, and the learners ran in Ray's processes "
            "(cluster.rllib.num_learners > 0), so their state is gone with them"
        )
    assert algo.metrics is not None  # every algorithm on the new API stack has one
    steps = int(algo.metrics.peek(result_keys.ENV_RUNNER_STEPS_SAMPLED, default=0))
    said = (
        f"{why}: the final checkpoint holds the driver's own state (learner weights, "
        f"optimiser, {steps:,} env steps; env runners are rebuilt on resume)"
    )
    if not getattr(algo.config, "checkpoint_replay", False):  # MuZero's setting
        saved = save_checkpoint(algo, run_dir, config, keep, _driver_state(algo, False))
        return FinalSave(saved, said)
    try:
        saved = save_checkpoint(algo, run_dir, config, keep, _driver_state(algo, True))
        return FinalSave(saved, f"{said}; replay buffer saved")
    except (CheckpointWriteError, MemoryError) as err:
        lost = f"replay buffer not saved ({one_line(err.__cause__ or err)})"
    saved = save_checkpoint(algo, run_dir, config, keep, _driver_state(algo, False))
    return FinalSave(saved, f"{said}; {lost}")


def save_final(
    algo: Algorithm, run_dir: Path, config: DictConfig, keep: int, ray_failure: str | None
) -> FinalSave:
    """The final checkpoint: RLlib's own save, else the driver's (:func:`save_from_driver`).

    Args:
        ray_failure: Why Ray's processes are taken for gone (the iteration under
            way when the signal came failed), or None: then RLlib's own save is
            tried first, and the driver's only if it fails for another reason
            than the file system (a full disk fails the driver's save too).
    """
    if ray_failure is None:
        try:
            return FinalSave(save_checkpoint(algo, run_dir, config, keep))
        except CheckpointWriteError as err:
            if isinstance(err.__cause__, OSError):
                raise
            ray_failure = f"RLlib's save failed ({one_line(err.__cause__ or err)})"
    return save_from_driver(algo, run_dir, config, keep, ray_failure)
