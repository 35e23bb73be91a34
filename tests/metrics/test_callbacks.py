"""NetHack episode metrics: per-episode values and how the callback logs them."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_driver import Driver, episode, final_info
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS
from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.metrics.callbacks import (
    HOW_DONE,
    METRICS_KEY,
    NetHackMetricsCallback,
    episode_metrics,
)
from rllib_nethack.metrics.result_keys import EPISODE_RECORDS
from rllib_nethack.runs.lean_env_runner import ChunkTotals


def nethack_means(driver: Driver) -> dict:
    """The NetHack means in the driver's next result."""
    return driver.result()[ENV_RUNNER_RESULTS][METRICS_KEY]


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
def test_callback_means_min_max_and_rates() -> None:
    driver = Driver()
    for score, reason, how in [
        (10, "death", "died"),
        (20, "truncated", "quit"),
        (60, "death", "starving"),
    ]:
        driver.end(episode(final_info(score, reason, how, turns=score * 2)))
    logged = nethack_means(driver)
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


def test_env_runners_send_only_the_episode_records() -> None:
    # The means are the driver's (over its window); an env runner logging its
    # own would be work done twice and overwritten.
    logger = MetricsLogger()
    NetHackMetricsCallback().on_episode_end(
        episode=episode(final_info(5.0, "success")), metrics_logger=logger
    )
    assert set(logger.peek(METRICS_KEY)) == {EPISODE_RECORDS}


def test_callback_window_smooths_like_episode_return_mean() -> None:
    driver = Driver(window=3)
    for score in (100, 1, 2, 3):
        driver.end(episode(final_info(score)))
    logged = nethack_means(driver)
    # Only the last 3 episodes count: the 100 has left the window.
    assert logged["score_mean"] == pytest.approx(2.0)
    assert logged["score_max"] == 3.0 and logged["score_min"] == 1.0


def test_callback_logs_the_square_of_returns_for_their_spread() -> None:
    driver = Driver()
    for rewards in ((0.0, 1.0), (1.0, 2.0), (-1.0, 0.0)):  # returns 1, 3, -1
        driver.end(episode(final_info(1.0), rewards))
    square_mean = nethack_means(driver)["episode_return_square_mean"]
    assert square_mean == pytest.approx((1 + 9 + 1) / 3)
    # With the mean return (1) this is the returns' variance: (0 + 4 + 4) / 3.
    assert square_mean - 1.0**2 == pytest.approx(8 / 3)


def test_the_square_is_of_the_whole_episodes_return_across_its_chunks() -> None:
    # An episode cut into rollout fragments: RLlib passes the chunks it returned before.
    driver = Driver()
    driver.end(
        episode(final_info(1.0), (1.0, 2.0)),  # this chunk: 3
        prev_episode_chunks=[ChunkTotals(32, 2.0, 0.1), ChunkTotals(32, -1.0, 0.1)],
    )
    result = driver.result()[ENV_RUNNER_RESULTS]
    assert result[METRICS_KEY]["episode_return_square_mean"] == pytest.approx(16.0)
    assert result["episode_return_mean"] == pytest.approx(4.0)
    assert result["episode_len_mean"] == 2 + 32 + 32


def test_callback_ignores_episodes_without_statistics() -> None:
    driver = Driver()
    driver.end(episode({}))
    # No NetHack statistics; the return's square is there for every episode,
    # as RLlib's mean return is.
    assert set(nethack_means(driver)) == {"episode_return_square_mean"}
    # No logger (RLlib passes none in some code paths): nothing happens, no error.
    NetHackMetricsCallback().on_episode_end(episode=episode(final_info(1.0)))


def test_callback_on_real_episode_infos(make) -> None:
    env = make("room5x5", max_episode_steps=50)
    driver = Driver()
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
        driver.end(ep)
        steps.append(len(actions))
    logged = nethack_means(driver)
    assert logged["steps_mean"] == pytest.approx(np.mean(steps))
    assert logged["steps_max"] == max(steps) and logged["steps_min"] == min(steps)
