"""NetHack episode metrics: per-episode values and how the callback logs them."""

from __future__ import annotations

import types

import numpy as np
import pytest
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.metrics.callbacks import (
    HOW_DONE,
    METRICS_KEY,
    NetHackMetricsCallback,
    _window,
    episode_metrics,
)
from rllib_nethack.metrics.result_keys import EPISODE_RECORDS
from rllib_nethack.runs.lean_env_runner import ChunkTotals


def final_info(score: float, reason: str = "death", how: str = "died", **stats: float) -> dict:
    values = {name: float(i) for i, name in enumerate(STAT_NAMES)}
    values.update(score=score, **stats)
    return {
        "end_status": 1,
        "episode_stats": values,
        "episode_end": {"end_reason": reason, "how": how, "death_cause": "killed by a newt"},
    }


def episode(info: dict, rewards: tuple[float, float] = (0.0, 1.0)) -> SingleAgentEpisode:
    return SingleAgentEpisode(
        observations=[0, 1, 2],
        actions=[0, 1],
        rewards=list(rewards),
        infos=[{}, {}, info],
        terminated=True,
        len_lookback_buffer=0,  # all of it is this episode's (its return counts)
    )


def runner(smoothing: int = 100, env_runners: int = 0) -> types.SimpleNamespace:
    config = types.SimpleNamespace(
        metrics_num_episodes_for_smoothing=smoothing, num_env_runners=env_runners
    )
    return types.SimpleNamespace(config=config)


# --------------------------------------------------------------------------- episode_metrics
def test_episode_metrics_of_a_death() -> None:
    metrics = episode_metrics(final_info(42.0, "death", "poisoning"))
    for i, name in enumerate(STAT_NAMES):
        assert metrics[name] == (42.0 if name == "score" else float(i))
    assert {f"end_{r}_rate": metrics[f"end_{r}_rate"] for r in END_REASONS} == {
        f"end_{r}_rate": float(r == "death") for r in END_REASONS
    }
    assert {h: metrics[f"death_{h}_rate"] for h in HOW_DONE} == {
        h: float(h == "poisoning") for h in HOW_DONE
    }
    assert set(metrics) == (
        set(STAT_NAMES)
        | {f"end_{r}_rate" for r in END_REASONS}
        | {f"death_{h}_rate" for h in HOW_DONE}
    )
    assert all(isinstance(v, float) for v in metrics.values())


@pytest.mark.parametrize(
    ("reason", "how"), [("truncated", "quit"), ("success", "died"), ("quit", "quit")]
)
def test_episode_metrics_count_deaths_only_for_deaths(reason: str, how: str) -> None:
    metrics = episode_metrics(final_info(1.0, reason, how))
    assert metrics[f"end_{reason}_rate"] == 1.0
    assert sum(metrics[f"end_{r}_rate"] for r in END_REASONS) == 1.0
    assert all(metrics[f"death_{h}_rate"] == 0.0 for h in HOW_DONE)


def test_episode_metrics_without_statistics_is_empty() -> None:
    assert episode_metrics({}) == {}
    assert episode_metrics({"end_status": 0, "is_ascended": False}) == {}


def test_how_done_names_are_nethacks() -> None:
    assert {"died", "choking", "poisoning", "starving", "drowning", "quit", "ascended"} <= set(
        HOW_DONE
    )
    assert len(set(HOW_DONE)) == len(HOW_DONE)


def test_episode_metrics_of_a_real_episode(make) -> None:
    env = make("score", max_episode_steps=5, observation_keys=["blstats"])
    env.reset(seed=0)
    for _ in range(5):
        *_, terminated, truncated, info = env.step(19)  # rest
        if terminated or truncated:
            break
    metrics = episode_metrics(info)
    assert metrics["steps"] == 5.0
    assert metrics["end_truncated_rate"] == 1.0
    assert metrics["max_hitpoints"] > 0 and metrics["max_depth"] == 1.0


# --------------------------------------------------------------------------- the callback
def test_callback_logs_mean_min_max_and_rates() -> None:
    logger = MetricsLogger()
    callback = NetHackMetricsCallback()
    for score, reason, how in [
        (10, "death", "died"),
        (20, "truncated", "quit"),
        (60, "death", "starving"),
    ]:
        callback.on_episode_end(
            episode=episode(final_info(score, reason, how, turns=score * 2)),
            env_runner=runner(),
            metrics_logger=logger,
        )
    logged = logger.peek(METRICS_KEY)
    assert logged["score_mean"] == pytest.approx(30.0)
    assert logged["score_min"] == 10.0 and logged["score_max"] == 60.0
    assert logged["turns_mean"] == pytest.approx(60.0)
    assert logged["turns_min"] == 20.0 and logged["turns_max"] == 120.0
    assert logged["end_death_rate"] == pytest.approx(2 / 3)
    assert logged["end_truncated_rate"] == pytest.approx(1 / 3)
    assert logged["end_success_rate"] == 0.0
    assert logged["death_died_rate"] == pytest.approx(1 / 3)
    assert logged["death_starving_rate"] == pytest.approx(1 / 3)
    assert logged["death_quit_rate"] == 0.0  # the truncated episode is not a death
    for name in STAT_NAMES:
        for reduce in ("mean", "min", "max"):
            assert f"{name}_{reduce}" in logged
    # Results reach the driver after reduce(); the values survive it.
    reduced = MetricsLogger.peek_results(logger.reduce())
    assert reduced[METRICS_KEY]["score_max"] == 60.0


