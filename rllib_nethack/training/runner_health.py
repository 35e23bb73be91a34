"""One line when env runners are lost (a node gone, an env crashed) or come back.

RLlib's fault tolerance (``restart_failed_env_runners``, on by default in
``cluster.rllib``) keeps training with the healthy env runners and has Ray
recreate a dead one, on any node with room for it: when a lost node (or
another) joins again, the runner is restored before the next training step.
All of that is silent on the driver's console; a run that trains at half its
sampling rate, or that got it back, should say so. The driver compares the
healthy count after each iteration with the one before.
"""

from __future__ import annotations

from dataclasses import dataclass

from ray.rllib.algorithms import Algorithm


@dataclass
class RunnerHealth:
    """The healthy remote env runners last seen, and the line a change is worth."""

    total: int
    healthy: int

    @classmethod
    def of(cls, algo: Algorithm) -> RunnerHealth | None:
        """The algorithm's env runners now; None when it has no remote ones."""
        group = algo.env_runner_group
        if group is None or group.num_remote_env_runners() == 0:
            return None
        return cls(group.num_remote_env_runners(), group.num_healthy_remote_env_runners())

    def update(self, healthy: int) -> str | None:
        """Record ``healthy`` runners; the line to print when it changed, else None."""
        before, self.healthy = self.healthy, healthy
        if healthy < before:
            lost = before - healthy
            return (
                f"env runners: lost {lost} of {self.total} ({healthy} healthy); "
                "training goes on, Ray restarts them where there is room"
            )
        if healthy > before:
            return f"env runners: {healthy - before} restored ({healthy} of {self.total} healthy)"
        return None

    def check(self, algo: Algorithm) -> str | None:
        """:meth:`update` with the algorithm's healthy count now."""
        group = algo.env_runner_group
        return None if group is None else self.update(group.num_healthy_remote_env_runners())
