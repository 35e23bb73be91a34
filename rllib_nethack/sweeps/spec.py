"""From the composed ``sweep`` config to Tune's search space, scheduler and metric.

A sweep is the run config plus ``sweep``: a scheduler, a search space over
config keys, a metric and the number of trials. Everything here is pure and
starts no Ray, so every mistake (an unknown search key, a metric no result
reports, a scheduler setting of the wrong type) is one line before Ray starts.

Each trial's config is the run config with the trial's values written at
their keys (:func:`trial_config`), translated by the same
:func:`~rllib_nethack.config.translate.build_algorithm_config` that ``run``
uses: a sweep trains exactly what a single run trains.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.config.plan import plain_config
from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.metrics.callbacks import HOW_DONE, METRICS_KEY

#: Search-space kinds: name -> (number of values, or None for a list, Tune constructor name).
DISTRIBUTIONS: dict[str, int | None] = {
    "grid": None,
    "choice": None,
    "uniform": 2,
    "loguniform": 2,
    "randint": 2,
}
#: Scheduler name -> its settings and their types (Tune's keyword arguments).
SCHEDULER_SETTINGS: dict[str, dict[str, tuple[type, ...]]] = {
    "fifo": {},
    "asha": {"grace_period": (int,), "reduction_factor": (int, float), "max_t": (int,)},
    "pbt": {
        "perturbation_interval": (int,),
        "burn_in_period": (int,),
        "quantile_fraction": (float,),
        "resample_probability": (float,),
        "synch": (bool,),
    },
}
#: Time unit of every scheduler: the trial's training iterations.
TIME_ATTR = "training_iteration"
MODES = ("max", "min")


# ---------------------------------------------------------------- result keys
# Where RLlib and our callback put the numbers a sweep reads (one place to
# repoint when the result keys move).
ENV_RUNNERS = "env_runners"


def reported_metrics() -> tuple[str, ...]:
    """Every metric a trial's result carries once episodes have ended, as ``/`` paths."""
    runner = [f"{ENV_RUNNERS}/episode_{s}_{r}" for s in ("return", "len") for r in (*MODES, "mean")]
    nethack = [
        f"{ENV_RUNNERS}/{METRICS_KEY}/{n}_{r}" for n in STAT_NAMES for r in ("mean", "min", "max")
    ]
    nethack += [f"{ENV_RUNNERS}/{METRICS_KEY}/end_{n}_rate" for n in END_REASONS]
    nethack += [f"{ENV_RUNNERS}/{METRICS_KEY}/death_{n}_rate" for n in HOW_DONE]
    return (*runner, *nethack)


def resolve_metric(name: str) -> str:
    """The full result path of metric ``name``: a full path, or a unique end of one
    (``score_mean`` -> ``env_runners/nethack/score_mean``).

    Raises:
        ConfigError: no reported metric has that name (closest names given).
    """
    known = reported_metrics()
    if name in known:
        return name
    ends = [k for k in known if k.endswith("/" + name)]
    if len(ends) == 1:
        return ends[0]
    raise ConfigError(
        f"sweep.metric {name!r} is not a metric the trials report"
        f"{suggestion(name, [*known, *(k.rsplit('/', 1)[-1] for k in known)])}"
    )


def result_value(result: Mapping[str, Any], path: str) -> float:
    """The number at ``/`` path ``path`` of a (nested) result, NaN if absent."""
    node: Any = result
    for part in path.split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return math.nan
        node = node[part]
    try:
        return float(node)
    except (TypeError, ValueError):
        return math.nan


# ---------------------------------------------------------------- search space
@dataclass(frozen=True)
class Dimension:
    """One searched config key: ``algo.lr`` with ``{loguniform: [1e-4, 1e-3]}``."""

    key: str
    kind: str
    values: tuple[Any, ...]

    def example(self) -> Any:
        """A value inside this dimension (to translate a config before Ray starts)."""
        return self.values[0]

    def tune_domain(self) -> Any:
        """The Tune search-space object for this dimension."""
        from ray import tune

        factories: dict[str, Callable[..., Any]] = {
            "grid": lambda *v: tune.grid_search(list(v)),
            "choice": lambda *v: tune.choice(list(v)),
            "uniform": tune.uniform,
            "loguniform": tune.loguniform,
            "randint": tune.randint,
        }
        return factories[self.kind](*self.values)

    def mutation(self) -> Any:
        """What PBT resamples from (a list for grid/choice, the distribution otherwise)."""
        return list(self.values) if self.kind in ("grid", "choice") else self.tune_domain()


