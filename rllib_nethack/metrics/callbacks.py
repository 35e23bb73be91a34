"""NetHack episode metrics in RLlib's results and TensorBoard.

:class:`NetHackMetricsCallback` reads the statistics that
:class:`~rllib_nethack.envs.wrappers.EpisodeStatsWrapper` leaves in the final
``info`` of each episode and logs, under ``env_runners/nethack/``:

* ``<stat>_mean``, ``<stat>_min`` and ``<stat>_max`` for every statistic in
  :data:`~rllib_nethack.envs.stats.STAT_NAMES` (score, turns, max_depth, ...),
  over the episode window (below);
* ``end_<reason>_rate``: the share of episodes that ended in death, success,
  truncation, ascension or quitting;
* ``death_<how>_rate``: among all episodes, the share that ended by each of
  NetHack's ways to die (killed, starving, poisoning, ...);
* ``episode_return_square_mean``: with RLlib's ``episode_return_mean`` over
  the same window, the spread of the returns (the learning curve's band);
* ``intrinsic_return_mean`` (``explore=count|e3b|ride|rnd``): the episode's summed
  exploration bonus, before its coefficient. Returns stay extrinsic.

Each is over the last ``metrics_num_episodes_for_smoothing`` episodes to end,
as are RLlib's ``episode_return_*`` and ``episode_len_*``: the driver writes
them all from per-episode records (:mod:`.episode_window`), since RLlib's own
windows empty themselves at every fetch. TensorBoard and Tune see them like any
other result key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from nle import nethack
from ray.rllib.callbacks.callbacks import RLlibCallback

from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.envs.wrappers.episode_stats import END_KEY, STATS_KEY
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY
from rllib_nethack.metrics.episode_window import LENGTH, RETURN, EpisodeWindow
from rllib_nethack.metrics.result_keys import (
    EPISODE_RECORDS,
    INTRINSIC_RETURN_MEAN,
    METRICS_KEY,
    RETURN_SQUARE_MEAN,
)

#: NetHack's ways a game can end (``nle.nethack.game_end_types``), lower case.
HOW_DONE = tuple(str(t.name).lower() for t in nethack.game_end_types.__members__.values())


def episode_metrics(info: Mapping[str, Any]) -> dict[str, float]:
    """Flat per-episode metric values from a final ``info`` (empty if it has none)."""
    stats = info.get(STATS_KEY)
    if stats is None:
        return {}
    metrics = {name: float(stats[name]) for name in STAT_NAMES}
    end = info.get(END_KEY, {})
    reason = end.get("end_reason", "")
    for name in END_REASONS:
        metrics[f"end_{name}_rate"] = float(reason == name)
    how = end.get("how", "") if reason == "death" else ""
    for name in HOW_DONE:
        metrics[f"death_{name}_rate"] = float(how == name)
    return metrics


class NetHackMetricsCallback(RLlibCallback):
    """Log NetHack episode statistics (mean, min, max) from every env runner, and
    make the driver's episode means means over the last window of episodes."""

    def __init__(self) -> None:
        super().__init__()
        self._window: EpisodeWindow | None = None

    def on_train_result(  # type: ignore[override]
        self, *, algorithm: Any, result: dict[str, Any], **kwargs: Any
    ) -> None:
        if self._window is None:
            window = getattr(algorithm.config, "metrics_num_episodes_for_smoothing", 100)
            self._window = EpisodeWindow(int(window))
        self._window.update(result)

    def on_episode_end(  # type: ignore[override]
        self,
        *,
        episode: Any,
        env_runner: Any = None,
        metrics_logger: Any = None,
        **kwargs: Any,
    ) -> None:
        if metrics_logger is None:
            return
        info = episode.get_infos(-1)
        window = _window(env_runner)
        # The whole episode's return: RLlib hands the chunks it already returned
        # (rollout fragments) beside the last one.
        earlier = kwargs.get("prev_episode_chunks") or ()
        episode_return = float(episode.get_return()) + sum(c.get_return() for c in earlier)
        record = {RETURN: episode_return, LENGTH: float(len(episode) + sum(map(len, earlier)))}
        if INTRINSIC_RETURN_KEY in info:
            record[INTRINSIC_RETURN_KEY] = float(info[INTRINSIC_RETURN_KEY])
        metrics = episode_metrics(info)
        record.update(metrics)
        # Every episode, to the driver's window (the means below do not hold one).
        metrics_logger.log_value((METRICS_KEY, EPISODE_RECORDS), record, reduce="item_series")
        metrics_logger.log_value(
            (METRICS_KEY, RETURN_SQUARE_MEAN),
            episode_return**2,
            reduce="mean",
            window=window,
        )
        if INTRINSIC_RETURN_KEY in info:  # the bonus's running sum: the episode's at its end
            metrics_logger.log_value(
                (METRICS_KEY, INTRINSIC_RETURN_MEAN),
                float(info[INTRINSIC_RETURN_KEY]),
                reduce="mean",
                window=window,
            )
        if not metrics:
            return
        for name, value in metrics.items():
            if name in STAT_NAMES:
                for reduce in ("mean", "min", "max"):
                    metrics_logger.log_value(
                        (METRICS_KEY, f"{name}_{reduce}"), value, reduce=reduce, window=window
                    )
            else:
                metrics_logger.log_value((METRICS_KEY, name), value, reduce="mean", window=window)


def _window(env_runner: Any) -> int:
    # Same smoothing as RLlib's episode_return_mean: the configured window,
    # split over the env runners whose results the driver merges.
    config = getattr(env_runner, "config", None)
    episodes = getattr(config, "metrics_num_episodes_for_smoothing", 100)
    runners = getattr(config, "num_env_runners", 0) or 1
    return max(1, math.ceil(episodes / runners))
