"""Playing seeded episodes with a policy: the loop every evaluation shares.

Episode ``k`` is the game of seed ``k``: ``reset(seed=k)``, and on tasks with a
range of task seeds (the seeded suite) the task seed ``k`` itself, so that the
same seeds give the same games wherever and in whatever order they are played.
Several envs step in lockstep so that the model runs one batched forward pass
per step; a sampled action comes from the episode's own RNG, seeded by ``k``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rllib_nethack.envs.wrappers import SeedingWrapper
from rllib_nethack.envs.wrappers.episode_stats import END_KEY, STATS_KEY
from rllib_nethack.metrics.callbacks import episode_metrics
from rllib_nethack.policy import Policy, State, select_state
from rllib_nethack.results.episode import EpisodeRecord


def uses_task_seeds(env: gym.Env) -> bool:
    """Whether ``env`` draws each game from a range of task seeds (the seeded suite)."""
    current: Any = env
    while isinstance(current, gym.Wrapper):
        if isinstance(current, SeedingWrapper):
            return current.seeds is not None
        current = current.env
    return False


def reset_seeded(env: gym.Env, seed: int) -> tuple[Any, dict[str, Any]]:
    """Reset ``env`` to the game of ``seed``."""
    options = {"task_seed": seed} if uses_task_seeds(env) else None
    return env.reset(seed=seed, options=options)


def _record(seed: int, total: float, steps: int, info: dict[str, Any]) -> EpisodeRecord:
    stats = {k: float(v) for k, v in info.get(STATS_KEY, {}).items()}
    end = info.get(END_KEY, {})
    return EpisodeRecord(
        seed=seed,
        episode_return=float(total),
        steps=steps,
        stats=stats,
        end=str(end.get("end_reason", "")),
        how=str(end.get("how", "")),
        death_cause=str(end.get("death_cause", "")),
        metrics=episode_metrics(info),
    )


def play_episodes(
    policy: Policy,
    envs: Sequence[gym.Env],
    seeds: Sequence[int],
    greedy: bool | None = None,
    on_step: Callable[[int, int, Any, float], None] | None = None,
) -> list[EpisodeRecord]:
    """Play the games of ``seeds``, ``len(envs)`` at a time, to their end.

    Args:
        policy: The agent.
        envs: Envs from ``policy.make_env(...)`` (at least one; reused).
        seeds: One episode per seed, in order.
        greedy: Override the policy's greedy/sampled choice.
        on_step: Called after each step as ``on_step(slot, seed, action, reward)``
            (videos and terminal playback hook in here).

    Returns:
        One record per seed, in the order of ``seeds``.
    """
    records: dict[int, EpisodeRecord] = {}
    pending = list(enumerate(seeds))
    width = len(envs)
    while pending:
        wave, pending = pending[:width], pending[width:]
        for record_index, record in _play_wave(policy, envs, wave, greedy, on_step):
            records[record_index] = record
    return [records[i] for i in range(len(seeds))]


def _play_wave(
    policy: Policy,
    envs: Sequence[gym.Env],
    wave: list[tuple[int, int]],
    greedy: bool | None,
    on_step: Callable[[int, int, Any, float], None] | None,
) -> list[tuple[int, EpisodeRecord]]:
    observations = [reset_seeded(envs[slot], seed)[0] for slot, (_, seed) in enumerate(wave)]
    rngs = [np.random.default_rng(seed) for _, seed in wave]
    totals = [0.0] * len(wave)
    steps = [0] * len(wave)
    active = list(range(len(wave)))
    state: State | None = None
    done: list[tuple[int, EpisodeRecord]] = []
    while active:
        actions, state = policy.act_batch(
            [observations[i] for i in active], state, greedy=greedy, rngs=[rngs[i] for i in active]
        )
        still = []
        for row, slot in enumerate(active):
            index, seed = wave[slot]
            obs, reward, terminated, truncated, info = envs[slot].step(int(actions[row]))
            totals[slot] += float(reward)
            steps[slot] += 1
            observations[slot] = obs
            if on_step is not None:
                on_step(slot, seed, int(actions[row]), float(reward))
            if terminated or truncated:
                done.append((index, _record(seed, totals[slot], steps[slot], info)))
            else:
                still.append(row)
        if len(still) != len(active) and state:
            state = select_state(state, still)
        active = [active[row] for row in still]
    return done
