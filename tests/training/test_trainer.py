"""Training for real: APPO, IMPALA and PPO on NLE and MiniHack, checkpoints,
resume, TensorBoard, fault tolerance (a real local Ray instance, CI-sized runs)."""

from __future__ import annotations

import io
import json
import os
import signal
import time
from pathlib import Path

import pytest
from omegaconf import DictConfig, OmegaConf, open_dict

from rllib_nethack import ConfigError
from rllib_nethack.config import compose_config as compose_run
from rllib_nethack.metrics.episode_window import WINDOW_FILE
from rllib_nethack.runs.checkpoints import checkpoints_in, is_checkpoint, resolve_checkpoint
from rllib_nethack.training.trainer import RunSummary, stop_reason, train


def run_config(tmp_path: Path, *overrides: str) -> DictConfig:
    cfg = compose_run(["debug=smoke", *overrides])
    with open_dict(cfg):
        cfg.experiment.run_dir = str(tmp_path / "run")
    return cfg


def run(cfg: DictConfig) -> tuple[RunSummary, str]:
    out = io.StringIO()
    summary = train(cfg, out=out)
    return summary, out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["appo", "impala", "ppo"])
@pytest.mark.parametrize("task", ["room5x5", "staircase"])
def test_each_algorithm_trains_and_checkpoints(
    ray_local: None, tmp_path: Path, algo: str, task: str
) -> None:
    # Room-5x5 samples on a remote env runner; NetHack's staircase in the learner's
    # process (num_env_runners=0), which saves starting a runner (test_nethack_metrics_*
    # below runs NetHack on a remote one).
    runners = 1 if task == "room5x5" else 0
    cfg = run_config(
        tmp_path,
        f"+task={task}",
        f"algo={algo}",
        f"cluster.rllib.num_env_runners={runners}",
        "stop.iterations=3",
    )
    summary, text = run(cfg)
    assert summary.iterations == 3
    assert summary.stopped_by == "iterations"
    assert summary.env_steps > 0
    # "trained" counts each env step once per pass over it (PPO: num_epochs
    # passes), not once per minibatch (RLlib's label: 4x here for PPO).
    passes = cfg.algo.get("num_epochs", 1)
    assert summary.last is not None
    assert 0.5 * passes <= summary.last.trained_steps / summary.env_steps <= 1.25 * passes
    assert summary.checkpoint is not None and is_checkpoint(summary.checkpoint)
    assert text.count("iter ") >= 3
    assert (summary.run_dir / "progress.csv").read_text().count("\n") == 4  # header + 3 rows
    assert (summary.run_dir / "learning_curve.png").stat().st_size > 0


