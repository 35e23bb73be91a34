"""Typed, structured configs: the one source of the run config's defaults.

These dataclasses are stored in Hydra's ConfigStore (:mod:`.store`), so
composing type-checks every override (``stop.iterations=abc`` is an error
naming the key) and rejects unknown keys (``+stop.iteration=1``). What a type
cannot say (``stop.env_steps`` must be positive) :func:`check_run_config`
checks from each field's ``min`` / ``above`` metadata (:mod:`rllib_nethack.fields`),
before Ray starts.

``task``, ``model`` and ``algo`` are typed elsewhere: the task options by
:class:`rllib_nethack.envs.options.EnvOptions`, the model by its architecture's
settings dataclass, ``algo`` keys by the RLlib config class they set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rllib_nethack.fields import above, at_least, check_fields, one_of


@dataclass
class StopConfig:
    """Stop as soon as any condition holds (``None``: not used)."""

    #: Environment steps sampled in total (a resumed run's steps count).
    env_steps: int | None = field(default=None, metadata=at_least(1))
    #: Training iterations of this process.
    iterations: int | None = field(default=None, metadata=at_least(1))
    #: Wall-clock minutes of this process.
    minutes: float | None = field(default=None, metadata=above(0))
    #: Mean episode return over the smoothing window.
    mean_return: float | None = None


@dataclass
class ExperimentConfig:
    """Where a run writes, how it is seeded and how often it checkpoints."""

    name: str = "${task.name}-${model.name}-${algo.name}"
    #: A path relative to the directory the command runs in, a mounted shared
    #: volume, or a URI (``s3://bucket/runs``, ``gs://...``, ``file:///...``: any
    #: pyarrow/fsspec file system; see :mod:`rllib_nethack.runs.storage`).
    root_dir: str = "runs"
    run_dir: str = "${.root_dir}/${.name}/${now:%Y-%m-%d_%H-%M-%S}"
    seed: int | None = field(default=0, metadata=at_least(0))
    #: Iterations between checkpoints (0: only the final one, always written).
    checkpoint_every: int = field(default=10, metadata=at_least(0))
    #: Periodic checkpoints kept (0: all).
    keep_checkpoints: int = field(default=3, metadata=at_least(0))
    #: Event files in ``<run_dir>/tensorboard``.
    tensorboard: bool = True
    #: Learning curve PNG in ``<run_dir>/learning_curve.png``.
    plot: bool = True
    #: Iterations between evaluations (0: none): seeded games, TensorBoard ``evaluation/*``.
    eval_every: int = field(default=0, metadata=at_least(0))
    #: Games per evaluation (seeds 0..N-1, the same each time).
    eval_episodes: int = field(default=4, metadata=at_least(1))
    #: The first game as ``<run_dir>/videos/iter_<N>.gif``.
    eval_video: bool = True


@dataclass
class RLlibResourcesConfig:
    """RLlib's resource and fault-tolerance settings (attributes of ``AlgorithmConfig``)."""

    num_env_runners: int = field(default=2, metadata=at_least(0))
    num_envs_per_env_runner: int = field(default=16, metadata=at_least(1))
    num_cpus_per_env_runner: float = field(default=1, metadata=at_least(0))
    #: 0: the learner runs in the driver process.
    num_learners: int = field(default=0, metadata=at_least(0))
    num_gpus_per_learner: float = field(default=0, metadata=at_least(0))
    #: NLE can crash: restart the env runner and keep training.
    restart_failed_env_runners: bool = True
    max_num_env_runner_restarts: int = field(default=1000, metadata=at_least(0))
    sample_timeout_s: float = field(default=120, metadata=above(0))
    delay_between_env_runner_restarts_s: float = field(default=5, metadata=at_least(0))
    #: Before each training step RLlib pings every lost env runner and waits up
    #: to this long for it: while a node is gone, every iteration pays it (RLlib's
    #: 30 s would stall training). One that is slower is tried again next time.
    env_runner_health_probe_timeout_s: float = field(default=5, metadata=above(0))


