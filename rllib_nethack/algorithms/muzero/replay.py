"""MuZero's replay buffer: whole trajectories, prioritised positions, K-step training samples.

The env runners return episode chunks (an episode longer than a rollout
fragment comes in several); chunks of one episode are joined here, so n-step
targets and K-step unrolls run across fragment boundaries. Positions are
sampled with probability ``p_i^alpha / sum p^alpha`` (prioritised replay,
Schaul et al. 2016) and weighted by ``(N P(i))^-beta / max``; new positions get
the highest priority seen, so each is sampled soon after it arrives.

A sample is a dict of numpy arrays, one row per position ``t``:

* ``obs/<key>`` ``[B, K + 1, ...]``: observations ``t .. t + K`` (the first is
  what the model unrolls from; the rest feed the consistency loss);
* ``actions`` ``[B, K]``, ``target_reward`` ``[B, K]``;
* ``target_policy`` ``[B, K + 1, A]`` with ``policy_mask``;
* ``value_reward_sum``, ``value_boot_discount``, ``value_boot`` ``[B, K + 1]``:
  the n-step target is ``reward_sum + boot_discount * boot``; ``boot_obs/<key>``
  ``[B, K + 1, ...]`` with ``reanalyze`` ``[B, K + 1]`` marking the bootstraps the
  learner recomputes with the current network (a sampled fraction of rows,
  and every bootstrap whose search value is unknown: the last observation of
  a truncated or still running episode);
* ``value_mask``, ``consistency_mask`` ``[B, K + 1]``, ``reward_mask`` ``[B, K]``,
  ``weights`` ``[B]``;
* ``research`` ``[B]``: the rows (a ``search_fraction`` of them) whose policy
  targets the learner recomputes by a fresh search with the current network;
* with an LSTM memory, ``state_in/{h,c}`` and ``boot_state/{h,c}`` ``[B, K + 1, M]``:
  the memory state stored when acting at those observations.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_episode import SingleAgentEpisode

from rllib_nethack.algorithms.muzero.module import ROOT_VALUE, SEARCH_POLICY
from rllib_nethack.algorithms.muzero.targets import n_step_parts

#: How episodes are looked up: RLlib's episode id.
TrajectoryId = str


@dataclass
class Trajectory:
    """One episode (so far): ``T`` steps, ``T + 1`` observations."""

    obs: dict[str, list[np.ndarray]]
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    policies: list[np.ndarray] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    priorities: list[float] = field(default_factory=list)
    terminated: bool = False
    #: With memory: the state the LSTM started each observation from ([T + 1] per key).
    states: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.actions)


def _observations(episode: SingleAgentEpisode) -> dict[str, list[np.ndarray]]:
    """An episode's observations as per-key lists of per-step arrays."""
    obs = episode.get_observations()
    if isinstance(obs, Mapping):
        return {k: list(np.asarray(v)) for k, v in obs.items()}
    steps = list(obs)
    return {k: [np.asarray(step[k]) for step in steps] for k in steps[0]}


