"""``key=value`` command lines for every command that is not a Hydra app.

``evaluate``, ``watch``, ``replay`` and the agent ``bench`` and ``record`` take
the same style as ``python -m rllib_nethack.run`` (``episodes=1024``,
``seeds=[0,1023]``, ``greedy=false``), without Hydra: they have a handful of
flat settings and no config groups. The settings are a dataclass; its
docstring's ``Attributes:`` section is the ``--help`` text. Values are read as YAML
scalars and lists; every setting is checked against its declared type and
metadata by :mod:`rllib_nethack.fields`, and a bad command line is one line
naming the setting (with the closest valid names for a typo).
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import yaml

from rllib_nethack.cli.exits import user_errors
from rllib_nethack.console import pipe_safe_stdio
from rllib_nethack.errors import ConfigError
from rllib_nethack.fields import check_value, field_types, unknown_key, without_none

T = TypeVar("T")


def parse_settings(cls: type[T], argv: Sequence[str], positional: str | None = None) -> T:
    """Build the settings dataclass ``cls`` from ``key=value`` arguments.

    Args:
        cls: A dataclass whose fields are the settings (with defaults, or required).
        argv: The arguments.
        positional: A field that one bare argument (without ``=``) sets.

    Raises:
        ConfigError: an unknown key, a bad value, a repeated or missing setting.
    """
    hints = field_types(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    given: dict[str, Any] = {}
    for arg in argv:
        key, sep, text = arg.partition("=")
        if not sep:
            if positional is None or positional in given:
                raise ConfigError(
                    f"expected key=value, got {arg!r} (settings: {', '.join(fields)})"
                )
            key, text = positional, arg
        key = key.strip().lstrip("+")
        if key not in fields:
            raise unknown_key(key, key, fields)
        if key in given:
            raise ConfigError(f"setting {key!r} is given twice")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            value = text  # a plain string YAML cannot read, e.g. a path with ': '
        if hints[key] is str or hints[key] == (str | None):
            value = text if value is not None else None  # keep "007" and "1e3" as typed
        listed = typing.get_origin(without_none(hints[key])[0]) in (list, tuple)
        if listed and value is not None and not isinstance(value, list):
            value = [value]  # checkpoint=PATH: a list of one
        given[key] = check_value(key, value, hints[key], fields[key].metadata)
    missing = [
        name
        for name, f in fields.items()
        if name not in given
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        about = descriptions(cls).get(missing[0])
        raise ConfigError(f"missing setting {missing[0]}=..." + (f": {about}" if about else ""))
    return cls(**given)


def descriptions(cls: type[Any]) -> dict[str, str]:
    """Each setting's description, from the class docstring's ``Attributes:``
    section (the Google style: ``name: text``, continued on deeper lines)."""
    doc = cls.__doc__ or ""
    found: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        stripped = line.strip()
        name, colon, rest = stripped.partition(":")
        if (
            colon
            and name.isidentifier()
            and line.startswith(" " * 8)
            and not line.startswith(" " * 12)
        ):
            current = name
            found[name] = rest.strip()
        elif current and stripped and line.startswith(" " * 12):
            found[current] += " " + stripped
        elif not stripped:
            current = None
    return found


def _as_typed(value: Any) -> str:
    """``value`` as a user would type it on the command line (``null``, ``[0,99]``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ",".join(_as_typed(v) for v in value) + "]"
    return str(value)


def settings_help(cls: type[Any], usage: str) -> str:
    """The ``--help`` text: usage, then each setting with its default and description."""
    about = descriptions(cls)
    lines = [usage, "", "settings (key=value):"]
    for f in dataclasses.fields(cls):
        default = "required" if f.default is dataclasses.MISSING else _as_typed(f.default)
        lines.append(f"  {f.name:<12} [{default}] {about.get(f.name, '')}".rstrip())
    return "\n".join(lines)


def run_command(
    cls: type[T],
    main: Callable[[T], Any],
    usage: str,
    argv: Sequence[str] | None,
    positional: str | None = None,
    check: Callable[[T], T] | None = None,
) -> None:
    """Parse ``argv`` (default ``sys.argv[1:]``) into ``cls``, run ``main`` on it
    and exit with the status it returns (0 for ``None``).

    Args:
        cls: The settings dataclass.
        main: The command itself; may return an exit status.
        usage: The first line of ``--help``.
        argv: The arguments, without the program name.
        positional: The setting one bare argument sets (``evaluate RUN``).
        check: Checks across settings, returning the settings to use; raises ConfigError.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    with pipe_safe_stdio(), user_errors():  # `... | head` ends quietly
        if any(a in ("-h", "--help", "help") for a in args):
            print(settings_help(cls, usage))
            return
        settings = parse_settings(cls, args, positional=positional)
        code = main(check(settings) if check is not None else settings)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)
