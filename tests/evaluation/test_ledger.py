"""The bookkeeping of lost workers, without Ray: which seeds remain, what is given up,
and that results merge in seed order whatever order chunks come back in."""

from __future__ import annotations

from rllib_nethack.evaluation.ledger import ChunkLedger, chunked, seed_ranges


def record(seed: int) -> dict[str, int]:
    return {"seed": seed}


def play_all(ledger: ChunkLedger) -> None:
    while (index := ledger.take()) is not None:
        ledger.played(index, [record(s) for s in ledger.chunks[index]])


def test_chunks_cover_the_seeds_in_order() -> None:
    assert chunked([5, 6, 7, 8, 9], 2) == [[5, 6], [7, 8], [9]]
    assert ChunkLedger.of(range(3), 0).chunks == [[0], [1], [2]]  # batch < 1 means 1


def test_a_lost_chunk_is_played_first_again_and_merged_in_seed_order() -> None:
    ledger = ChunkLedger.of(list(range(8)), 2)
    first, second, third = ledger.take(), ledger.take(), ledger.take()
    assert (first, second, third) == (0, 1, 2)
    ledger.played(third, [record(4), record(5)])  # a later chunk back first
    # The worker holding chunks 0 and 1 dies: both go back, in their order, before chunk 3.
    assert ledger.failed(second) and ledger.failed(first)
    assert ledger.waiting_seeds() == [0, 1, 2, 3, 6, 7]
    assert ledger.unplayed_seeds() == [0, 1, 2, 3, 6, 7]
    assert [ledger.take(), ledger.take()] == [0, 1]
    assert ledger.take() == 3
    for index in (1, 3, 0):  # back in any order
        ledger.played(index, [record(s) for s in ledger.chunks[index]])
    assert [r["seed"] for r in ledger.records()] == list(range(8))
    assert ledger.unplayed_seeds() == []
    assert not ledger.waiting


def test_a_chunk_that_keeps_failing_is_given_up_and_named() -> None:
    ledger = ChunkLedger.of(list(range(6)), 2, max_tries=2)
    index = ledger.take()
    assert index == 0
    assert ledger.failed(index)  # first failure: queued again
    assert ledger.take() == 0
    assert not ledger.failed(0)  # second: given up, not queued
    assert ledger.given_up == {0}
    play_all(ledger)
    assert ledger.unplayed_seeds() == [0, 1]
    assert [r["seed"] for r in ledger.records()] == [2, 3, 4, 5]


def test_seed_ranges_are_short_and_sorted() -> None:
    assert seed_ranges([11, 0, 1, 2, 3, 8, 10]) == "0-3, 8, 10-11"
    assert seed_ranges([4]) == "4"
    assert seed_ranges([]) == ""
