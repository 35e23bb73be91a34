"""Episode statistics in ``info`` at the end of every episode.

On the step that ends an episode, ``info["episode_stats"]`` holds the numbers
of :data:`rllib_nethack.envs.stats.STAT_NAMES` and ``info["episode_end"]`` how
it ended: ``end_reason`` (death, success, truncated, ascended, quit) and, for a
death, NetHack's own ``death_cause`` ("killed by a jackal"), read from the
xlogfile record NetHack writes for each finished game. The RLlib callback in
:mod:`rllib_nethack.metrics.callbacks` turns these into training metrics; evaluation
scripts read them directly.
"""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsInt

import gymnasium as gym

from rllib_nethack.envs.nle_access import (
    RawObservation,
    base_env,
    file_size,
    how_done,
    last_xlog_record,
    success_at_stairs,
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
        # NLE's private temp dir may be emptied as we go; a user's savedir never
        # is, and its xlogfile is shared by all envs of the process: only what
        # this env's own last step appended is this game's record.
        self._private_xlog = not base.savedir
        self._xlog_start = 0
        self._success_at_stairs = success_at_stairs(base)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._tracker.start(self._raw)
        return obs, info

    def step(self, action: SupportsInt) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        if not self._private_xlog:
            self._xlog_start = file_size(self._xlogfile)
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            record = last_xlog_record(
                self._xlogfile, truncate=self._private_xlog, since=self._xlog_start
            )
            how = how_done(self._base)
            reason = end_reason(how, int(info.get("end_status", 0)), truncated)
            stairs, with_pet = self._success_at_stairs
            if reason == "success" and stairs:
                self._tracker.reached_stairs(with_pet)
            info[STATS_KEY] = self._tracker.summary()
            info[END_KEY] = describe_end(record, reason, how)
        else:
            self._tracker.update(self._raw)
        return obs, reward, terminated, truncated, info

    @property
    def tracker(self) -> EpisodeTracker:
        """The statistics of the episode in progress."""
        return self._tracker
