"""Episodes through the real callback, as RLlib 2.60's env runners and driver hand them on.

Each env runner holds a ``MetricsLogger`` into which the callback logs at every
episode's end; at each iteration the driver reduces them, aggregates them into
its root logger, reduces that into the result and calls ``on_train_result``.
The tests read the means the result holds, as progress, TensorBoard and Tune do.
"""

from __future__ import annotations

import types
from typing import Any

from ray.rllib.env.single_agent_episode import SingleAgentEpisode
from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, EPISODE_RETURN_MEAN
from ray.rllib.utils.metrics.metrics_logger import MetricsLogger

from rllib_nethack.envs.stats import STAT_NAMES
from rllib_nethack.metrics.callbacks import NetHackMetricsCallback


def final_info(score: float, reason: str = "death", how: str = "died", **stats: float) -> dict:
    """A final ``info`` as the episode-statistics wrapper leaves it."""
    values = {name: float(i) for i, name in enumerate(STAT_NAMES)}
    values.update(score=score, **stats)
    return {
        "end_status": 1,
        "episode_stats": values,
        "episode_end": {"end_reason": reason, "how": how, "death_cause": "killed by a newt"},
    }


def episode(info: dict, rewards: tuple[float, ...] = (0.0, 1.0)) -> SingleAgentEpisode:
    """A finished episode whose last ``info`` is ``info``."""
    return SingleAgentEpisode(
        observations=list(range(len(rewards) + 1)),
        actions=[0] * len(rewards),
        rewards=list(rewards),
        infos=[{}] * len(rewards) + [info],
        terminated=True,
        len_lookback_buffer=0,  # all of it is this episode's (its return counts)
    )


class Driver:
    """A root metrics logger and the callback, as an algorithm holds them, and
    one ``MetricsLogger`` per env runner."""

    def __init__(self, window: int = 100, env_runners: int = 1) -> None:
        self.metrics = MetricsLogger(root=True)
        self.callback = NetHackMetricsCallback()
        config = types.SimpleNamespace(metrics_num_episodes_for_smoothing=window)
        self.algorithm = types.SimpleNamespace(config=config, callbacks=self.callback)
        self.runners = [MetricsLogger() for _ in range(env_runners)]

    def end(self, ep: SingleAgentEpisode, runner: int = 0, **kwargs: Any) -> None:
        """``ep`` ends on env runner ``runner`` (``kwargs``: RLlib's further arguments)."""
        self.callback.on_episode_end(episode=ep, metrics_logger=self.runners[runner], **kwargs)
        # RLlib's env runner logs the return with the configured window.
        self.runners[runner].log_value(EPISODE_RETURN_MEAN, ep.get_return(), window=100)

    def result(self) -> dict[str, Any]:
        """The iteration's result, after the driver's callback has written its means."""
        self.metrics.aggregate([r.reduce() for r in self.runners], key=ENV_RUNNER_RESULTS)
        result = self.metrics.reduce(compile=True)
        self.callback.on_train_result(algorithm=self.algorithm, result=result)
        return result

    def iteration(self, *episodes: tuple[float, str, int]) -> dict[str, Any]:
        """One iteration in which ``episodes`` (return, end reason, length) end on a runner."""
        for ret, reason, length in episodes:
            rewards = (0.0,) * (length - 1) + (ret,)
            self.end(episode(final_info(ret * 10, reason), rewards))
        return self.result()
