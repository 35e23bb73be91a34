"""Many seeded episodes at once: Ray workers, or this process.

The policy travels to each worker inside Ray's object store (module weights
included), so workers on other machines of a cluster (``cluster=remote``) need
no access to the checkpoint's files. Each worker keeps ``batch`` envs and plays
chunks of ``batch`` seeds in lockstep (one batched forward pass per step). The
chunks are fixed by the seed list, so which worker plays a chunk, and when,
does not change any episode: the same seeds give the same results.

Workers die: NLE can crash its process, and a node can disappear (preemption,
a spot instance) with the workers it held. The chunks a dead worker held go
back to the front of the queue (:class:`~.ledger.ChunkLedger`): the surviving
workers play them, and a new worker is started where Ray finds room (a node
that joins again). When no worker is left and none has started within
``worker_wait_s``, this process plays the rest. Only a chunk that failed
``max_tries`` times is left unplayed, and its seeds are named in the result.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from rllib_nethack.evaluation.episodes import play_episodes
from rllib_nethack.evaluation.ledger import ChunkLedger, RecordDict, seed_ranges
from rllib_nethack.policy import Policy
from rllib_nethack.results.episode import EpisodeRecord

#: Workers started in place of dead ones (or of ones that died starting), at most.
_MAX_REPLACEMENTS = 10
#: Default wait for a new worker once every worker is lost (a node gone), in seconds.
WORKER_WAIT_S = 60.0
#: Called with (episodes finished, env steps they took) as chunks come back.
ProgressCallback = Callable[[int, int], None]
#: Says one line on the console.
Say = Callable[[str], None]


@dataclasses.dataclass
class Evaluation:
    """What an evaluation played, and what it could not.

    Attributes:
        records: One per played seed, in the order of the seeds.
        unplayed_seeds: Seeds whose chunk failed ``max_tries`` times (empty normally).
        workers_lost: Ray workers that died while playing.
    """

    records: list[EpisodeRecord]
    unplayed_seeds: list[int]
    workers_lost: int = 0


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

    def play(self, seeds: list[int], greedy: bool | None) -> list[RecordDict]:
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
    say: Say = print,
    worker_wait_s: float = WORKER_WAIT_S,
) -> Evaluation:
    """Play one episode per seed; the records in the order of ``seeds``.

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
        say: Where the lines about lost workers go.
        worker_wait_s: Once every worker is lost, how long to wait for a new
            one before this process plays the remaining seeds.
    """
    options = dict(options or {})
    ledger = ChunkLedger.of(list(seeds), batch)
    lost = 0
    if workers > 0:
        policy = cpu_copy(policy)  # the device of every chunk, wherever it is played
        lost = _play_on_ray(
            policy, ledger, task, options, greedy, batch, workers, progress, say, worker_wait_s
        )
        if ledger.waiting:
            say(
                f"evaluation workers: none left; playing seeds "
                f"{seed_ranges(ledger.waiting_seeds())} in this process"
            )
    if ledger.waiting:
        _play_here(policy, ledger, task, options, greedy, progress)
    records = [EpisodeRecord(**r) for r in ledger.records()]
    return Evaluation(records, ledger.unplayed_seeds(), lost)


def _report(progress: ProgressCallback | None, records: list[RecordDict]) -> None:
    if progress is not None:
        progress(len(records), sum(int(r["steps"]) for r in records))


def _play_here(
    policy: Policy,
    ledger: ChunkLedger,
    task: str | None,
    options: dict[str, Any],
    greedy: bool | None,
    progress: ProgressCallback | None,
) -> None:
    """Play every waiting chunk of ``ledger`` in this process."""
    width = max(len(ledger.chunks[i]) for i in ledger.waiting)
    worker = EvalWorker(policy, task, options, width, threads=None)
    try:
        while (index := ledger.take()) is not None:
            records = worker.play(ledger.chunks[index], greedy)
            ledger.played(index, records)
            _report(progress, records)
    finally:
        worker.close()


def _play_on_ray(
    policy: Policy,
    ledger: ChunkLedger,
    task: str | None,
    options: dict[str, Any],
    greedy: bool | None,
    batch: int,
    workers: int,
    progress: ProgressCallback | None,
    say: Say,
    worker_wait_s: float,
) -> int:
    """Play the chunks of ``ledger`` on Ray actors until none is waiting, or no
    worker is left (the rest stays waiting); the number of workers lost."""
    import ray
    from ray.exceptions import ObjectLostError, RayActorError

    remote_worker = ray.remote(num_cpus=1)(EvalWorker)
    policy_ref = ray.put(policy)
    total = min(workers, len(ledger.chunks))
    created: list[Any] = []
    ready: dict[int, Any] = {}  # slot -> a started worker
    starting: dict[Any, tuple[int, Any]] = {}  # its readiness probe -> (slot, worker)
    in_flight: dict[Any, tuple[int, int]] = {}  # play ref -> (chunk index, slot)
    lost = replacements = 0
    alone_since: float | None = None

    def start(slot: int) -> None:
        # A worker gets chunks once it is up: one Ray cannot place (its node
        # gone, no room left) holds none back.
        actor: Any = remote_worker.remote(policy_ref, task, options, batch)  # type: ignore[attr-defined]
        created.append(actor)
        starting[actor.__ray_ready__.remote()] = (slot, actor)

    def fill() -> None:
        # Two chunks per worker in flight, so a worker never waits for the driver.
        for slot, actor in ready.items():
            held = sum(1 for _, s in in_flight.values() if s == slot)
            for _ in range(2 - held):
                index = ledger.take()
                if index is None:
                    return
                in_flight[actor.play.remote(ledger.chunks[index], greedy)] = (index, slot)

    def lose(slot: int) -> None:
        nonlocal lost
        held = [ref for ref, (_, s) in in_flight.items() if s == slot]
        seeds: list[int] = []
        for ref in reversed(held):  # back to the queue's front in their order
            index, _ = in_flight.pop(ref)
            seeds += ledger.chunks[index]
            ledger.failed(index)
        with contextlib.suppress(Exception):  # only unreachable, maybe: free its CPU
            ray.kill(ready.pop(slot))
        lost += 1
        again = f"; seeds {seed_ranges(seeds)} are played again elsewhere" if seeds else ""
        say(f"evaluation workers: {lost} lost so far, {len(ready)} of {total} up{again}")
        replace(slot)

    def replace(slot: int) -> None:
        nonlocal replacements
        replacements += 1
        if replacements <= _MAX_REPLACEMENTS:
            start(slot)

    for slot in range(total):
        start(slot)
    try:
        while ledger.waiting or in_flight:
            fill()
            if not ready and not starting:
                break  # no worker, and none coming
            timeout = None
            if not ready and lost:  # every worker lost: wait for a new one, not forever
                alone_since = alone_since or time.monotonic()
                timeout = max(0.0, alone_since + worker_wait_s - time.monotonic())
            else:
                alone_since = None
            done, _ = ray.wait([*in_flight, *starting], num_returns=1, timeout=timeout)
            if not done:
                break
            ref = done[0]
            if ref in starting:
                slot, actor = starting.pop(ref)
                try:
                    ray.get(ref)
                except RayActorError:  # died before it started (placed on a node dying)
                    replace(slot)
                    continue
                ready[slot] = actor
                continue
            index, slot = in_flight[ref]
            try:
                records = ray.get(ref)
            except RayActorError:
                lose(slot)
                continue
            except ObjectLostError:  # the result was on a node that is gone
                in_flight.pop(ref)
                ledger.failed(index)
                continue
            in_flight.pop(ref)
            ledger.played(index, records)
            _report(progress, records)
    finally:
        for actor in ready.values():
            with contextlib.suppress(Exception):  # a dead actor has nothing left to close
                ray.get(actor.close.remote(), timeout=30)
        for actor in created:
            with contextlib.suppress(Exception):
                ray.kill(actor)
    return lost
