"""APPO's learner queue sleeps until a batch arrives instead of polling."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from ray.rllib.algorithms.appo.utils import CircularBuffer

from rllib_nethack.algorithms.actor_critic.learner_queue import (
    BlockingCircularBuffer,
    block_instead_of_polling,
)


class _Holder:
    """Stands in for a learner: only the attribute the function reads."""

    def __init__(self, buffer: Any) -> None:
        self._learner_thread_in_queue = buffer


def converted(num_batches: int = 4, iterations_per_batch: int = 1) -> CircularBuffer:
    buffer = CircularBuffer(num_batches=num_batches, iterations_per_batch=iterations_per_batch)
    block_instead_of_polling(_Holder(buffer))
    return buffer


def wait_for_one(buffer: CircularBuffer, wait_s: float) -> tuple[Any, int]:
    """A consumer blocked in ``get`` while a batch arrives ``wait_s`` later: the
    batch it got, and how often the empty buffer's size was asked meanwhile."""
    checks = 0
    size = buffer.qsize

    def counted() -> int:
        nonlocal checks
        checks += 1
        return size()

    buffer.qsize = counted  # type: ignore[method-assign]  # len(buffer) calls it
    got: list[Any] = []
    consumer = threading.Thread(target=lambda: got.append(buffer.get()))
    consumer.start()
    time.sleep(wait_s)
    buffer.put("batch")
    consumer.join(timeout=10)
    assert not consumer.is_alive()
    return got[0], checks


def test_a_waiting_get_sleeps_and_wakes_on_put() -> None:
    batch, checks = wait_for_one(converted(), 0.3)
    assert batch == "batch"
    assert checks <= 2  # RLlib's loop asks every 0.1 ms: thousands of times


def test_rllibs_own_buffer_polls_which_is_what_this_fixes() -> None:
    _, checks = wait_for_one(CircularBuffer(num_batches=4, iterations_per_batch=1), 0.3)
    assert checks > 100


class _Batch(str):
    """A named batch; RLlib's buffer counts the env steps of one it drops."""

    def env_steps(self) -> int:
        return 1


def test_rllibs_sampling_is_kept() -> None:
    buffer = converted(num_batches=2, iterations_per_batch=2)
    assert type(buffer) is BlockingCircularBuffer
    dropped = [buffer.put(_Batch(name)) for name in "abc"]
    assert dropped == [0, 0, 1]  # "a", never read, is pushed out when "c" arrives
    got = sorted(buffer.get() for _ in range(4))
    assert got == ["b", "b", "c", "c"]
    assert len(buffer) == 0


def test_other_queues_are_left_alone() -> None:
    holder = _Holder(object())
    block_instead_of_polling(holder)
    assert type(holder._learner_thread_in_queue) is object


@pytest.mark.slow  # builds an RLlib learner
def test_our_appo_learner_thread_reads_the_blocking_buffer() -> None:
    import gymnasium as gym
    from ray.rllib.algorithms.appo import APPOConfig

    from rllib_nethack.algorithms.actor_critic.learners import NetHackAPPOTorchLearner

    config = APPOConfig().environment("CartPole-v1").learners(learner_class=NetHackAPPOTorchLearner)
    learner = config.build_learner(env=gym.make("CartPole-v1"))  # its thread is a daemon
    queue = learner._learner_thread_in_queue
    assert type(queue) is BlockingCircularBuffer
    assert learner._learner_thread._in_queue is queue
