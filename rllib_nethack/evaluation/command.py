"""``python -m rllib_nethack.evaluate``: the settings and the steps behind it.

Every check that can fail on user input (checkpoints, task, options, output
directories) runs before Ray starts, so a mistake costs a second and one line.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rllib_nethack.envs.catalog import get_task
from rllib_nethack.errors import ConfigError, RllibNethackError
from rllib_nethack.evaluation.ledger import seed_ranges
from rllib_nethack.evaluation.parallel import WORKER_WAIT_S, evaluate_policy
from rllib_nethack.evaluation.report import (
    EVAL_JSON,
    comparison_table,
    prepare_output,
    summarize,
    write_results,
)
from rllib_nethack.fields import at_least, check_instance, one_of
from rllib_nethack.policy import Policy, load_policy
from rllib_nethack.results.progress import ProgressBar
from rllib_nethack.results.writing import EPISODES_CSV

CLUSTERS = ("local", "remote")


@dataclass
class EvaluateSettings:
    """Settings of ``python -m rllib_nethack.evaluate``.

    Attributes:
        checkpoint: A checkpoint or run directory (its latest checkpoint), or a
            list [a, b, ...] to evaluate side by side on the same seeds.
        episodes: Episodes per checkpoint; seeds 0..episodes-1 unless seeds is given.
        seeds: [first, last]: one episode per seed in this inclusive range.
        task: Evaluate on another task than the checkpoint's (same observations needed).
        character: Play another character (role-race-alignment-gender).
        max_steps: Step cap per episode (the episode is truncated there).
        greedy: Most likely action (true) or sampled from the policy (false).
        workers: Ray workers (one CPU each); 0 plays in this process (no Ray).
        batch: Envs per worker, stepped together through one forward pass.
        cluster: local (start Ray here) or remote (join the Ray cluster this job runs in).
        worker_wait: Seconds to wait for a new worker once every worker is
            lost (their nodes gone) before this process plays the remaining seeds.
        device: Device of the model when workers=0 (cpu, cuda, auto).
        out: Output directory; each checkpoint writes eval.json and episodes.csv
            under out/LABEL/.
        overwrite: Replace existing eval.json / episodes.csv.
    """

    checkpoint: list[str]
    episodes: int | None = field(default=None, metadata=at_least(1))
    seeds: list[int] | None = field(default=None, metadata=at_least(0))
    task: str | None = None
    character: str | None = None
    max_steps: int | None = field(default=None, metadata=at_least(1))
    greedy: bool = True
    workers: int = field(default=2, metadata=at_least(0))
    batch: int = field(default=4, metadata=at_least(1))
    cluster: str = field(default="local", metadata=one_of(*CLUSTERS))
    worker_wait: float = field(default=WORKER_WAIT_S, metadata=at_least(0))
    device: str = "cpu"
    out: str = "eval"
    overwrite: bool = False


def seed_list(settings: EvaluateSettings) -> list[int]:
    """The seeds to play (one episode each), from ``episodes`` and/or ``seeds``."""
    if settings.seeds is not None:
        if len(settings.seeds) != 2 or settings.seeds[1] < settings.seeds[0]:
            raise ConfigError(
                f"seeds must be [first, last] with 0 <= first <= last, got {settings.seeds}"
            )
        first, last = settings.seeds
        if settings.episodes is not None and settings.episodes != last - first + 1:
            raise ConfigError(
                f"episodes={settings.episodes} disagrees with seeds={settings.seeds} "
                f"({last - first + 1} seeds); give one of them"
            )
        return list(range(first, last + 1))
    return list(range(1024 if settings.episodes is None else settings.episodes))


def checkpoint_label(policy: Policy, task: str | None) -> str:
    """A directory name for a checkpoint's results: experiment, run and iteration."""
    path = policy.checkpoint
    parts = [path.name]
    if path.parent.name == "checkpoints":
        run_dir = path.parent.parent
        parts = [run_dir.parent.name, run_dir.name, path.name]
    label = "-".join(p for p in parts if p)
    return f"{label}-on-{task}" if task is not None else label


def env_overrides(settings: EvaluateSettings) -> dict[str, Any]:
    """Env options the settings put on top of the checkpoint's."""
    options: dict[str, Any] = {}
    if settings.character is not None:
        options["character"] = settings.character
    if settings.max_steps is not None:
        options["max_episode_steps"] = settings.max_steps
    return options


def run_evaluation(
    settings: EvaluateSettings, out: TextIO = sys.stdout
) -> dict[str, dict[str, Any]]:
    """Evaluate every checkpoint of ``settings``; return label -> eval.json content."""
    settings = check_instance(settings)
    seeds = seed_list(settings)
    options = env_overrides(settings)
    device = settings.device if settings.workers == 0 else "cpu"
    targets: list[tuple[str, Policy, Path]] = []
    for path in settings.checkpoint:
        policy = load_policy(path, device=device, greedy=settings.greedy)
        policy.make_env(settings.task, **options).close()  # can the model play it?
        label = checkpoint_label(policy, settings.task)
        directory = Path(settings.out).expanduser() / label
        if any(directory == d for _, _, d in targets):
            raise ConfigError(f"checkpoint {path} is given twice")
        prepare_output(directory, settings.overwrite, (EVAL_JSON, EPISODES_CSV))
        targets.append((label, policy, directory))

    started = False
    if settings.workers > 0:
        started = _start_ray(settings)
    summaries: dict[str, dict[str, Any]] = {}
    try:
        for label, policy, directory in targets:
            bar = ProgressBar(len(seeds), label=label)
            clock = time.monotonic()
            evaluation = evaluate_policy(
                policy,
                seeds,
                task=settings.task,
                options=options,
                greedy=settings.greedy,
                batch=settings.batch,
                workers=settings.workers,
                progress=bar.update,
                say=lambda line: print(line, file=out),
                worker_wait_s=settings.worker_wait,
            )
            bar.close()
            records, unplayed = evaluation.records, evaluation.unplayed_seeds
            if not records:
                raise RllibNethackError(
                    f"{label}: no episode could be played (seeds {seed_ranges(unplayed)})"
                )
            seconds = time.monotonic() - clock
            meta = {
                "checkpoint": str(policy.checkpoint),
                "task": get_task(settings.task).name if settings.task else policy.task,
                "options": options,
                "seeds": [seeds[0], seeds[-1]],
                "greedy": settings.greedy,
                "workers_lost": evaluation.workers_lost,
            }
            summary = summarize(records, meta, unplayed)
            json_path, _ = write_results(directory, records, summary)
            steps = sum(r.steps or 0 for r in records)
            print(
                f"{label}: {len(records)} episodes, {steps:,} steps in {seconds:.1f} s "
                f"({len(records) / seconds:.2f} episodes/s, {steps / seconds:,.0f} steps/s) "
                f"-> {json_path}",
                file=out,
            )
            if unplayed:
                print(
                    f"{label}: {len(unplayed)} seeds not played: {seed_ranges(unplayed)} "
                    f"(their workers kept dying; eval.json unplayed_seeds)",
                    file=out,
                )
            summaries[label] = summary
    finally:
        if started:
            import ray

            ray.shutdown()
    print(comparison_table(summaries), file=out)
    return summaries


def _start_ray(settings: EvaluateSettings) -> bool:
    from rllib_nethack.config import compose_config
    from rllib_nethack.runs.ray_start import init_ray

    overrides = [f"cluster={settings.cluster}"]
    if settings.cluster == "local":
        overrides.append(f"cluster.num_cpus={settings.workers}")
    cluster = compose_config(overrides).cluster
    return init_ray(cluster)
