"""Episode means over the last ``window`` episodes to end, kept by the driver.

RLlib 2.60's windowed means do not hold a window across iterations: each
env runner's ``MeanStats`` empties itself whenever the driver fetches its
results, and the driver averages the runners' means. So
``episode_return_mean`` (and every NetHack mean logged the same way) is the
mean of the episodes that ended since the last fetch, even with
``metrics_num_episodes_for_smoothing=100``: on MiniHack-Corridor-R2 (episodes of
hundreds of steps, a few ending per iteration) it jumped from 0.97 to -0.21
in five iterations. Where many episodes end per iteration (Room-5x5) it was
about right.

The env runners send one record per episode that ended
(:data:`~rllib_nethack.metrics.result_keys.EPISODE_RECORDS`); the driver's
callback keeps the last ``window`` of them in an :class:`EpisodeWindow` and
writes their means into the result before anything reads it (progress,
``progress.csv``, TensorBoard, Tune, stop conditions). Each checkpoint holds a
copy (:data:`WINDOW_FILE`; RLlib does not checkpoint callbacks), so a resumed
run's means go on over the episodes before it.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    EPISODE_LEN_MAX,
    EPISODE_LEN_MEAN,
    EPISODE_LEN_MIN,
    EPISODE_RETURN_MAX,
    EPISODE_RETURN_MEAN,
    EPISODE_RETURN_MIN,
)

from rllib_nethack.envs.stats import STAT_NAMES
from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY
from rllib_nethack.metrics.result_keys import (
    EPISODE_RECORDS,
    INTRINSIC_RETURN_MEAN,
    METRICS_KEY,
    RETURN_SQUARE_MEAN,
)

#: A record's keys beside the NetHack metrics (``episode_metrics``' names).
RETURN = "episode_return"
LENGTH = "episode_len"
#: A checkpoint's copy of the window's records (JSON: a list of objects).
WINDOW_FILE = "episode_window.json"


class EpisodeWindow:
    """The last ``window`` episode records, and their means as result keys."""

    def __init__(self, window: int) -> None:
        self.records: deque[Mapping[str, float]] = deque(maxlen=max(1, window))

    def add(self, records: Iterable[Mapping[str, float]]) -> None:
        self.records.extend(records)

    def save(self, path: Path) -> None:
        """Write the records to ``path`` (inside a checkpoint being written)."""
        path.write_text(json.dumps([dict(r) for r in self.records]))

    def load(self, path: Path) -> None:
        """Take the records saved at ``path`` in place of these. None there (a
        checkpoint from before the window was saved) or not a list of records:
        keep these; the window shapes the means, never the training."""
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if isinstance(saved, list) and all(map(_is_record, saved)):
            self.records.clear()
            self.add(saved)

    def update(self, result: MutableMapping[str, Any]) -> None:
        """Take this iteration's records out of ``result`` and write the window's means in.

        Nothing is written while no episode has ended; a result without records
        (an iteration in which none ended) keeps the window's last means.
        """
        runners = result.setdefault(ENV_RUNNER_RESULTS, {})
        nethack = runners.setdefault(METRICS_KEY, {})
        records = nethack.pop(EPISODE_RECORDS, None)
        if isinstance(records, Mapping):  # RLlib's reduce hands a lone item on its own
            records = [records]
        if isinstance(records, list):
            self.add(r for r in records if isinstance(r, Mapping))
        if not self.records:
            return
        runners.update(self.rllib_means())
        nethack.update(self.nethack_means())

    def column(self, key: str) -> np.ndarray:
        return np.array([r[key] for r in self.records if key in r], dtype=float)

    def rllib_means(self) -> dict[str, float]:
        """RLlib's own episode keys, over the window."""
        returns, lengths = self.column(RETURN), self.column(LENGTH)
        return {
            EPISODE_RETURN_MEAN: float(returns.mean()),
            EPISODE_RETURN_MIN: float(returns.min()),
            EPISODE_RETURN_MAX: float(returns.max()),
            EPISODE_LEN_MEAN: float(lengths.mean()),
            EPISODE_LEN_MIN: float(lengths.min()),
            EPISODE_LEN_MAX: float(lengths.max()),
        }

    def nethack_means(self) -> dict[str, float]:
        """The NetHack metrics (:mod:`.callbacks`), over the window's episodes that have them."""
        means = {RETURN_SQUARE_MEAN: float(np.mean(self.column(RETURN) ** 2))}
        names = {k for r in self.records for k in r} - {RETURN, LENGTH}
        for name in sorted(names):
            values = self.column(name)
            if name == INTRINSIC_RETURN_KEY:
                means[INTRINSIC_RETURN_MEAN] = float(values.mean())
            elif name in STAT_NAMES:
                means[f"{name}_mean"] = float(values.mean())
                means[f"{name}_min"] = float(values.min())
                means[f"{name}_max"] = float(values.max())
            else:  # end_<reason>_rate, death_<how>_rate: shares of the episodes
                means[name] = float(values.mean())
        return means


def _is_record(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and RETURN in value
        and LENGTH in value
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values())
    )