@dataclass
class ClusterConfig:
    """Where Ray runs. The default (``cluster=local``) is an embedded instance on
    loopback only (GCS, object store, dashboard): nothing is reachable from other hosts."""

    #: None: start Ray here; ``auto`` / ``ray://host:10001``: join a cluster.
    address: str | None = None
    node_ip_address: str | None = "127.0.0.1"
    #: None: all cores.
    num_cpus: int | None = field(default=None, metadata=at_least(1))
    num_gpus: int | None = field(default=None, metadata=at_least(0))
    include_dashboard: bool = False
    dashboard_host: str = "127.0.0.1"
    #: Torch threads of the driver, where the learner runs when num_learners is 0.
    #: Env runners get one per CPU they hold (Ray sets OMP_NUM_THREADS); 1 leaves
    #: the other cores to sampling, faster end to end on 2 CPUs
    #: (benchmarks/RESULTS.md). None: torch's default.
    torch_threads: int | None = field(default=1, metadata=at_least(1))
    rllib: RLlibResourcesConfig = field(default_factory=RLlibResourcesConfig)


def remote_cluster() -> ClusterConfig:
    """``cluster=remote``: join the Ray cluster this job runs in (``ray job submit``,
    KubeRay's RayJob), its own network settings, more env runners."""
    return ClusterConfig(
        address="auto",
        node_ip_address=None,
        torch_threads=None,
        rllib=RLlibResourcesConfig(num_env_runners=8),
    )


def gpu_cluster() -> ClusterConfig:
    """``cluster=gpu``: learning on GPUs, sampling on CPUs. One learner in the
    driver on GPU 0; with ``cluster.rllib.num_learners=N``, N remote learner
    actors with a GPU each (RLlib splits every batch and all-reduces the
    gradients). Needs a CUDA build of torch; never needed by tests or CI."""
    return ClusterConfig(
        torch_threads=None,  # the learner no longer competes with the runners for a core
        rllib=RLlibResourcesConfig(num_learners=0, num_gpus_per_learner=1),
    )


@dataclass
class LearningConfig:
    """A task family's learning settings (``conf/family/*.yaml``).

    They are not ``algo`` keys themselves: each algorithm's YAML takes the ones
    that suit it (the actor-critic ones take all; MuZero only ``gamma``, its
    optimiser settings are its own), so neither the family nor the algorithm
    silently overrides the other. None until a task's family sets them.
    """

    lr: float | None = None
    gamma: float | None = None
    entropy_coeff: float | None = None
    grad_clip: float | None = None
    grad_clip_by: str | None = None
    #: Rewards clipped to [-x, x] for learning (never in the metrics); null: not clipped.
    clip_rewards: float | None = None


#: ``dataset.reader``'s values (:func:`rllib_nethack.algorithms.bc.source.reader_settings`).
READERS = ("auto", "local", "actor")


@dataclass
class DatasetConfig:
    """Demonstrations, for ``algo=bc`` and APPO/IMPALA/PPO's BC loss (``bc_coeff``):
    NetHack ttyrecs indexed by ``nle.dataset``.

    The filters select games by their xlogfile fields (None: any), as
    :class:`rllib_nethack.datasets.GameFilter` does.
    """

    #: The folder that holds NLE savedirs (each with ttyrecs and an xlogfile), as
    #: ``nle.dataset``'s ``add_nledata_directory`` takes it: a recording's ``out=``, NLD-AA.
    path: str | None = None
    #: The ``nle.dataset`` index (created, and ``path`` added to it, on first use).
    #: None: ``nld.db`` in ``path``.
    db: str | None = None
    #: The dataset's name in the index. None: the folder's name.
    name: str | None = None
    role: str | None = None
    race: str | None = None
    gender: str | None = None
    align: str | None = None
    #: The least final score (``points``).
    min_score: int | None = None
    #: The least game length in turns.
    min_turns: int | None = None
    #: ``death`` must contain this text (``ascended``, ``killed by``).
    death: str | None = None
    #: Games read side by side: the rows of each minibatch.
    batch_size: int = field(default=32, metadata=at_least(1))
    #: Frames per row and minibatch (the LSTM's training sequence).
    seq_len: int = field(default=32, metadata=at_least(2))
    #: Threads decompressing ttyrecs.
    threads: int = field(default=2, metadata=at_least(0))
    #: Where the games are read: ``local`` (the training process), ``actor`` (a Ray
    #: actor, one batch ahead; on a cluster, a node with a free CPU), ``auto``
    #: (``actor`` when the run joins a cluster, else ``local``). See
    #: :mod:`rllib_nethack.algorithms.bc.feed`.
    reader: str = field(default="auto", metadata=one_of(*READERS))
    #: APPO/IMPALA/PPO only: > 0 adds ``bc_coeff`` x the cross-entropy of the
    #: demonstrator's actions on a dataset minibatch (``batch_size`` x ``seq_len``)
    #: to every RL update (Dungeons & Data's supervised loss). 0: RL alone.
    bc_coeff: float = field(default=0.0, metadata=at_least(0))


