"""Task options: what a user may change about a task, checked up front.

Options arrive from Python keyword arguments, from RLlib's ``env_config`` and
from Hydra overrides (``task.options.character=val-dwa-law-fem``). They are all
validated here, once, so that a typo or a bad value is reported with the name
of the option and what it accepts, before any NetHack process starts.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal, get_args

from nle import nethack

from rllib_nethack.envs.catalog import TaskSpec
from rllib_nethack.envs.render import DEFAULT_CROP_DIM, DEFAULT_PIXEL_SIZE
from rllib_nethack.errors import ConfigError, check_int, suggestion
from rllib_nethack.fields import at_least, between, check_fields, checker, one_of

ROLES = ("arc", "bar", "cav", "hea", "kni", "mon", "pri", "ran", "rog", "sam", "tou", "val", "wiz")
RACES = ("hum", "elf", "dwa", "gno", "orc")
ALIGNMENTS = ("law", "neu", "cha")
GENDERS = ("mal", "fem")
RANDOM = "@"

GENDERS_BOTH = GENDERS
#: What NetHack lets each role be: (races, alignments, genders). A race also
#: limits the alignment (elves and orcs are chaotic, dwarves lawful, gnomes neutral).
ROLE_RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "arc": (("hum", "dwa", "gno"), ("law", "neu"), GENDERS_BOTH),
    "bar": (("hum", "orc"), ("neu", "cha"), GENDERS_BOTH),
    "cav": (("hum", "dwa", "gno"), ("law", "neu"), GENDERS_BOTH),
    "hea": (("hum", "gno"), ("neu",), GENDERS_BOTH),
    "kni": (("hum",), ("law",), GENDERS_BOTH),
    "mon": (("hum",), ("law", "neu", "cha"), GENDERS_BOTH),
    "pri": (("hum", "elf"), ("law", "neu", "cha"), GENDERS_BOTH),
    "ran": (("hum", "elf", "gno", "orc"), ("neu", "cha"), GENDERS_BOTH),
    "rog": (("hum", "orc"), ("cha",), GENDERS_BOTH),
    "sam": (("hum",), ("law",), GENDERS_BOTH),
    "tou": (("hum",), ("neu",), GENDERS_BOTH),
    "val": (("hum", "dwa"), ("law", "neu"), ("fem",)),
    "wiz": (("hum", "elf", "gno", "orc"), ("neu", "cha"), GENDERS_BOTH),
}
RACE_ALIGNMENTS = {
    "hum": ("law", "neu", "cha"),
    "elf": ("cha",),
    "dwa": ("law",),
    "gno": ("neu",),
    "orc": ("cha",),
}

#: Observations computed by this package on top of NLE's own.
DERIVED_KEYS = ("screen_image", "prev_action")
#: NLE's observations, in NLE's order (its ``OBSERVATION_DESC``).
NLE_KEYS: tuple[str, ...] = tuple(nethack.OBSERVATION_DESC)
#: Agent-centred crops that MiniHack adds.
MINIHACK_CROP_KEYS = (
    "glyphs_crop",
    "chars_crop",
    "colors_crop",
    "specials_crop",
    "tty_chars_crop",
    "tty_colors_crop",
)
#: NLE observations MiniHack cannot return (it fails on them, or, for
#: screen_descriptions_crop, returns arrays outside its own space).
_NOT_IN_MINIHACK = ("program_state", "internal", "misc")

#: The observations the default NetHack models read: Sample Factory's set. The
#: crop image of the screen is drawn by the model itself from the tty
#: observations (see rllib_nethack.envs.wrappers.screen_image for why).
NETHACK_DEFAULT_KEYS = (
    "tty_chars",
    "tty_colors",
    "tty_cursor",
    "blstats",
    "message",
    "prev_action",
)
#: The observations the default MiniHack model reads.
MINIHACK_DEFAULT_KEYS = ("glyphs", "glyphs_crop", "blstats", "message")

#: Upper bound on episode length, as in the keystroke benchmarks.
MAX_EPISODE_STEPS = 1_000_000
#: NetHack's seeds are 64-bit; task seeds and seed ranges stay below this.
SEED_BOUND = 2**63 - 1

ActionSet = Literal["task", "full"]
RenderMode = Literal["ansi", "rgb_array"]
#: The modes a task renders in: those its ``render_mode`` option accepts.
RENDER_MODES: tuple[str, ...] = get_args(RenderMode)
#: What the episodic count bonus counts: the hero's position or the glyph map.
COUNT_ON: tuple[str, ...] = ("position", "glyphs")


def check_character(value: Any) -> str:
    """Validate an NLE character string; return it lower-cased."""
    if not isinstance(value, str):
        raise ConfigError(f"option 'character' must be a string, got {value!r}")
    text = value.strip().lower()
    if text == RANDOM:
        return text
    parts = text.split("-")
    allowed = (ROLES, RACES, ALIGNMENTS, GENDERS)
    what = ("role", "race", "alignment", "gender")
    if len(parts) != 4:
        raise ConfigError(
            f"option 'character' must be '@' or role-race-alignment-gender "
            f"(e.g. 'mon-hum-neu-mal'), got {value!r}"
        )
    for part, choices, label in zip(parts, allowed, what, strict=True):
        if part not in choices:
            random = " ('@' only as the whole character)" if part == RANDOM else ""
            raise ConfigError(
                f"option 'character': unknown {label} {part!r} in {value!r}{random}; "
                f"allowed: {', '.join(choices)}"
            )
    role, race, alignment, gender = parts
    races, alignments, genders = ROLE_RULES[role]
    fits = (
        ("race", race, races),
        ("alignment", alignment, tuple(a for a in alignments if a in RACE_ALIGNMENTS[race])),
        ("gender", gender, genders),
    )
    for label, part, choices in fits:
        if part not in choices:
            raise ConfigError(
                f"option 'character': NetHack does not allow {label} {part!r} for {value!r}; "
                f"allowed: {', '.join(choices)}"
            )
    return text


def _seeds(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        seed = check_int("option 'seeds'", value, 0, SEED_BOUND)
        return (seed, seed)
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        first, last = (check_int("option 'seeds'", v, 0, SEED_BOUND) for v in value)
        if last < first:
            raise ConfigError(
                f"option 'seeds' must be [first, last] with first <= last, got {value}"
            )
        return (first, last)
    raise ConfigError(f"option 'seeds' must be null, a seed, or [first, last], got {value!r}")


@dataclass(frozen=True)
class EnvOptions:
    """Validated options of one environment.

    Attributes:
        character: ``role-race-alignment-gender`` (``mon-hum-neu-mal``) in a
            combination NetHack allows, or ``@`` for a random character.
            ``None`` keeps the task's own default.
        max_episode_steps: Steps before the episode is truncated (at most 1e6).
        observation_keys: The keys of the observation dict; ``None`` picks the
            family default (NetHack: terminal + screen image + previous action,
            MiniHack: glyphs, crop, blstats, message).
        penalty_step: Reward added on each step where game time does not advance.
        penalty_time: Reward added per game turn that passes.
        savedir: Where ttyrecs (and NLE's xlogfile) are written.
        save_ttyrec_every: Record every Nth episode as a ttyrec (0 = never).
        actions: ``"task"`` (the task's own action set) or ``"full"`` (all 121 keys).
        seeds: ``(first, last)``: every episode is one game drawn from this
            inclusive range of seeds (as in the seeded suite).
        crop_dim: Side, in terminal cells, of the square rendered around the hero.
        pixel_size: Side, in pixels, of one rendered terminal cell.
        fix_moon_phase: Take moon phase, Friday 13th and night from the seed
            instead of the wall clock, so that a seed replays the same game on
            any day.
        env_kwargs: Extra keyword arguments for the underlying NLE/MiniHack
            class (for example ``des_file`` for MiniHack's custom tasks).
        render_mode: gymnasium's ``render_mode``: ``"ansi"`` (the terminal as
            text with colour escapes) or ``"rgb_array"`` (the terminal drawn
            as an image, a fresh array per call, for ``RecordVideo``).
        count_bonus: ``"position"`` or ``"glyphs"``: each step's episodic count
            bonus goes into ``info`` (``explore=count`` sets it; see
            :class:`~rllib_nethack.envs.wrappers.EpisodicCountWrapper`).
    """

    character: str | None = field(default=None, metadata=checker(check_character))
    max_episode_steps: int | None = field(default=None, metadata=between(1, MAX_EPISODE_STEPS))
    observation_keys: tuple[str, ...] | None = None
    penalty_step: float | None = None
    penalty_time: float | None = None
    savedir: str | None = None
    save_ttyrec_every: int = field(default=0, metadata=at_least(0))
    actions: ActionSet = "task"
    seeds: tuple[int, int] | None = field(default=None, metadata=checker(_seeds))
    crop_dim: int = field(default=DEFAULT_CROP_DIM, metadata=between(1, 79))
    pixel_size: int = field(default=DEFAULT_PIXEL_SIZE, metadata=between(1, 32))
    fix_moon_phase: bool = True
    env_kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    render_mode: RenderMode | None = None
    count_bonus: str | None = field(default=None, metadata=one_of(*COUNT_ON))


OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(EnvOptions))
# Keys RLlib adds to env_config on its own; they are not options.
_RLLIB_CONTEXT_KEYS = frozenset({"num_envs"})


def _plain(value: Any) -> Any:
    """Turn OmegaConf containers (from Hydra) into plain Python values."""
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf
    except ImportError:  # pragma: no cover - hydra-core is a dependency
        return value
    if isinstance(value, DictConfig | ListConfig):
        return OmegaConf.to_container(value, resolve=True)
    return value


def check_des_file(value: Any) -> None:
    """A des-file option is des-file text, or a path that exists (as MiniHack looks it up)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("option env_kwargs.des_file must be a .des file path or des-file text")
    if not value.endswith(".des"):
        return  # the text of a level description
    if os.path.exists(value):
        return
    found = importlib.util.find_spec("minihack")
    if found and found.origin:
        shipped = os.path.join(os.path.dirname(found.origin), "dat", value)
        if os.path.exists(shipped):
            return
    raise ConfigError(f"option env_kwargs.des_file: no such file {value!r}")


def _observation_keys(spec: TaskSpec, keys: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """What the field's type cannot say: the keys are the task's, each once, at least one."""
    if keys is None:
        return None
    if not keys:
        raise ConfigError("option 'observation_keys' must be a non-empty list of keys, got []")
    allowed = valid_observation_keys(spec)
    for key in keys:
        if key not in allowed:
            raise ConfigError(
                f"option 'observation_keys': unknown key {key!r} for task {spec.name!r}"
                f"{suggestion(key, allowed)} (allowed: {', '.join(allowed)})"
            )
    if len(set(keys)) != len(keys):
        raise ConfigError(f"option 'observation_keys' lists a key twice: {list(keys)}")
    return keys


def valid_observation_keys(spec: TaskSpec) -> tuple[str, ...]:
    """The observation keys a task of this family can produce."""
    if spec.family == "minihack":
        nle_keys = tuple(k for k in NLE_KEYS if k not in _NOT_IN_MINIHACK)
        return (*nle_keys, *MINIHACK_CROP_KEYS, "prev_action")
    return (*NLE_KEYS, *DERIVED_KEYS)


def default_observation_keys(spec: TaskSpec) -> tuple[str, ...]:
    """The observation keys the family's default model reads."""
    return MINIHACK_DEFAULT_KEYS if spec.family == "minihack" else NETHACK_DEFAULT_KEYS


def parse_options(spec: TaskSpec, options: Mapping[str, Any]) -> EnvOptions:
    """Validate user options for ``spec`` (task defaults first, user options on top).

    Raises:
        ConfigError: naming the option and what it accepts.
    """
    given = {k: _plain(v) for k, v in options.items() if k not in _RLLIB_CONTEXT_KEYS}
    # None means "the task's own default", as in EnvOptions.
    user = check_fields(
        EnvOptions, given, name="option '{}'", of=f" of task {spec.name!r}", none_is_default=True
    )
    defaults = check_fields(EnvOptions, spec.defaults, name="option '{}'")
    env_kwargs = {**defaults.get("env_kwargs", {}), **user.get("env_kwargs", {})}
    merged: dict[str, Any] = {**defaults, **user}
    merged["observation_keys"] = _observation_keys(spec, merged.get("observation_keys"))
    for name in spec.required:
        if name not in env_kwargs:
            raise ConfigError(
                f"task {spec.name!r} needs option env_kwargs.{name} "
                "(a .des file path, or the text of a des-file)"
            )
    if "seeds" in env_kwargs:
        raise ConfigError(
            "env_kwargs.seeds is not supported (MiniHack reseeds from Python's global RNG "
            "with it); use option 'seeds': [first, last] instead"
        )
    if "des_file" in env_kwargs:
        check_des_file(env_kwargs["des_file"])
    merged["env_kwargs"] = MappingProxyType(env_kwargs)
    if merged.get("save_ttyrec_every", 0) and not merged.get("savedir"):
        raise ConfigError("option 'save_ttyrec_every' needs option 'savedir' (where to write)")
    if merged.get("savedir") and not merged.get("save_ttyrec_every", 0):
        raise ConfigError(
            "option 'savedir' needs option 'save_ttyrec_every' (record every N-th episode, N >= 1)"
        )
    return EnvOptions(**merged)
