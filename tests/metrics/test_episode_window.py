"""The driver's episode window: means over the last N episodes, across iterations.

Episodes are logged by the real callback into a real env runner's
``MetricsLogger``, reduced and aggregated into a root logger as RLlib 2.60's
algorithms do, and the result dict handed to the callback's ``on_train_result``.
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    EPISODE_LEN_MEAN,
    EPISODE_RETURN_MAX,
    EPISODE_RETURN_MEAN,
)
from ray.rllib.utils.metrics.metrics_logger import MetricsLogger
from test_callbacks import episode, final_info, runner

from rllib_nethack.metrics.callbacks import METRICS_KEY, NetHackMetricsCallback
from rllib_nethack.metrics.result_keys import EPISODE_RECORDS


class Driver:
    """A root metrics logger and the callback, as an algorithm holds them."""

    def __init__(self, window: int = 100) -> None:
        self.metrics = MetricsLogger(root=True)
        self.callback = NetHackMetricsCallback()
        config = types.SimpleNamespace(metrics_num_episodes_for_smoothing=window)
        self.algorithm = types.SimpleNamespace(config=config)

    def iteration(self, *episodes: tuple[float, str, int]) -> dict[str, Any]:
        """One iteration in which ``episodes`` (return, end reason, length) end on a runner."""
        on_runner = MetricsLogger()
        for ret, reason, length in episodes:
            ep = SingleAgentEpisode(
                observations=list(range(length + 1)),
                actions=[0] * length,
                rewards=[0.0] * (length - 1) + [ret],
                infos=[{}] * length + [final_info(ret * 10, reason)],
                terminated=True,
                len_lookback_buffer=0,
            )
            self.callback.on_episode_end(episode=ep, env_runner=runner(), metrics_logger=on_runner)
            # RLlib's env runner logs the return with the configured window.
            on_runner.log_value(EPISODE_RETURN_MEAN, ret, window=100)
        self.metrics.aggregate([on_runner.reduce()], key=ENV_RUNNER_RESULTS)
        result = self.metrics.reduce(compile=True)
        self.callback.on_train_result(algorithm=self.algorithm, result=result)
        return result


def test_means_cover_episodes_of_earlier_iterations() -> None:
    driver = Driver()
    driver.iteration(*[(1.0, "success", 4)] * 5)
    result = driver.iteration(*[(0.0, "truncated", 10)] * 3)
    runners = result[ENV_RUNNER_RESULTS]
    # Over all 8 episodes; RLlib's own mean would be the last iteration's 0.
    assert runners[EPISODE_RETURN_MEAN] == pytest.approx(5 / 8)
    assert runners[EPISODE_RETURN_MAX] == 1.0
    assert runners[EPISODE_LEN_MEAN] == pytest.approx((5 * 4 + 3 * 10) / 8)
    nethack = runners[METRICS_KEY]
    assert nethack["end_success_rate"] == pytest.approx(5 / 8)
    assert nethack["end_truncated_rate"] == pytest.approx(3 / 8)
    assert nethack["score_max"] == 10.0 and nethack["score_min"] == 0.0
    assert nethack["episode_return_square_mean"] == pytest.approx(5 / 8)
    assert EPISODE_RECORDS not in nethack  # taken out: no lists in TensorBoard


def test_only_the_last_window_of_episodes_counts() -> None:
    driver = Driver(window=4)
    driver.iteration(*[(1.0, "success", 4)] * 3)
    result = driver.iteration((0.0, "death", 5), (0.0, "death", 5), (0.5, "success", 5))
    # The last four: one 1.0 of the first iteration, then 0, 0, 0.5.
    assert result[ENV_RUNNER_RESULTS][EPISODE_RETURN_MEAN] == pytest.approx(1.5 / 4)
    assert result[ENV_RUNNER_RESULTS][METRICS_KEY]["end_death_rate"] == pytest.approx(0.5)


def test_an_iteration_with_one_episode_adds_it() -> None:
    # RLlib's reduce hands a series of one item as the item itself.
    driver = Driver()
    driver.iteration((1.0, "success", 3), (1.0, "success", 3))
    result = driver.iteration((0.0, "death", 3))
    assert result[ENV_RUNNER_RESULTS][EPISODE_RETURN_MEAN] == pytest.approx(2 / 3)


def test_an_iteration_without_episodes_keeps_the_means() -> None:
    driver = Driver()
    driver.iteration((1.0, "success", 3), (0.0, "death", 3))
    result = driver.iteration()
    assert result[ENV_RUNNER_RESULTS][EPISODE_RETURN_MEAN] == pytest.approx(0.5)
    assert result[ENV_RUNNER_RESULTS][METRICS_KEY]["end_success_rate"] == pytest.approx(0.5)


def test_intrinsic_return_is_averaged_over_the_window() -> None:
    driver = Driver()
    for bonus in (2.0, 4.0):
        on_runner = MetricsLogger()
        info = {**final_info(1.0), "intrinsic_return": bonus}
        driver.callback.on_episode_end(
            episode=episode(info), env_runner=runner(), metrics_logger=on_runner
        )
        driver.metrics.aggregate([on_runner.reduce()], key=ENV_RUNNER_RESULTS)
        result = driver.metrics.reduce(compile=True)
        driver.callback.on_train_result(algorithm=driver.algorithm, result=result)
    assert result[ENV_RUNNER_RESULTS][METRICS_KEY]["intrinsic_return_mean"] == pytest.approx(3.0)
