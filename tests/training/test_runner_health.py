"""The driver's line when env runners are lost or restored (a change, once)."""

from __future__ import annotations

from rllib_nethack.training.runner_health import RunnerHealth


def test_a_loss_and_a_restore_are_each_one_line() -> None:
    health = RunnerHealth(total=4, healthy=4)
    assert health.update(4) is None
    lost = health.update(1)
    assert lost is not None and lost.startswith("env runners: lost 3 of 4 (1 healthy)")
    assert health.update(1) is None  # still down: no repeat
    assert health.update(3) == "env runners: 2 restored (3 of 4 healthy)"
    assert health.update(4) == "env runners: 1 restored (4 of 4 healthy)"
    assert health.healthy == 4
