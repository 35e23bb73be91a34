"""NetHack episode metrics in RLlib's results and TensorBoard.

:class:`NetHackMetricsCallback` reads the statistics that
:class:`~rllib_nethack.envs.wrappers.EpisodeStatsWrapper` leaves in the final
``info`` of each episode; each result then holds, under ``env_runners/nethack/``:

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
as are RLlib's ``episode_return_*`` and ``episode_len_*``: the env runners send
one record per episode (:func:`episode_record`) and the driver writes them all
from its window of records (:mod:`.episode_window`), since RLlib's own windows
empty themselves at every fetch. TensorBoard and Tune see them like any
other result key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nle import nethack
from ray.rllib.callbacks.callbacks import RLlibCallback

from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.envs.wrappers.episode_stats import END_KEY, STATS_KEY
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY
from rllib_nethack.metrics.episode_window import LENGTH, RETURN, WINDOW_FILE, EpisodeWindow
from rllib_nethack.metrics.result_keys import EPISODE_RECORDS, METRICS_KEY

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
    """Send one record per finished episode from every env runner; on the driver,
    write the means over the last window of episodes into each result."""

    def __init__(self) -> None:
        super().__init__()
        self._window: EpisodeWindow | None = None

    def episode_window(self, algorithm: Any) -> EpisodeWindow:
        """The driver's window, as long as ``algorithm``'s config says."""
        if self._window is None:
            window = getattr(algorithm.config, "metrics_num_episodes_for_smoothing", 100)
            self._window = EpisodeWindow(int(window))
        return self._window

    def on_train_result(  # type: ignore[override]
        self, *, algorithm: Any, result: dict[str, Any], **kwargs: Any
    ) -> None:
        self.episode_window(algorithm).update(result)

    def on_episode_end(  # type: ignore[override]
        self,
        *,
        episode: Any,
        metrics_logger: Any = None,
        **kwargs: Any,
    ) -> None:
        if metrics_logger is None:
            return
        # The whole episode's return: RLlib hands the chunks it already returned
        # (rollout fragments) beside the last one.
        earlier = kwargs.get("prev_episode_chunks") or ()
        metrics_logger.log_value(
            (METRICS_KEY, EPISODE_RECORDS),
            episode_record(episode.get_infos(-1), episode, earlier),
            reduce="item_series",
        )


def episode_record(
    info: Mapping[str, Any], episode: Any, earlier: Iterable[Any] = ()
) -> dict[str, float]:
    """One finished episode's record for the driver's window: its whole return
    and length (``earlier``: the chunks RLlib returned before the last one), the
    exploration bonus's sum, and :func:`episode_metrics`."""
    earlier = tuple(earlier)
    record = {
        RETURN: float(episode.get_return()) + sum(float(c.get_return()) for c in earlier),
        LENGTH: float(len(episode) + sum(map(len, earlier))),
    }
    if INTRINSIC_RETURN_KEY in info:  # the bonus's running sum: the episode's at its end
        record[INTRINSIC_RETURN_KEY] = float(info[INTRINSIC_RETURN_KEY])
    record.update(episode_metrics(info))
    return record


def _metrics_callbacks(algo: Any) -> list[NetHackMetricsCallback]:
    callbacks = getattr(algo, "callbacks", None)
    listed = callbacks if isinstance(callbacks, list | tuple) else [callbacks]
    return [c for c in listed if isinstance(c, NetHackMetricsCallback)]


def save_episode_window(algo: Any, checkpoint: Path) -> None:
    """Copy ``algo``'s episode window into the checkpoint directory being written."""
    for callback in _metrics_callbacks(algo):
        callback.episode_window(algo).save(checkpoint / WINDOW_FILE)


def restore_episode_window(algo: Any, checkpoint: Path) -> None:
    """Give ``algo`` the episode window saved in ``checkpoint`` (if one is there),
    so a resumed run's means are over the last episodes before it too."""
    for callback in _metrics_callbacks(algo):
        callback.episode_window(algo).load(checkpoint / WINDOW_FILE)
