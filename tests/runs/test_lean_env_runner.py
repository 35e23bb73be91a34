"""The env runner that keeps totals of returned episode chunks, not the chunks."""

from __future__ import annotations

from typing import Any

from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

from rllib_nethack.config import compose_config
from rllib_nethack.config.translate import build_algorithm_config
from rllib_nethack.runs.lean_env_runner import ChunkTotals, LeanEnvRunner

EPISODE_KEYS = ("episode_len_mean", "episode_return_mean", "num_episodes")


def sampled(runner_cls: type, calls: int) -> tuple[Any, dict[str, Any]]:
    """``calls`` rollout fragments of 16 steps on Room-5x5 (episodes of up to 40 steps,
    so most are cut several times), in this process, seeded; the runner and its metrics."""
    cfg = compose_config(
        ["+task=room5x5", "debug=smoke", "task.options.max_episode_steps=40", "experiment.seed=3"]
    )
    config = build_algorithm_config(cfg)
    runner = runner_cls(config=config)
    for _ in range(calls):
        runner.sample(num_timesteps=16)
    metrics = runner.get_metrics()
    return runner, {k: metrics[k] for k in EPISODE_KEYS if k in metrics}


def test_runs_use_it() -> None:
    config = build_algorithm_config(compose_config(["+task=room5x5"]))
    assert config.env_runner_cls is LeanEnvRunner


def test_it_keeps_totals_only_and_reports_what_rllibs_runner_reports() -> None:
    lean, lean_metrics = sampled(LeanEnvRunner, 12)
    plain, plain_metrics = sampled(SingleAgentEnvRunner, 12)
    try:
        kept = [c for chunks in lean._ongoing_episodes_for_metrics.values() for c in chunks]
        assert kept and all(isinstance(c, ChunkTotals) for c in kept)  # episodes were cut
        held = [c for chunks in plain._ongoing_episodes_for_metrics.values() for c in chunks]
        assert held and not any(isinstance(c, ChunkTotals) for c in held)  # RLlib's keeps chunks
        assert lean_metrics["num_episodes"] > 0
        assert lean_metrics == plain_metrics  # the same seeded games, the same figures
    finally:
        lean.stop()
        plain.stop()