@pytest.mark.slow
def test_nethack_metrics_resume_and_tensorboard(ray_local: None, tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    cfg = run_config(tmp_path, "+task=staircase", "stop.iterations=4")
    first, _ = run(cfg)
    assert first.last is not None and first.last.episodes > 0
    # TensorBoard event files carry the NetHack metric tags.
    events = EventAccumulator(str(first.run_dir / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    for tag in (
        "score_mean",
        "max_depth_max",
        "turns_min",
        "end_truncated_rate",
        "scout_score_mean",
    ):
        assert f"env_runners/nethack/{tag}" in tags
    assert "env_runners/episode_return_mean" in tags

    # Resume from the run directory: the step counter and the iteration number go on.
    again = run_config(
        tmp_path / "second", "+task=staircase", "stop.iterations=1", "model.rnn_size=32"
    )
    with open_dict(again):
        again.resume = str(first.run_dir)
    second, text = run(again)
    assert "resume: using the checkpoint's model settings" in text
    # New env runners, new games: the seed moves on by the iterations done.
    saved = OmegaConf.load(second.run_dir / "run_config.yaml")
    assert saved.experiment.seed == cfg.experiment.seed + first.iterations
    assert second.env_steps > first.env_steps
    assert second.last is not None and second.last.iteration == first.iterations + 1
    assert checkpoints_in(second.run_dir)[-1].name == f"iter_{first.iterations + 1:06d}"
    # steps/s counts what this process sampled, not the restored steps.
    resumed_steps = second.env_steps - first.env_steps
    assert second.last.steps_per_s * second.last.time_s == pytest.approx(resumed_steps)
    # The episode window went on from the checkpoint's: the first run's last
    # episodes, then the resumed iteration's.
    before = json.loads((checkpoints_in(first.run_dir)[-1] / WINDOW_FILE).read_text())
    after = json.loads((checkpoints_in(second.run_dir)[-1] / WINDOW_FILE).read_text())
    new = second.last.episodes - first.last.episodes
    window = second.last.window
    assert before and len(before) == min(window, first.last.episodes)
    assert len(after) == min(window, len(before) + new)
    carried = len(after) - new
    assert carried > 0 and after[:carried] == before[len(before) - carried :]

    # A stop condition that already holds stops before training any further.
    done = run_config(tmp_path / "third", "+task=staircase", f"stop.env_steps={first.env_steps}")
    with open_dict(done):
        done.resume = str(second.run_dir)
    third, _ = run(done)
    assert third.iterations == 0 and third.stopped_by == "env_steps"
    assert checkpoints_in(third.run_dir) == []

    # Another algorithm cannot take over the checkpoint's optimizer state.
    other = run_config(tmp_path / "fourth", "+task=staircase", "algo=ppo")
    with open_dict(other):
        other.resume = str(second.run_dir)
    with pytest.raises(ConfigError, match="trained with algo=appo"):
        run(other)


@pytest.mark.slow
def test_killed_env_runner_is_restarted(ray_local: None, tmp_path: Path) -> None:
    """NLE can segfault: a dead env runner process must not stop training."""
    from rllib_nethack.config import build_algorithm_config
    from rllib_nethack.runs.ray_start import init_ray

    cfg = run_config(
        tmp_path,
        "+task=room5x5",
        "cluster.rllib.num_env_runners=2",
        "cluster.rllib.delay_between_env_runner_restarts_s=1",
    )
    init_ray(cfg.cluster)
    algo = build_algorithm_config(cfg).build_algo()
    try:
        algo.train()
        pids = algo.env_runner_group.foreach_env_runner(
            lambda runner: os.getpid(), local_env_runner=False
        )
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        steps, restarts, deadline = [], 0, time.monotonic() + 120
        while time.monotonic() < deadline:
            result = algo.train()
            steps.append(result["num_env_steps_sampled_lifetime"])
            restarts = result["fault_tolerance"]["num_remote_worker_restarts"]
            if restarts >= 1 and len(steps) >= 3 and steps[-1] > steps[-2]:
                break
        assert restarts >= 1
        assert steps[-1] > steps[0]
        assert algo.env_runner_group.num_healthy_remote_workers() == 2
    finally:
        algo.stop()


def test_bad_resume_path_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_checkpoint(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="neither a checkpoint"):
        resolve_checkpoint(tmp_path / "empty")


def test_stop_conditions() -> None:
    from rllib_nethack.training.reporting import Progress

    p = Progress(5, 1000, 120.0, 10.0, 900, 3, 0.5, 1.0, 1.0)
    assert stop_reason({"env_steps": 1000}, p, 5) == "env_steps"
    assert stop_reason({"env_steps": 1001}, p, 5) is None
    assert stop_reason({"iterations": 5}, p, 5) == "iterations"
    assert stop_reason({"minutes": 2}, p, 5) == "minutes"
    assert stop_reason({"mean_return": 0.5}, p, 5) == "mean_return"
    assert stop_reason({"mean_return": 0.6}, p, 5) is None
    nan = Progress(5, 1000, 120.0, 10.0, 900, 0, float("nan"), float("nan"), float("nan"))
    assert stop_reason({"mean_return": 0.0}, nan, 5) is None
