"""The ``explore`` config group: which intrinsic reward, and its settings.

One dataclass per bonus is the group's typed schema (stored in Hydra's
ConfigStore as ``explore_schema/<name>``; ``conf/explore/<name>.yaml`` selects
it), so ``explore.coeff=abc`` or ``+explore.ridg=1`` fails at composition. What
a type cannot say (a coefficient must be positive, E3B needs a recurrent model)
:func:`explore_settings` checks before Ray starts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.algorithms.registry import ALGORITHMS
from rllib_nethack.envs.options import COUNT_ON
from rllib_nethack.errors import ConfigError, suggestion


@dataclass
class NoExploreConfig:
    """``explore=none``: extrinsic rewards only."""

    name: str = "none"


@dataclass
class FamilyExploreConfig:
    """``explore=auto`` (the default): the task family's bonus, :data:`FAMILY_BONUS`,
    with its default settings, for the algorithms that take bonuses; none for the others."""

    name: str = "auto"


@dataclass
class BonusConfig:
    """What every bonus has: where its return is valued."""

    #: A second value head for the intrinsic return, discounted with this
    #: (MiniHack's ``int.twoheaded`` and ``int.discounting``); null: the bonus
    #: joins the rewards and the algorithm's ``gamma`` discounts it.
    intrinsic_gamma: float | None = None


@dataclass
class CountConfig(BonusConfig):
    """``explore=count``: episodic count bonus ``coeff / sqrt(N(s))``."""

    name: str = "count"
    #: Weight of the bonus in the rewards the learner trains on; null:
    #: :func:`count_coeff` of the task's step limit. An episode's bonus then
    #: stays below MiniHack's success reward (+1), so the bonus steers the walk
    #: to new cells without making it pay to wander instead of finishing (at a
    #: fixed 0.01, Eat-v0's and Room-Monster-15x15's policies wandered to their
    #: 250- and 300-step cuts: benchmarks/RESULTS.md, "MiniHack suite").
    coeff: float | None = None
    #: ``position`` (the hero's dungeon, level, x, y) or ``glyphs`` (the map).
    on: str = "position"
    #: Divide bonuses by their running standard deviation before weighting.
    normalise: bool = False


@dataclass
class E3BConfig(BonusConfig):
    """``explore=e3b``: elliptical episodic bonus (Henaff et al. 2022; their MiniHack defaults)."""

    name: str = "e3b"
    #: Weight of the (normalised) bonus in the rewards the learner trains on.
    coeff: float = 1.0
    #: ``lambda``: each episode's covariance starts at ``lambda * I``.
    ridge: float = 0.1
    #: Width of the inverse-dynamics embedding ``phi``.
    embedding_dim: int = 256
    #: Weight of the inverse-dynamics loss next to the actor-critic loss.
    inverse_loss_coeff: float = 1.0
    #: Divide bonuses by their running standard deviation (E3B's ``reward_norm=int``).
    normalise: bool = True


@dataclass
class RNDConfig(BonusConfig):
    """``explore=rnd``: random network distillation (Burda et al. 2018; MiniHack's defaults)."""

    name: str = "rnd"
    #: Weight of the normalised bonus in the rewards (MiniHack's ``int.intrinsic_weight``).
    coeff: float = 0.1
    #: Width of the target's and the predictor's output (MiniHack's ``hidden_dim``).
    embedding_dim: int = 256
    #: Weight of the predictor's loss next to the actor-critic loss (MiniHack's
    #: ``rnd.forward_cost``): small, so the predictor forgets novelty slowly.
    loss_coeff: float = 0.01
    #: Divide bonuses by their running standard deviation (MiniHack's ``int.normalize_reward``).
    normalise: bool = True
    intrinsic_gamma: float | None = 0.99  #: MiniHack's ``int.discounting``


@dataclass
class RIDEConfig(BonusConfig):
    """``explore=ride``: impact-driven bonus (Raileanu & Rocktäschel 2020; MiniHack's defaults)."""

    name: str = "ride"
    #: Weight of the normalised bonus in the rewards (MiniHack's ``int.intrinsic_weight``).
    coeff: float = 0.1
    #: What the episodic count ``N(s)`` the bonus is divided by counts, as
    #: ``explore=count``'s: ``position`` (MiniHack's ``state_counter=coordinates``)
    #: or ``glyphs``.
    on: str = "position"
    #: Width of the embedding ``phi`` (MiniHack's ``hidden_dim``).
    embedding_dim: int = 256
    #: Hidden width of the inverse and forward models (MiniHack's ``ride.hidden_dim``).
    hidden_dim: int = 128
    #: Weight of the forward-dynamics loss (MiniHack's ``ride.forward_cost``).
    forward_loss_coeff: float = 1.0
    #: Weight of the inverse-dynamics loss (MiniHack's ``ride.inverse_cost``).
    inverse_loss_coeff: float = 0.1
    #: Divide bonuses by their running standard deviation (MiniHack's ``int.normalize_reward``).
    normalise: bool = True
    intrinsic_gamma: float | None = 0.99  #: MiniHack's ``int.discounting``


#: The largest default count coefficient: a first visit is worth at most a
#: hundredth of MiniHack's success reward (Room-5x5's step limit is 100).
COUNT_COEFF_CAP = 0.01


def count_coeff(step_limit: int) -> float:
    """``explore=count``'s default weight: ``1 / step_limit``, at most :data:`COUNT_COEFF_CAP`.

    Each step's bonus ``1 / sqrt(N)`` is at most 1, so an episode's weighted
    bonus is at most 1, the goal's reward, however long it wanders. On
    NetHack's long games this is close to nothing: set ``explore.coeff`` there.
    """
    if step_limit < 1:
        raise ValueError(f"a step limit is a positive number of steps, got {step_limit}")
    return min(COUNT_COEFF_CAP, 1.0 / step_limit)


#: The bonus ``explore=auto`` gives each task family's algorithms that take
#: one (APPO, IMPALA, PPO). On MiniHack the count bonus, at its default weight,
#: reached the targets of four of issue 24's five levels (Room-Monster-15x15,
#: KeyRoom-S5, Eat-v0, River-Narrow; plain APPO learned neither of the two it
#: was run on), and Room-5x5 passes 0.9 within 100k env steps as without it
#: (benchmarks/RESULTS.md, "MiniHack suite"). NetHack's games have
#: none: their step limits make the count weight about nothing, and no bonus
#: was measured there.
FAMILY_BONUS: dict[str, str] = {"minihack": "count", "nethack": "none"}


#: Bonus name -> its schema.
BONUSES: dict[str, type] = {
    "auto": FamilyExploreConfig,
    "none": NoExploreConfig,
    "count": CountConfig,
    "e3b": E3BConfig,
    "ride": RIDEConfig,
    "rnd": RNDConfig,
}


#: Settings that must be positive numbers, and those that may also be 0 (a loss switched off).
POSITIVE = ("coeff", "ridge", "embedding_dim", "hidden_dim", "loss_coeff")
AT_LEAST_ZERO = ("inverse_loss_coeff", "forward_loss_coeff")


def explore_settings(plain: Mapping[str, Any]) -> Any:
    """The checked settings of ``plain["explore"]`` (a :data:`BONUSES` dataclass).

    Raises:
        ConfigError: an unknown bonus or setting, a coefficient that is not a
            positive number, an algorithm without intrinsic rewards, or E3B or
            RIDE on a model without an LSTM.
    """
    node = resolved_explore(plain)
    name = str(node.get("name"))
    if name not in BONUSES:
        raise ConfigError(
            f"no explore={name}{suggestion(name, BONUSES)} (bonuses: {', '.join(BONUSES)})"
        )
    schema = BONUSES[name]
    names = [f.name for f in fields(schema)]
    for key in node:
        if key not in names:
            raise ConfigError(
                f"explore.{key} is not a setting of explore={name}{suggestion(str(key), names)}"
                f" (it has: {', '.join(names)})"
            )
    settings = schema(**node)
    if name == "none":
        return settings
    for key in POSITIVE + AT_LEAST_ZERO:
        if key in names:
            value = getattr(settings, key)
            if value is None and key == "coeff" and name == "count":
                continue  # count_coeff of the task's step limit
            positive = key in POSITIVE
            if not _number(value) or value < 0 or (positive and value == 0):
                need = "a positive number" if positive else "a number >= 0"
                raise ConfigError(f"explore.{key} must be {need}, got {value!r}")
    gamma = settings.intrinsic_gamma
    if gamma is not None and not (_number(gamma) and 0 < gamma <= 1):
        raise ConfigError(
            f"explore.intrinsic_gamma must be a discount in (0, 1], or null, got {gamma!r}"
        )
    if "on" in names and settings.on not in COUNT_ON:
        raise ConfigError(f"explore.on must be one of {', '.join(COUNT_ON)}, got {settings.on!r}")
    algo = str((plain.get("algo") or {}).get("name"))
    explorers = [n for n, entry in ALGORITHMS.items() if entry.explores]
    if algo not in explorers:
        raise ConfigError(f"explore={name} works with algo={'|'.join(explorers)}, not algo={algo}")
    if name in ("e3b", "ride") and not (plain.get("model") or {}).get("rnn_size"):
        raise ConfigError(
            f"explore={name} needs a model with an LSTM (model.rnn_size > 0): its "
            "dynamics losses pair consecutive steps of each training sequence"
        )
    return settings


def resolved_explore(plain: Mapping[str, Any]) -> dict[str, Any]:
    """``plain["explore"]`` with ``auto`` replaced by the bonus it stands for,
    with that bonus's default settings (as ``explore=count`` composes).

    ``auto`` is :data:`FAMILY_BONUS` of ``task.family`` when ``algo.name`` takes
    bonuses, else ``none``, so ``+task=room5x5 algo=muzero`` needs no
    ``explore=none``. Every other choice is returned as given (checked by
    :func:`explore_settings`). A config without the group (saved before it) is ``none``.
    """
    node = dict(plain.get("explore") or {"name": "none"})
    if node.get("name") != "auto":
        return node
    family = str((plain.get("task") or {}).get("family"))
    algo = str((plain.get("algo") or {}).get("name"))
    entry = ALGORITHMS.get(algo)
    bonus = FAMILY_BONUS.get(family, "none") if entry is not None and entry.explores else "none"
    return asdict(BONUSES[bonus]())


def with_resolved_explore(cfg: DictConfig) -> DictConfig:
    """A copy of ``cfg`` whose ``explore`` group is :func:`resolved_explore`'s.

    What a run or a sweep's trial saves (``run_config.yaml``, each checkpoint's)
    then records the bonus it trained with, not ``auto``: a resume trains with
    the same bonus even if :data:`FAMILY_BONUS` changes in a later release.
    """
    plain = cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=False))
    resolved = cfg.copy()
    OmegaConf.update(resolved, "explore", resolved_explore(plain), merge=False)
    return resolved


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
