"""The env-runner side of a bonus computed by the RLModule's own networks (E3B, RIDE, RND).

:class:`ObservationBonus`, an env-to-module connector, runs after every env
step (and reset) with all the runner's episodes, finished ones included,
before RLlib's own pieces. For each episode with a new observation it asks
the subclass for that observation's bonus and writes it, with the episode's
running sum, into the step's ``info``; the learner adds it to the rewards
(:mod:`.rewards`) and the callbacks log the sum. It leaves the batch alone.

The per-episode bookkeeping (keyed by episode id, so it carries over RLlib's
rollout fragments, and started afresh at each episode's reset) is here once;
a subclass keeps whatever state of its own it needs under the same ids.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.core import DEFAULT_MODULE_ID

from rllib_nethack.envs.wrappers.episodic_count import INTRINSIC_RETURN_KEY, INTRINSIC_REWARD_KEY

#: Episodes a connector tracks at most (abandoned ones are dropped oldest first).
MAX_TRACKED_EPISODES = 4096


class _Progress:
    """An episode's bonus so far, and the last step that got one."""

    def __init__(self) -> None:
        self.total = 0.0
        self.last_t = -1


class ObservationBonus(ConnectorV2):
    """Env-to-module piece: the bonus of each episode's newest observation into its ``info``.

    Subclasses implement :meth:`networks` (the module's part they need, ``None``
    when it has none) and :meth:`bonuses`; :meth:`forget` drops their own
    per-episode state.
    """

    def __init__(
        self, input_observation_space: Any = None, input_action_space: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.progress: dict[str, _Progress] = {}

    def networks(self, module: Any) -> torch.nn.Module | None:
        raise NotImplementedError

    def bonuses(self, networks: torch.nn.Module, episodes: list[Any]) -> np.ndarray:
        """The bonus of each episode's newest observation (``episode.t == 0``: a new episode)."""
        raise NotImplementedError

    def forget(self, episode_id: str) -> None:
        """Drop the subclass's state of an episode that ended (or was abandoned)."""

    def __call__(
        self,
        *,
        rl_module: Any,
        batch: dict[str, Any],
        episodes: list[Any],
        explore: bool | None = None,
        shared_data: dict[str, Any] | None = None,
        metrics: Any = None,
        **kwargs: Any,
    ) -> Any:
        networks = self.networks(_single(rl_module))
        todo = [e for e in episodes if self._pending(e)]
        if networks is None or not todo:
            return batch
        values = self.bonuses(networks, todo)
        for episode, b in zip(todo, values, strict=True):
            progress = self.progress.get(episode.id_)
            if progress is None or episode.t == 0:
                progress = self.progress[episode.id_] = _Progress()
            progress.last_t = episode.t
            if episode.t > 0:  # a reset observation ends no step: its bonus rewards nothing
                progress.total += float(b)
                info = episode.get_infos(-1)
                info[INTRINSIC_REWARD_KEY] = float(b)
                info[INTRINSIC_RETURN_KEY] = progress.total
            if episode.is_done:
                self._drop(episode.id_)
        while len(self.progress) > MAX_TRACKED_EPISODES:
            self._drop(next(iter(self.progress)))
        return batch

    def _pending(self, episode: Any) -> bool:
        progress = self.progress.get(episode.id_)
        return progress is None or episode.t == 0 or progress.last_t < episode.t

    def _drop(self, episode_id: str) -> None:
        del self.progress[episode_id]
        self.forget(episode_id)


def _single(rl_module: Any) -> Any:
    try:
        return rl_module[DEFAULT_MODULE_ID]
    except (TypeError, KeyError):
        return rl_module


def observation_batch(
    observations: list[dict[str, np.ndarray]], device: torch.device
) -> dict[str, torch.Tensor]:
    """A list of dict observations as one ``[N, ...]`` tensor dict, as the module reads them."""
    return {
        key: _tensor(np.stack([obs[key] for obs in observations]), device)
        for key in observations[0]
    }


def embed_observations(embedding: torch.nn.Module, observations: list[Any]) -> np.ndarray:
    """An embedding (E3B's, RIDE's ``phi``) of a list of dict observations, as float64 rows."""
    batch = observation_batch(observations, next(embedding.parameters()).device)
    with torch.inference_mode():
        return embedding(batch).double().cpu().numpy()  # type: ignore[no-any-return]


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    if array.dtype == np.float64:  # as RLlib's env-to-module pipeline hands it to the module
        array = array.astype(np.float32)
    return torch.from_numpy(array).to(device)
