"""Registration with RLlib: explicit, idempotent, and what RLlib really samples from."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from commands import run_program

import rllib_nethack
from rllib_nethack.envs.catalog import get_task, list_tasks, task_names_and_aliases
from rllib_nethack.envs.registration import TaskEnvCreator


def test_import_has_no_side_effects() -> None:
    result = run_program("import_side_effects", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["False", "False"]


def test_every_name_resolves_and_its_creator_pickles() -> None:
    names = task_names_and_aliases()
    assert set(list_tasks()) <= set(names)
    for name in names:
        spec = get_task(name)
        assert name in (spec.name, *spec.aliases)
        creator = TaskEnvCreator(name)
        assert pickle.loads(pickle.dumps(creator)) == creator


def test_register_envs_is_idempotent(ray_local) -> None:
    from ray.tune.registry import ENV_CREATOR, _global_registry

    first = rllib_nethack.register_envs()
    second = rllib_nethack.register_envs()
    assert first == second == task_names_and_aliases()
    for name in ("score", "challenge", "nethack_seeded", "seeded", "room5x5", "MiniHack-River-v0"):
        assert _global_registry.contains(ENV_CREATOR, name)
        assert _global_registry.get(ENV_CREATOR, name) == TaskEnvCreator(name)


def test_creator_takes_rllib_env_context() -> None:
    from ray.rllib.env.env_context import EnvContext

    context = EnvContext(
        {"max_episode_steps": 5, "observation_keys": ["blstats"], "num_envs": 2},
        worker_index=3,
        vector_index=1,
    )
    env = TaskEnvCreator("room5x5")(context)
    try:
        assert list(env.observation_space.spaces) == ["blstats"]
        env.reset(seed=0)
        for _ in range(5):
            *_, terminated, truncated, _ = env.step(0)
            if terminated or truncated:
                break
        assert terminated or truncated
    finally:
        env.close()
    default = TaskEnvCreator("score")(None)
    try:
        assert default.action_space.n == 23
    finally:
        default.close()


def sample_with_env_runner(ray, task: str, model: str) -> tuple[list, dict]:
    from ray.rllib.algorithms.appo import APPOConfig
    from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

    from rllib_nethack.metrics.callbacks import NetHackMetricsCallback
    from rllib_nethack.models import module_spec

    rllib_nethack.register_envs()
    config = (
        APPOConfig()
        .environment(task, env_config={"max_episode_steps": 20})
        .env_runners(num_envs_per_env_runner=2, rollout_fragment_length=32)
        .rl_module(rl_module_spec=module_spec(model, {"max_seq_len": 32}))
        .callbacks(NetHackMetricsCallback)
    )
    runner = ray.remote(num_cpus=1)(SingleAgentEnvRunner).remote(config=config)
    try:
        episodes = ray.get(runner.sample.remote(num_timesteps=200))
        metrics = ray.get(runner.get_metrics.remote())
    finally:
        ray.kill(runner)
    return episodes, metrics


@pytest.mark.parametrize(
    ("task", "model", "obs_keys"),
    [
        ("score", "chaotic_dwarf", {"tty_chars", "tty_colors", "tty_cursor", "blstats", "message"}),
        ("room5x5", "minihack", {"glyphs", "glyphs_crop", "blstats", "message"}),
    ],
)
def test_env_runner_samples_and_reports_nethack_metrics(
    ray_local, task: str, model: str, obs_keys: set[str]
) -> None:
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS
    from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

    from rllib_nethack.metrics.episode_window import EpisodeWindow
    from rllib_nethack.metrics.result_keys import EPISODE_RECORDS

    episodes, metrics = sample_with_env_runner(ray_local, task, model)
    assert sum(len(e) for e in episodes) >= 200
    finished = [e for e in episodes if e.is_done]
    assert len(finished) >= 5  # 2 envs x 200 steps, at most 20 steps an episode
    first_obs = finished[0].get_observations(0)
    assert obs_keys <= set(first_obs)
    final_infos = [e.get_infos(-1) for e in finished]
    assert all("episode_stats" in i and "episode_end" in i for i in final_infos)

    # The env runner sends one record per episode; the driver's window makes the means.
    sent = MetricsLogger.peek_results(metrics["nethack"])
    assert set(sent) == {EPISODE_RECORDS}
    result = {ENV_RUNNER_RESULTS: {"nethack": sent}}
    EpisodeWindow(100).update(result)
    nethack = result[ENV_RUNNER_RESULTS]["nethack"]
    steps = [i["episode_stats"]["steps"] for i in final_infos]
    assert nethack["steps_max"] == max(steps) <= 20
    assert nethack["steps_min"] == min(steps) >= 1
    assert nethack["steps_min"] <= nethack["steps_mean"] <= nethack["steps_max"]
    depths = [i["episode_stats"]["max_depth"] for i in final_infos]
    assert nethack["max_depth_mean"] == pytest.approx(np.mean(depths)) and min(depths) >= 1
    assert nethack["scout_score_min"] > 0
    rates = sum(
        nethack[f"end_{r}_rate"] for r in ("death", "success", "truncated", "ascended", "quit")
    )
    assert rates == pytest.approx(1.0)
    if task == "score":
        assert nethack["end_truncated_rate"] > 0.5  # 20 random steps rarely end a game
        assert nethack["max_hitpoints_min"] > 0