#: ``dataset`` keys about the machine, not the run: a resumed run takes them from
#: its own command line, the rest of ``dataset`` from its checkpoint.
MACHINE_READING = ("reader", "threads")


@dataclass
class KickstartConfig:
    """Kickstarting (APPO/IMPALA/PPO): KL(teacher || student) on every online batch."""

    #: A checkpoint or run directory whose policy is the teacher (frozen); None: off.
    #: Its model must be the run's and its task have as many actions.
    teacher: str | None = None
    #: The KL term's coefficient at the start.
    coeff: float = field(default=1.0, metadata=at_least(0))
    #: Env steps over which the coefficient falls linearly to 0; None: it stays.
    decay_env_steps: int | None = field(default=None, metadata=at_least(1))


@dataclass
class RunConfig:
    """The whole run config (``conf/config.yaml`` composes onto this schema)."""

    task: Any = None
    model: Any = None
    algo: Any = None
    #: The ``explore`` group (intrinsic rewards), typed by its own schema:
    #: :mod:`rllib_nethack.algorithms.exploration.settings`.
    explore: Any = None
    learning: LearningConfig = field(default_factory=LearningConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    stop: StopConfig = field(default_factory=StopConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    kickstart: KickstartConfig = field(default_factory=KickstartConfig)
    #: A checkpoint directory, or a run directory (its latest checkpoint), to continue from.
    resume: str | None = None
    #: A checkpoint or run directory whose module weights start this run (any
    #: algorithm but MuZero; a BC policy fine-tuned by APPO): a fresh optimiser,
    #: counters from zero. The model and the number of actions must match.
    init_from: str | None = None
    #: Ray's and RLlib's log lines (start-up notes, worker output) on the console
    #: too; by default they go to ``<run_dir>/ray.log`` and only errors are shown.
    verbose: bool = False
    #: ``python -m rllib_nethack.tune`` only: the ``sweep`` group, checked by
    #: :mod:`rllib_nethack.sweeps.spec` before Ray starts.
    sweep: Any = None


#: Sections that take keys beyond their schema's: any RLlib ``AlgorithmConfig``
#: attribute may go under ``cluster.rllib`` (the translation checks each one
#: against RLlib's class).
OPEN_SECTIONS = frozenset({"cluster.rllib"})
#: Sections of the run config checked by :func:`check_run_config`, by key.
CHECKED_SECTIONS: dict[str, type] = {
    "stop": StopConfig,
    "experiment": ExperimentConfig,
    "cluster": ClusterConfig,
    "dataset": DatasetConfig,
    "kickstart": KickstartConfig,
}


def check_run_config(plain: Mapping[str, Any]) -> None:
    """Check ``stop``, ``experiment``, ``cluster`` and ``dataset`` in a composed config: ranges,
    and keys Hydra's ``+key=`` added that no schema field has (typos).

    Raises:
        ConfigError: naming the first bad key and what it accepts.
    """
    for key, schema in CHECKED_SECTIONS.items():
        node = plain.get(key)
        if isinstance(node, Mapping):
            check_fields(schema, node, name=f"{key}.{{}}", open_sections=OPEN_SECTIONS)
