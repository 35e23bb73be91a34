"""Many seeded episodes at once: Ray workers, or this process.

The policy travels to each worker inside Ray's object store (module weights
included), so workers on other machines of a cluster (``cluster=remote``) need
no access to the checkpoint's files. Each worker keeps ``batch`` envs and plays
chunks of ``batch`` seeds in lockstep (one batched forward pass per step). The
chunks are fixed by the seed list, so which worker plays a chunk, and when,
does not change any episode: the same seeds give the same results.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from rllib_nethack.errors import RllibNethackError
from rllib_nethack.evaluation.episodes import play_episodes
from rllib_nethack.policy import Policy
from rllib_nethack.results.episode import EpisodeRecord

#: Worker crashes tolerated in one evaluation before it gives up.
_MAX_CRASHES = 10
#: Called with (episodes finished, env steps they took) as chunks come back.
ProgressCallback = Callable[[int, int], None]


def chunked(seeds: Sequence[int], size: int) -> list[list[int]]:
    """``seeds`` cut into consecutive chunks of ``size`` (the last may be shorter)."""
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def cpu_copy(policy: Policy) -> Policy:
    """The policy with its module on the CPU (workers hold no GPU)."""
    if policy.device.type == "cpu":
        return policy
    module = copy.deepcopy(policy.module).to("cpu")
    return dataclasses.replace(policy, module=module, device=torch.device("cpu"))


class EvalWorker:
    """Plays chunks of seeds with its own envs (a Ray actor, or a plain object here)."""

    def __init__(
        self,
        policy: Policy,
        task: str | None,
        options: Mapping[str, Any],
        batch: int,
        threads: int | None = 1,
    ) -> None:
        if threads:
            torch.set_num_threads(threads)
        self.policy = policy
        self.envs = []
        try:
            for _ in range(batch):
                self.envs.append(policy.make_env(task, **options))
        except BaseException:
            self.close()
            raise

    def play(self, seeds: list[int], greedy: bool | None) -> list[dict[str, Any]]:
        """Records (as dicts) of the episodes of ``seeds``."""
        records = play_episodes(self.policy, self.envs[: len(seeds)], seeds, greedy)
        return [r.to_dict() for r in records]

    def close(self) -> None:
        """Close the envs (each holds a NetHack process state and a temp dir)."""
        for env in self.envs:
            env.close()
        self.envs = []


def evaluate_policy(
    policy: Policy,
    seeds: Sequence[int],
    task: str | None = None,
    options: Mapping[str, Any] | None = None,
    greedy: bool | None = None,
    batch: int = 4,
    workers: int = 0,
    progress: ProgressCallback | None = None,
) -> list[EpisodeRecord]:
    """Play one episode per seed and return the records in the order of ``seeds``.

    Args:
        policy: The agent (:func:`rllib_nethack.load_policy`).
        seeds: The episodes' seeds.
        task: Another task than the checkpoint's (checked for compatible observations).
        options: Env options on top of the checkpoint's (``max_episode_steps``, ``character``).
        greedy: Override the policy's greedy/sampled choice.
        batch: Envs per worker, stepped together.
        workers: Ray actors to spread the chunks over (Ray must be running);
            0 plays everything in this process (on the policy's device).
        progress: Told about each finished chunk.
    """
    options = dict(options or {})
    chunks = chunked(list(seeds), max(1, batch))
    if workers <= 0:
        worker = EvalWorker(policy, task, options, min(batch, len(seeds)), threads=None)
        try:
            results = []
            for chunk in chunks:
                done = worker.play(chunk, greedy)
                results.extend(done)
                if progress is not None:
                    progress(len(done), sum(int(r["steps"]) for r in done))
        finally:
            worker.close()
        return [EpisodeRecord(**r) for r in results]
    return _evaluate_on_ray(
        cpu_copy(policy), chunks, task, options, greedy, batch, workers, progress
    )


def _evaluate_on_ray(
    policy: Policy,
    chunks: list[list[int]],
    task: str | None,
    options: dict[str, Any],
    greedy: bool | None,
    batch: int,
    workers: int,
    progress: ProgressCallback | None,
) -> list[EpisodeRecord]:
    import ray
    from ray.exceptions import RayActorError

    remote_worker = ray.remote(num_cpus=1)(EvalWorker)
    policy_ref = ray.put(policy)

    def new_actor() -> Any:
        return remote_worker.remote(policy_ref, task, options, batch)  # type: ignore[attr-defined]

    actors: list[Any] = [new_actor() for _ in range(min(workers, len(chunks)))]
    results: dict[int, list[dict[str, Any]]] = {}
    in_flight: dict[Any, tuple[int, int]] = {}  # ref -> (chunk index, actor slot)
    queue = list(range(len(chunks)))
    crashes = 0

    def submit(slot: int) -> None:
        if queue:
            index = queue.pop(0)
            in_flight[actors[slot].play.remote(chunks[index], greedy)] = (index, slot)

    try:
        # Two chunks per actor in flight, so an actor never waits for the driver.
        for slot in list(range(len(actors))) * 2:
            submit(slot)
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            index, slot = in_flight.pop(ready[0])
            try:
                done = ray.get(ready[0])
            except RayActorError as err:
                # NLE can crash its process: replace the worker and play the chunk again.
                crashes += 1
                if crashes > _MAX_CRASHES:
                    raise RllibNethackError(
                        f"evaluation workers crashed {crashes} times; last: {err}"
                    ) from None
                queue.insert(0, index)
                if not any(s == slot for _, s in in_flight.values()):
                    actors[slot] = new_actor()
                    submit(slot)
                    submit(slot)
                continue
            results[index] = done
            if progress is not None:
                progress(len(done), sum(int(r["steps"]) for r in done))
            submit(slot)
    finally:
        for actor in actors:
            with contextlib.suppress(Exception):  # a dead actor has nothing left to close
                ray.get(actor.close.remote(), timeout=30)
            ray.kill(actor)
    return [EpisodeRecord(**r) for i in sorted(results) for r in results[i]]
