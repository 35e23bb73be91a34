"""Episode statistics in ``info`` at the end of every episode.

On the step that ends an episode, ``info["episode_stats"]`` holds the numbers
of :data:`rllib_nethack.envs.stats.STAT_NAMES` and ``info["episode_end"]`` how
it ended: ``end_reason`` (death, success, truncated, ascended, quit) and, for a
death, NetHack's own ``death_cause`` ("killed by a jackal"), read from the
xlogfile record NetHack writes for each finished game. The RLlib callback in
:mod:`rllib_nethack.callbacks` turns these into training metrics; evaluation
scripts read them directly.
"""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsInt

import gymnasium as gym

from rllib_nethack.envs.nle_access import (
    RawObservation,
    base_env,
    how_done,
    last_xlog_record,
    xlogfile_path,
)
from rllib_nethack.envs.stats import EpisodeTracker, describe_end, end_reason

STATS_KEY = "episode_stats"
END_KEY = "episode_end"


class EpisodeStatsWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Track NetHack statistics during an episode and report them when it ends."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        base = base_env(env)
        self._base = base
        self._raw = RawObservation(base)
        self._tracker = EpisodeTracker()
        self._xlogfile = xlogfile_path(base)
        # NLE's private temp dir may be emptied as we go; a user's savedir never is.
        self._truncate_xlog = not base.savedir

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._tracker.start(self._raw)
        return obs, info

    def step(self, action: SupportsInt) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            record = last_xlog_record(self._xlogfile, truncate=self._truncate_xlog)
            how = how_done(self._base)
            reason = end_reason(how, int(info.get("end_status", 0)), truncated)
            info[STATS_KEY] = self._tracker.summary()
            info[END_KEY] = describe_end(record, reason, how)
        else:
            self._tracker.update(self._raw)
        return obs, reward, terminated, truncated, info

    @property
    def tracker(self) -> EpisodeTracker:
        """The statistics of the episode in progress."""
        return self._tracker