class MuZeroReplayBuffer:
    """Trajectories in arrival order, at most ``capacity`` steps (oldest dropped first)."""

    def __init__(self, capacity: int, alpha: float = 1.0, seed: int | None = None) -> None:
        self.capacity = capacity
        self.alpha = alpha
        self.trajectories: OrderedDict[TrajectoryId, Trajectory] = OrderedDict()
        self.num_steps = 0
        self.max_priority = 1.0
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.num_steps

    # ------------------------------------------------------------------ adding
    def add(self, episodes: Iterable[SingleAgentEpisode]) -> None:
        """Append episode chunks, joining the chunks of one episode."""
        for episode in episodes:
            steps = len(episode)
            if steps == 0:
                continue
            obs = _observations(episode)
            known = self.trajectories.get(episode.id_)
            if known is None:
                known = Trajectory({k: v[:1] for k, v in obs.items()})
                self.trajectories[episode.id_] = known
            for key, values in obs.items():  # the first observation is the join
                known.obs[key].extend(values[1:])
            known.actions.extend(int(a) for a in np.asarray(episode.get_actions()))
            known.rewards.extend(float(r) for r in np.asarray(episode.get_rewards()))
            known.policies.extend(np.asarray(episode.get_extra_model_outputs(SEARCH_POLICY)))
            known.values.extend(
                float(v) for v in np.asarray(episode.get_extra_model_outputs(ROOT_VALUE))
            )
            known.priorities.extend([self.max_priority] * steps)
            if Columns.STATE_OUT in episode.extra_model_outputs:
                # state_in of step t + 1 is state_out of step t; step 0 starts from zeros.
                outs = episode.get_extra_model_outputs(Columns.STATE_OUT)
                for key, stored in outs.items():
                    array = np.asarray(stored)
                    column = known.states.setdefault(key, [np.zeros_like(array[0])])
                    column.extend(array)
            known.terminated = bool(episode.is_terminated)
            self.num_steps += steps
        while self.num_steps > self.capacity and len(self.trajectories) > 1:
            _, oldest = self.trajectories.popitem(last=False)
            self.num_steps -= len(oldest)

    # ------------------------------------------------------------------ checkpoints
    def get_state(self) -> dict[str, Any]:
        """Everything needed to go on sampling as before (the algorithm checkpoints it)."""
        return {
            "capacity": self.capacity,
            "alpha": self.alpha,
            "trajectories": list(self.trajectories.items()),
            "num_steps": self.num_steps,
            "max_priority": self.max_priority,
            "rng": self.rng.bit_generator.state,
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`get_state`'s contents (capacity and alpha stay as configured)."""
        self.trajectories = OrderedDict(state["trajectories"])
        self.num_steps = int(state["num_steps"])
        self.max_priority = float(state["max_priority"])
        self.rng.bit_generator.state = state["rng"]
        while self.num_steps > self.capacity and len(self.trajectories) > 1:
            _, oldest = self.trajectories.popitem(last=False)
            self.num_steps -= len(oldest)

    # ------------------------------------------------------------------ priorities
    def update_priorities(self, keys: np.ndarray, priorities: np.ndarray) -> None:
        """New priorities for sampled ``(trajectory number, position)`` keys.

        Trajectories dropped since the sample are skipped.
        """
        ids = list(self.trajectories)
        for (number, position), priority in zip(keys, priorities, strict=True):
            if number < len(ids):
                traj = self.trajectories[ids[number]]
                if position < len(traj):
                    traj.priorities[position] = float(priority)
        self.max_priority = max(self.max_priority, float(np.max(priorities, initial=0.0)))

    # ------------------------------------------------------------------ sampling
    def sample(
        self,
        batch_size: int,
        unroll_steps: int,
        td_steps: int,
        gamma: float,
        beta: float,
        reanalyze_fraction: float,
        search_fraction: float = 0.0,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """A training sample (see the module docstring) and its ``(trajectory, position)`` keys."""
        trajs = list(self.trajectories.values())
        lengths = np.array([len(t) for t in trajs])
        prios = np.concatenate([np.asarray(t.priorities, dtype=np.float64) for t in trajs])
        probs = prios**self.alpha
        probs /= probs.sum()
        flat = self.rng.choice(len(probs), size=batch_size, p=probs)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        numbers = np.searchsorted(starts, flat, side="right") - 1
        positions = flat - starts[numbers]
        weights = (len(probs) * probs[flat]) ** (-beta)
        weights /= weights.max()
        reanalyze_rows = self.rng.random(batch_size) < reanalyze_fraction
        rows = [
            self._row(trajs[n], int(p), unroll_steps, td_steps, gamma, bool(r))
            for n, p, r in zip(numbers, positions, reanalyze_rows, strict=True)
        ]
        batch = {key: np.stack([row[key] for row in rows]) for key in rows[0]}
        batch["weights"] = weights.astype(np.float32)
        batch["research"] = (self.rng.random(batch_size) < search_fraction).astype(np.float32)
        return batch, np.stack([numbers, positions], axis=1)

    def _row(
        self, traj: Trajectory, t: int, k: int, n: int, gamma: float, reanalyze: bool
    ) -> dict[str, Any]:
        length = len(traj)
        num_actions = len(traj.policies[0])
        span = np.arange(t, t + k + 1)  # positions t .. t + K
        inside = span <= length  # an observation exists
        acting = span < length  # an action (and a search) exists
        obs_index = np.minimum(span, length)
        row: dict[str, Any] = {
            f"obs/{key}": np.stack([values[i] for i in obs_index])
            for key, values in traj.obs.items()
        }
        actions = np.array(
            [traj.actions[i] if i < length else self.rng.integers(num_actions) for i in span[:-1]]
        )
        row["actions"] = actions
        row["target_reward"] = np.array(
            [traj.rewards[i] if i < length else 0.0 for i in span[:-1]], dtype=np.float32
        )
        uniform = np.full(num_actions, 1.0 / num_actions, dtype=np.float32)
        row["target_policy"] = np.stack(
            [traj.policies[i] if i < length else uniform for i in span]
        ).astype(np.float32)
        row["policy_mask"] = acting.astype(np.float32)
        parts = n_step_parts(np.asarray(traj.rewards), obs_index, gamma, n)
        boot = parts.bootstrap_index
        at_end = boot == length
        known = ~at_end | traj.terminated
        values = np.append(np.asarray(traj.values), 0.0)  # the value after a terminal is 0
        row["value_reward_sum"] = np.where(inside, parts.reward_sum, 0.0).astype(np.float32)
        row["value_boot_discount"] = np.where(inside, parts.bootstrap_discount, 0.0).astype(
            np.float32
        )
        row["value_boot"] = np.where(known, values[boot], 0.0).astype(np.float32)
        row["reanalyze"] = (inside & (~known | reanalyze) & ~(at_end & traj.terminated)).astype(
            np.float32
        )
        row.update(
            {f"boot_obs/{key}": np.stack([v[i] for i in boot]) for key, v in traj.obs.items()}
        )
        for key, states in traj.states.items():
            row[f"state_in/{key}"] = np.stack([states[i] for i in obs_index])
            row[f"boot_state/{key}"] = np.stack([states[i] for i in boot])
        # Past a terminal the target is 0; past the end of a running episode unknown.
        row["value_mask"] = (inside | traj.terminated).astype(np.float32)
        # Rewards likewise: 0 after a terminal, unknown after a cut-off or a running end.
        row["reward_mask"] = (acting[:-1] | traj.terminated).astype(np.float32)
        row["consistency_mask"] = inside.astype(np.float32)
        return row