def test_callback_window_smooths_like_episode_return_mean() -> None:
    logger = MetricsLogger()
    callback = NetHackMetricsCallback()
    for score in (100, 1, 2, 3):
        callback.on_episode_end(
            episode=episode(final_info(score)),
            env_runner=runner(smoothing=3),
            metrics_logger=logger,
        )
    logged = logger.peek(METRICS_KEY)
    # Only the last 3 episodes count: the 100 has left the window.
    assert logged["score_mean"] == pytest.approx(2.0)
    assert logged["score_max"] == 3.0 and logged["score_min"] == 1.0


def test_callback_logs_the_square_of_returns_for_their_spread() -> None:
    logger = MetricsLogger()
    for rewards in ((0.0, 1.0), (1.0, 2.0), (-1.0, 0.0)):  # returns 1, 3, -1
        NetHackMetricsCallback().on_episode_end(
            episode=episode(final_info(1.0), rewards), env_runner=runner(), metrics_logger=logger
        )
    square_mean = logger.peek((METRICS_KEY, "episode_return_square_mean"))
    assert square_mean == pytest.approx((1 + 9 + 1) / 3)
    # With the mean return (1) this is the returns' variance: (0 + 4 + 4) / 3.
    assert square_mean - 1.0**2 == pytest.approx(8 / 3)


def test_the_square_is_of_the_whole_episodes_return_across_its_chunks() -> None:
    # An episode cut into rollout fragments: RLlib passes the chunks it returned before.
    logger = MetricsLogger()
    NetHackMetricsCallback().on_episode_end(
        episode=episode(final_info(1.0), (1.0, 2.0)),  # this chunk: 3
        prev_episode_chunks=[ChunkTotals(32, 2.0, 0.1), ChunkTotals(32, -1.0, 0.1)],
        env_runner=runner(),
        metrics_logger=logger,
    )
    assert logger.peek((METRICS_KEY, "episode_return_square_mean")) == pytest.approx(16.0)


@pytest.mark.parametrize(
    ("smoothing", "env_runners", "expected"), [(100, 0, 100), (100, 4, 25), (10, 3, 4), (1, 8, 1)]
)
def test_window_is_split_over_env_runners(smoothing: int, env_runners: int, expected: int) -> None:
    assert _window(runner(smoothing, env_runners)) == expected
    assert _window(None) == 100


def test_callback_ignores_episodes_without_statistics() -> None:
    logger = MetricsLogger()
    callback = NetHackMetricsCallback()
    callback.on_episode_end(episode=episode({}), env_runner=runner(), metrics_logger=logger)
    # No NetHack statistics; the return's square is logged for every episode,
    # as RLlib logs every episode's return.
    assert set(logger.peek(METRICS_KEY, default={})) == {
        "episode_return_square_mean",
        EPISODE_RECORDS,
    }
    # No logger (RLlib passes none in some code paths): nothing happens, no error.
    callback.on_episode_end(episode=episode(final_info(1.0)), env_runner=runner())


def test_callback_on_real_episode_infos(make) -> None:
    env = make("room5x5", max_episode_steps=50)
    logger = MetricsLogger()
    callback = NetHackMetricsCallback()
    steps = []
    env.action_space.seed(0)
    for seed in range(4):
        obs, info = env.reset(seed=seed)
        infos = [info]
        observations = [obs]
        actions, rewards = [], []
        while True:
            action = int(env.action_space.sample())
            obs, reward, terminated, truncated, info = env.step(action)
            observations.append(obs)
            infos.append(info)
            actions.append(action)
            rewards.append(reward)
            if terminated or truncated:
                break
        ep = SingleAgentEpisode(
            observations=observations,
            actions=actions,
            rewards=rewards,
            infos=infos,
            terminated=terminated,
            truncated=truncated and not terminated,
        )
        callback.on_episode_end(episode=ep, env_runner=runner(), metrics_logger=logger)
        steps.append(len(actions))
    logged = logger.peek(METRICS_KEY)
    assert logged["steps_mean"] == pytest.approx(np.mean(steps))
    assert logged["steps_max"] == max(steps) and logged["steps_min"] == min(steps)
