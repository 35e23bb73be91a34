"""One validator for every settings dataclass: a field's type and metadata say what it accepts.

Model settings, task options, the typed run config and the ``key=value``
command settings all arrive as plain values (YAML, JSON, Hydra, keyword
arguments) that must become a dataclass's fields. Each field states what it
accepts once, where it is declared: the type comes from its annotation
(``int``, ``float``, ``bool``, ``str``, ``tuple[int, ...]``, ``list[str]``,
``Literal[...]``, a nested dataclass, any of them ``| None``) and the rest from
its metadata:

- ``min`` / ``max``: inclusive bounds of a number (of each item of a list);
- ``above``: an exclusive lower bound (``minutes > 0``);
- ``choices``: the values a string may take;
- ``check``: a callable that takes the raw value and returns the checked one,
  for what a type cannot say (a NetHack character, a seed range).

Every mistake is one :class:`~rllib_nethack.errors.ConfigError` line naming the
key, what it accepts and what was given; an unknown key also names the closest
settings. This module sits on the ground floor (it imports only
:mod:`rllib_nethack.errors`), so envs, models, config and the command line all use it.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Callable, Container, Iterable, Mapping
from types import MappingProxyType, NoneType
from typing import Any, Literal, TypeVar

from rllib_nethack.errors import ConfigError, bounds, check_int, suggestion

T = TypeVar("T")

#: No metadata.
NO_META: Mapping[str, Any] = MappingProxyType({})


def at_least(low: float) -> dict[str, float]:
    """Metadata: the value (each item of a list) is ``>= low``."""
    return {"min": low}


def above(low: float) -> dict[str, float]:
    """Metadata: the value is ``> low``."""
    return {"above": low}


def between(low: float, high: float) -> dict[str, float]:
    """Metadata: the value (each item of a list) is in ``[low, high]``."""
    return {"min": low, "max": high}


def one_of(*choices: str) -> dict[str, tuple[str, ...]]:
    """Metadata: the value is one of ``choices``."""
    return {"choices": choices}


def checker(check: Callable[[Any], Any]) -> dict[str, Callable[[Any], Any]]:
    """Metadata: ``check`` takes the raw value and returns the checked one (or a ConfigError)."""
    return {"check": check}


def field_types(cls: type[Any]) -> Mapping[str, Any]:
    """Each field's annotation, resolved (under ``from __future__ import annotations``
    they are strings)."""
    return MappingProxyType(typing.get_type_hints(cls))


def unknown_key(name: str, key: str, names: Iterable[str], of: str = "") -> ConfigError:
    """The error for a key no field has: ``model.rnn_sise is not a setting of model
    'baseline'; did you mean 'rnn_size'? (settings: ...)``."""
    names = list(names)
    return ConfigError(
        f"{name} is not a setting{of}{suggestion(key, names)} (settings: {', '.join(names)})"
    )


def without_none(kind: Any) -> tuple[Any, bool]:
    """``kind`` without ``| None``, and whether None was allowed."""
    args = typing.get_args(kind)
    if NoneType in args:
        rest = tuple(a for a in args if a is not NoneType)
        return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007
    return kind, False


def _bounds(meta: Mapping[str, Any], int_min: int | None) -> str:
    if "above" in meta:
        return f" > {meta['above']}"
    return bounds(meta.get("min", int_min), meta.get("max"))


def _number(name: str, value: Any, meta: Mapping[str, Any]) -> float:
    low, high, over = meta.get("min"), meta.get("max"), meta.get("above")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (low is not None and value < low)
        or (high is not None and value > high)
        or (over is not None and value <= over)
    ):
        raise ConfigError(f"{name} must be a number{_bounds(meta, None)}, got {value!r}")
    return float(value)


def _plural(words: str) -> str:
    """``an integer >= 1`` -> ``integers >= 1``; ``true or false`` -> ``values true or false``."""
    article, _, rest = words.partition(" ")
    if article not in ("a", "an"):
        return f"values {words}"
    noun, _, tail = rest.partition(" ")
    return f"{noun}s {tail}".rstrip()


def accepts(kind: Any, meta: Mapping[str, Any] = NO_META, int_min: int | None = None) -> str:
    """What a field of type ``kind`` accepts, in words (``an integer >= 1``)."""
    kind, _ = without_none(kind)
    choices = meta.get("choices") or (
        typing.get_args(kind) if typing.get_origin(kind) is Literal else None
    )
    if choices:
        return f"one of {', '.join(repr(c) for c in choices)}"
    origin = typing.get_origin(kind)
    if origin in (list, tuple):
        return f"a list of {_plural(accepts(typing.get_args(kind)[0], meta, int_min))}"
    if kind is bool:
        return "true or false"
    if kind is int:
        return f"an integer{_bounds(meta, int_min)}"
    if kind is float:
        return f"a number{_bounds(meta, None)}"
    if kind is str:
        return "a string"
    return "a mapping" if origin is not None and issubclass(origin, Mapping) else "a value"


def check_value(
    name: str,
    value: Any,
    kind: Any,
    meta: Mapping[str, Any] = NO_META,
    int_min: int | None = None,
) -> Any:
    """``value`` as a field of type ``kind`` and metadata ``meta``, or a ConfigError naming it.

    Args:
        name: The key as the user wrote it (``model.rnn_size``, ``option 'seeds'``).
        value: The raw value.
        kind: The field's annotation.
        meta: The field's metadata (see the module docstring).
        int_min: The least integer (of each item too) when ``meta`` has no ``min``.
    """
    if "check" in meta:
        return meta["check"](value)
    kind, nullable = without_none(kind)
    if value is None:
        if nullable or kind is Any:
            return None
        raise ConfigError(f"{name} must be {accepts(kind, meta, int_min)}, got None")
    origin = typing.get_origin(kind)
    choices = meta.get("choices") or (typing.get_args(kind) if origin is Literal else None)
    if choices:
        if value not in choices:
            raise ConfigError(f"{name} must be {accepts(kind, meta)}, got {value!r}")
        return value
    if origin in (list, tuple):
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise ConfigError(f"{name} must be {accepts(kind, meta, int_min)}, got {value!r}")
        item = typing.get_args(kind)[0]
        items = [check_value(name, v, item, meta, int_min) for v in value]
        return tuple(items) if origin is tuple else items
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return value
    if kind is int:
        return check_int(name, value, meta.get("min", int_min), meta.get("max"))
    if kind is float:
        return _number(name, value, meta)
    if kind is str:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"{name} must be a string, got {value!r}")
        return str(value)
    mapping = isinstance(origin, type) and issubclass(origin, Mapping)
    if mapping and not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a mapping, got {value!r}")
    return value


def check_fields(
    cls: type,
    values: Mapping[str, Any],
    *,
    name: str = "{}",
    of: str = "",
    extra: Iterable[str] = (),
    open_sections: Container[str] = (),
    none_is_default: bool = False,
    int_min: int | None = None,
) -> dict[str, Any]:
    """``values`` checked against the fields of the dataclass ``cls`` (the one check of settings).

    Args:
        cls: The settings dataclass.
        values: Keys and raw values (a subset of the fields).
        name: How a key is named in a message: ``"model.{}"``, ``"option '{}'"``.
        of: Whose settings these are, for an unknown key (``" of model 'baseline'"``).
        extra: Keys that pass unchecked and are left out of the result (not listed).
        open_sections: Names of nested sections (``cluster.rllib``) that take any key.
        none_is_default: A None value means "the field's default" and is left out.
        int_min: The least integer of fields without a ``min``.

    Returns:
        The checked values by key; a nested dataclass field given as a mapping
        stays a dict of its checked values.

    Raises:
        ConfigError: naming the first unknown key (with the closest settings) or bad value.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    skip = set(extra)
    for key in values:
        if key not in fields and key not in skip:
            raise unknown_key(name.format(key), str(key), fields, of)
    types = field_types(cls)
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields or (value is None and none_is_default):
            continue
        kind = types[key]
        if dataclasses.is_dataclass(kind) and isinstance(value, Mapping):
            section = name.format(key)
            known = {f.name for f in dataclasses.fields(kind)}
            checked[key] = check_fields(
                typing.cast(type, kind),
                value,
                name=section + ".{}",
                # an open section's other keys are checked by whoever reads them
                extra=(k for k in value if k not in known) if section in open_sections else (),
                open_sections=open_sections,
                int_min=int_min,
            )
        else:
            checked[key] = check_value(name.format(key), value, kind, fields[key].metadata, int_min)
    return checked


def check_instance(settings: T) -> T:
    """``settings`` (a dataclass instance) with every field checked: for settings built in
    Python rather than parsed, so a run function checks them the same way either way."""
    cls = type(settings)
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return dataclasses.replace(settings, **check_fields(cls, values))  # type: ignore[type-var]
