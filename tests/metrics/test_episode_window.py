"""The driver's episode window: means over the last N episodes, across iterations.

Episodes are logged by the real callback into a real env runner's
``MetricsLogger``, reduced and aggregated into a root logger as RLlib 2.60's
algorithms do, and the result dict handed to the callback's ``on_train_result``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from metrics_driver import Driver, episode, final_info
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    EPISODE_LEN_MEAN,
    EPISODE_RETURN_MAX,
    EPISODE_RETURN_MEAN,
)

from rllib_nethack.metrics.callbacks import (
    METRICS_KEY,
    restore_episode_window,
    save_episode_window,
)
from rllib_nethack.metrics.episode_window import WINDOW_FILE
from rllib_nethack.metrics.result_keys import EPISODE_RECORDS


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
        driver.end(episode({**final_info(1.0), "intrinsic_return": bonus}))
        result = driver.result()
    assert result[ENV_RUNNER_RESULTS][METRICS_KEY]["intrinsic_return_mean"] == pytest.approx(3.0)


def test_means_are_over_episodes_not_over_env_runners() -> None:
    # One runner ends one episode (return 1), the other three (return 0):
    # the mean over the four episodes is 0.25; the mean of the runners' means
    # (what RLlib's aggregation of per-runner means gives) would be 0.5.
    driver = Driver(env_runners=2)
    driver.end(episode(final_info(1.0, "success"), (1.0,)), runner=0)
    for _ in range(3):
        driver.end(episode(final_info(0.0), (0.0,)), runner=1)
    runners = driver.result()[ENV_RUNNER_RESULTS]
    assert runners[EPISODE_RETURN_MEAN] == pytest.approx(0.25)
    assert runners[METRICS_KEY]["end_success_rate"] == pytest.approx(0.25)


def test_a_checkpoints_window_carries_into_the_resumed_run(tmp_path: Path) -> None:
    before = Driver()
    before.iteration((1.0, "success", 3), (1.0, "success", 3), (0.0, "death", 3))
    save_episode_window(before.algorithm, tmp_path)  # as a checkpoint is written
    resumed = Driver()  # a new driver: RLlib builds a new callback
    restore_episode_window(resumed.algorithm, tmp_path)
    result = resumed.iteration((0.0, "death", 3))
    # Over the three episodes before the checkpoint and the one after.
    assert result[ENV_RUNNER_RESULTS][EPISODE_RETURN_MEAN] == pytest.approx(2 / 4)
    assert result[ENV_RUNNER_RESULTS][METRICS_KEY]["end_death_rate"] == pytest.approx(2 / 4)


@pytest.mark.parametrize("saved", [None, "{not json", '{"a": 1}', '[{"episode_return": 1}]'])
def test_a_missing_or_damaged_window_copy_leaves_the_window_as_it_was(
    tmp_path: Path, saved: str | None
) -> None:
    driver = Driver()
    driver.iteration((1.0, "success", 3))
    if saved is not None:
        (tmp_path / WINDOW_FILE).write_text(saved)
    restore_episode_window(driver.algorithm, tmp_path)  # a checkpoint from before the copy
    result = driver.iteration((0.0, "death", 3))
    assert result[ENV_RUNNER_RESULTS][EPISODE_RETURN_MEAN] == pytest.approx(0.5)
