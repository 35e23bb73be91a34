"""Evaluation every N training iterations (``experiment.eval_every``).

The learner's current weights play ``experiment.eval_episodes`` seeded games
(seeds 0, 1, ...: the same games every time, so the curve compares like with
like), greedily, in the driver process. Their figures go to TensorBoard under
``evaluation/`` (the keys of ``eval.json``) and the first game is saved as a
video, ``<run_dir>/videos/iter_<N>.gif``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from rllib_nethack.config.plan import RunPlan
from rllib_nethack.envs.nle_access import base_env, tty_screen
from rllib_nethack.envs.render import SCREEN_CELL, TerminalRenderer
from rllib_nethack.evaluation.episodes import play_episodes
from rllib_nethack.evaluation.report import summarize
from rllib_nethack.evaluation.video import VideoWriter
from rllib_nethack.policy import Policy

VIDEOS_DIR = "videos"
#: Longest video kept (frames): GIF frames stay in memory until written.
MAX_VIDEO_FRAMES = 5000


def current_policy(algo: Any, cfg: DictConfig, plan: RunPlan) -> Policy:
    """The learner's current weights as a CPU :class:`Policy` of the run's task
    (``plan``: the trainer's, of ``cfg``)."""
    from ray.rllib.core import DEFAULT_MODULE_ID

    spec = algo.config.rl_module_spec
    options = dict(plan.env_options)
    task = plan.task.name
    from rllib_nethack.envs import make_env

    env = make_env(task, **options)
    try:
        module = spec.module_class(
            observation_space=env.observation_space,
            action_space=env.action_space,
            inference_only=True,
            model_config=spec.model_config,
        )
    finally:
        env.close()
    weights = algo.learner_group.get_weights([DEFAULT_MODULE_ID])[DEFAULT_MODULE_ID]
    module.set_state(weights)
    module.eval()
    options.setdefault("observation_keys", list(module.observation_space.spaces))
    return Policy(
        module=module,
        checkpoint=Path(cfg.experiment.run_dir),
        task=task,
        env_options=options,
        greedy=True,
        device=torch.device("cpu"),
        config=cfg,
    )


def evaluate_during_training(
    algo: Any, cfg: DictConfig, plan: RunPlan, run_dir: Path, tensorboard: Any | None, step: int
) -> dict[str, Any]:
    """Play the evaluation games with the current weights; log and return their eval.json.

    Args:
        algo: The RLlib Algorithm being trained.
        cfg: The run config (``experiment.eval_episodes``, ``experiment.eval_video``).
        plan: Its plan (the task and env options the games are played with).
        run_dir: Where the video goes.
        tensorboard: The run's TensorBoard log (or None).
        step: The x value of the TensorBoard points (env steps sampled).
    """
    experiment = cfg.experiment
    episodes = int(experiment.get("eval_episodes") or 4)
    policy = current_policy(algo, cfg, plan)
    want_video = bool(experiment.get("eval_video", True))
    env_kwargs = {"render_mode": "ansi"} if want_video else {}
    envs = [policy.make_env(**env_kwargs) for _ in range(min(episodes, 4))]
    video_path = run_dir / VIDEOS_DIR / f"iter_{int(algo.iteration):06d}.gif"
    writer = None
    try:
        if want_video:
            video_path.parent.mkdir(parents=True, exist_ok=True)
            writer = VideoWriter(video_path, overwrite=True)
            renderer = TerminalRenderer(crop_dim=1, pixel_size=SCREEN_CELL)
            first_env = base_env(envs[0])

            def record(slot: int, seed: int, action: int, reward: float) -> None:
                if slot != 0 or seed != 0 or writer is None or writer.frames >= MAX_VIDEO_FRAMES:
                    return
                screen = tty_screen(first_env)
                if screen is not None:
                    writer.write(renderer.screen(screen[0], screen[1]))

            records = play_episodes(policy, envs, list(range(episodes)), on_step=record)
            writer.close()
        else:
            records = play_episodes(policy, envs, list(range(episodes)))
    except BaseException:
        if writer is not None:
            writer.close(keep=False)
        raise
    finally:
        for env in envs:
            env.close()
    summary = summarize(records, {"iteration": int(algo.iteration), "task": policy.task})
    if tensorboard is not None:
        tensorboard.write({"evaluation": _numbers(summary)}, step)
    return summary


def _numbers(summary: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in summary.items() if isinstance(v, int | float)}