def _leaves(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}{key}"
        is_spec = (
            isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in DISTRIBUTIONS
        )
        if isinstance(value, Mapping) and value and not is_spec:
            yield from _leaves(value, path + ".")
        else:
            yield path, value


_MISSING = object()


def parse_search(search: Mapping[str, Any], run_cfg: DictConfig) -> tuple[Dimension, ...]:
    """The search space's dimensions, each checked against the run config.

    Raises:
        ConfigError: a key that is not a config key, or a malformed spec.
    """
    dims = []
    for key, spec in _leaves(search):
        root = key.split(".", 1)[0]
        if (
            root in ("sweep", "hydra", "resume")
            or OmegaConf.select(run_cfg, key, default=_MISSING) is _MISSING
        ):
            known = [
                k
                for k, _ in _leaves(plain_config(run_cfg, resolve=False))
                if not k.startswith("sweep.")
            ]
            raise ConfigError(f"sweep.search.{key} is not a config key{suggestion(key, known)}")
        if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in DISTRIBUTIONS:
            raise ConfigError(
                f"sweep.search.{key} must be {{KIND: [...]}} with KIND one of "
                f"{', '.join(DISTRIBUTIONS)}; got {spec!r}"
            )
        kind, values = next(iter(spec.items()))
        size = DISTRIBUTIONS[kind]
        if (
            not isinstance(values, list | tuple)
            or not values
            or (size is not None and len(values) != size)
        ):
            what = "[low, high]" if size == 2 else "a non-empty list"
            raise ConfigError(f"sweep.search.{key}.{kind} must be {what}, got {values!r}")
        if size == 2:
            low, high = values
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            if not numeric or not low < high or (kind == "loguniform" and low <= 0):
                raise ConfigError(
                    f"sweep.search.{key}.{kind} needs numbers low < high, got {values!r}"
                )
            if kind == "randint" and not all(isinstance(v, int) for v in values):
                raise ConfigError(f"sweep.search.{key}.randint needs integers, got {values!r}")
        dims.append(Dimension(key, kind, tuple(values)))
    if not dims:
        raise ConfigError("sweep.search is empty: give at least one config key to search over")
    return tuple(dims)


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"algo.lr": x}`` -> ``{"algo": {"lr": x}}`` (Tune's param space mirrors the config)."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The inverse of :func:`nested`: a trial's config as ``{"algo.lr": x}`` overrides."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def trial_config(run_cfg: DictConfig | Mapping[str, Any], values: Mapping[str, Any]) -> DictConfig:
    """The run config with a trial's values (nested, as Tune passes them) at their keys."""
    cfg = OmegaConf.create(plain_config(run_cfg, resolve=False))
    for key, value in flat(values).items():
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


# ---------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class SweepSpec:
    """A checked ``sweep`` config."""

    scheduler: str
    scheduler_settings: dict[str, Any]
    dimensions: tuple[Dimension, ...]
    metric: str
    mode: str
    num_samples: int
    max_concurrent: int | None

    def param_space(self) -> dict[str, Any]:
        """Tune's ``param_space``: the searched keys, nested like the config."""
        return nested({d.key: d.tune_domain() for d in self.dimensions})

    def num_trials(self) -> int:
        """Trials Tune starts: ``num_samples`` times every grid point."""
        points = math.prod(len(d.values) for d in self.dimensions if d.kind == "grid")
        return self.num_samples * points

    def checkpoint_every(self, run_every: int) -> int:
        """Iterations between trial checkpoints: PBT needs one at each perturbation."""
        if self.scheduler == "pbt":
            return int(self.scheduler_settings.get("perturbation_interval", 1))
        return max(0, run_every)

    def build_scheduler(self) -> Any:
        """Tune's scheduler object (imports Ray Tune; starts nothing)."""
        from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, PopulationBasedTraining

        settings = dict(self.scheduler_settings)
        if self.scheduler == "asha":
            return ASHAScheduler(time_attr=TIME_ATTR, **settings)
        if self.scheduler == "pbt":
            return PopulationBasedTraining(
                time_attr=TIME_ATTR,
                hyperparam_mutations=nested({d.key: d.mutation() for d in self.dimensions}),
                # Until a long game ends the metric is NaN; PBT ranks only trials
                # with a score, and never fails on a result without one.
                require_attrs=False,
                **settings,
            )
        return FIFOScheduler()

    def example_values(self) -> dict[str, Any]:
        """One value of every dimension, nested (to translate a config before Ray starts)."""
        return nested({d.key: d.example() for d in self.dimensions})


def _check_type(where: str, value: Any, types: tuple[type, ...]) -> Any:
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        names = " or ".join(t.__name__ for t in types)
        raise ConfigError(f"{where} must be {names}, got {value!r}")
    return value


def _positive_int(where: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where} must be a positive integer{' or null' if allow_none else ''}, got {value!r}"
        )
    return value


