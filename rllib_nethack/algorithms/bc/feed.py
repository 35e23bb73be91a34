"""Where demonstration batches are read: in the training process, or by a Ray actor.

Decompressing ttyrecs and building the model's ``B x T`` batch costs CPU at the
learner's pace. ``dataset.reader=local`` does it in the process that trains
(the driver for ``algo=bc``, the learner for the BC loss beside APPO/IMPALA/PPO),
on ``dataset.threads`` threads. ``dataset.reader=actor`` hands it to a Ray actor
that reads the next batch while the learner trains on this one: on a cluster
(``cluster=remote``, where ``auto`` picks it) Ray places that actor on whichever
node has a free CPU, so the dataset is read on the cluster's nodes, not in the
driver. The actor is restarted if its node goes; a fresh reader starts every
lane on a new game (``reset`` on its first frames), so no lane's LSTM state
runs on into another game.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
import ray
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

from rllib_nethack.algorithms.bc.batches import TtyBatcher
from rllib_nethack.algorithms.bc.source import open_demonstrations
from rllib_nethack.errors import RllibNethackError

#: How often Ray restarts a reader actor that died (its node lost), and retries its call.
READER_RESTARTS = 3
#: How long the first batch may wait for the reader to be placed and start (an
#: autoscaling cluster may first have to add a node).
READER_START_S = 600.0


class DemoFeed(Protocol):
    """Successive training batches of one selection of demonstrations."""

    def next_batch(self) -> dict[str, Any]:
        """The next ``B x T`` batch as the model trains on it (numpy arrays)."""
        ...

    @property
    def unmapped_keys(self) -> int:
        """Keypresses read so far that no action of the task sends."""
        ...


def open_feed(settings: Mapping[str, Any], observation_space: gym.spaces.Dict) -> DemoFeed:
    """The prepared selection (:func:`~.source.prepare_dataset`) as a feed of batches."""
    if settings.get("reader") == "actor":
        return ActorFeed(settings, observation_space)
    return LocalFeed(settings, observation_space)


class LocalFeed:
    """Batches read and built in this process."""

    def __init__(self, settings: Mapping[str, Any], observation_space: gym.spaces.Dict) -> None:
        self._demonstrations = open_demonstrations(settings)
        self._batches = iter(self._demonstrations)  # rows go on for ever: never exhausted
        self._batcher = TtyBatcher(observation_space)

    def next_batch(self) -> dict[str, Any]:
        return self._batcher(next(self._batches))

    @property
    def unmapped_keys(self) -> int:
        keymap = self._demonstrations.keymap
        return sum(keymap.unmapped.values()) if keymap is not None else 0


class _Reader:
    """The actor's body: a :class:`LocalFeed` on whichever node Ray chose."""

    def __init__(self, settings: Mapping[str, Any], observation_space: gym.spaces.Dict) -> None:
        # nle.dataset shuffles with numpy's global RNG, which RLlib seeds in the
        # learner (``experiment.seed``); an actor's must be seeded here. A restarted
        # reader is left unseeded: seeded again it would replay the run's first games.
        restarted = ray.get_runtime_context().was_current_actor_reconstructed
        if settings.get("seed") is not None and not restarted:
            np.random.seed(int(settings["seed"]))
        self._feed = LocalFeed(settings, observation_space)

    def next(self) -> tuple[dict[str, Any], int]:
        return self._feed.next_batch(), self._feed.unmapped_keys


#: Terminal colour codes in Ray's messages, and a traceback's ``pkg.SomeError: text`` line.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
EXCEPTION_LINE = re.compile(r"^(?:\w+\.)*(\w*(?:Error|Exception)): (.+)$")


class ReaderError(RllibNethackError):
    """The reader actor could not read the games (a path its node does not see, ...)."""


class ActorFeed:
    """Batches read by a Ray actor, one batch ahead of the learner."""

    def __init__(self, settings: Mapping[str, Any], observation_space: gym.spaces.Dict) -> None:
        self._cpus = float(settings.get("reader_cpus", 1))
        reader: Any = ray.remote(
            num_cpus=self._cpus,
            max_restarts=READER_RESTARTS,
            max_task_retries=READER_RESTARTS,
            # Not in a Tune trial's placement group, which holds no CPU for it.
            scheduling_strategy=PlacementGroupSchedulingStrategy(placement_group=None),  # type: ignore[arg-type]
        )(_Reader)
        self._actor: Any = reader.remote(dict(settings), observation_space)
        self._pending = self._actor.next.remote()
        self._started = False
        # The reader's own count starts again at 0 when Ray restarts it.
        self._counted, self._last_count = 0, 0

    def next_batch(self) -> dict[str, Any]:
        if not self._started:
            ready, _ = ray.wait([self._pending], timeout=READER_START_S)
            if not ready:
                raise ReaderError(
                    f"dataset.reader=actor: the reader did not start in {READER_START_S:.0f} s "
                    f"(no node with {self._cpus:g} free CPU for it?); dataset.reader=local reads "
                    "in the learner"
                )
        try:
            batch, count = ray.get(self._pending)
        except ray.exceptions.RayError as err:
            raise ReaderError(f"dataset.reader=actor: the reader failed: {_cause(err)}") from None
        self._started = True
        if count < self._last_count:
            self._counted += self._last_count
        self._last_count = count
        self._pending = self._actor.next.remote()
        return _writable(batch)

    @property
    def unmapped_keys(self) -> int:
        return self._counted + self._last_count


def _cause(err: Exception) -> str:
    """The last ``SomeError: message`` line of what Ray reports (the reader's own
    exception, at the end of the remote traceback), else its first line."""
    lines = [ANSI.sub("", line).strip() for line in str(err).splitlines()]
    for line in reversed(lines):
        raised = EXCEPTION_LINE.match(line)
        if raised:
            kind, message = raised.groups()
            return message if kind in ("ConfigError", "RllibNethackError") else f"{kind}: {message}"
    return next((line for line in lines if line), type(err).__name__)


def _writable(tree: Any) -> Any:
    """``tree`` with each array writable: the object store hands out read-only
    views, and torch warns on (and must not write into) those."""
    if isinstance(tree, dict):
        return {k: _writable(v) for k, v in tree.items()}
    if isinstance(tree, np.ndarray) and not tree.flags.writeable:
        return tree.copy()
    return tree