def parse_sweep(cfg: DictConfig) -> SweepSpec:
    """Check the composed config's ``sweep`` section against the run config.

    Raises:
        ConfigError: the first problem, naming its key.
    """
    if "sweep" not in cfg or cfg.sweep is None:
        raise ConfigError("no sweep: add sweep=NAME (asha, pbt, grid, random or your own)")
    sweep = plain_config(cfg.sweep, resolve=False)
    known = ("scheduler", "search", "metric", "mode", "num_samples", "max_concurrent")
    for key in sweep:
        if key not in known:
            raise ConfigError(f"sweep.{key} is not a sweep setting{suggestion(key, known)}")
    scheduler = dict(sweep.get("scheduler") or {"name": "fifo"})
    name = str(scheduler.pop("name", "fifo"))
    if name not in SCHEDULER_SETTINGS:
        raise ConfigError(
            f"unknown sweep.scheduler.name {name!r}{suggestion(name, SCHEDULER_SETTINGS)} "
            f"(schedulers: {', '.join(SCHEDULER_SETTINGS)})"
        )
    allowed = SCHEDULER_SETTINGS[name]
    settings = {}
    for key, value in scheduler.items():
        if key not in allowed:
            raise ConfigError(
                f"sweep.scheduler.{key} is not a setting of the {name} scheduler"
                f"{suggestion(key, allowed)} (settings: {', '.join(allowed) or 'none'})"
            )
        if value is not None:
            settings[key] = _check_type(f"sweep.scheduler.{key}", value, allowed[key])
    for key in ("grace_period", "max_t", "perturbation_interval"):
        if key in settings:
            _positive_int(f"sweep.scheduler.{key}", settings[key])
    for key in ("quantile_fraction", "resample_probability"):
        if key in settings and not 0 <= settings[key] <= (0.5 if key == "quantile_fraction" else 1):
            raise ConfigError(f"sweep.scheduler.{key} is out of range: {settings[key]!r}")
    mode = sweep.get("mode", "max")
    if mode not in MODES:
        raise ConfigError(f"sweep.mode must be max or min, got {mode!r}")
    dims = parse_search(sweep.get("search") or {}, cfg)
    if name == "pbt" and any(d.kind == "grid" for d in dims):
        raise ConfigError("sweep.search: pbt mutates its keys; use choice, not grid")
    return SweepSpec(
        scheduler=name,
        scheduler_settings=settings,
        dimensions=dims,
        metric=resolve_metric(str(sweep.get("metric") or "episode_return_mean")),
        mode=str(mode),
        num_samples=int(_positive_int("sweep.num_samples", sweep.get("num_samples", 1)) or 1),
        max_concurrent=_positive_int(
            "sweep.max_concurrent", sweep.get("max_concurrent"), allow_none=True
        ),
    )
