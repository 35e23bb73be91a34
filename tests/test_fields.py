"""The one field validator: each type and metadata key accepts what it says and names the key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pytest

from rllib_nethack.errors import ConfigError
from rllib_nethack.fields import (
    above,
    accepts,
    at_least,
    between,
    check_fields,
    check_instance,
    checker,
    one_of,
)


def _even(value: Any) -> int:
    if not isinstance(value, int) or value % 2:
        raise ConfigError(f"x.even must be an even integer, got {value!r}")
    return value


@dataclass
class Inner:
    depth: int = field(default=1, metadata=at_least(1))


@dataclass
class Settings:
    count: int = field(default=1, metadata=between(1, 9))
    size: int = 4
    rate: float = field(default=0.5, metadata=above(0))
    flag: bool = False
    widths: tuple[int, ...] = (8, 8)
    names: list[str] = field(default_factory=list)
    mode: str = field(default="a", metadata=one_of("a", "b"))
    kind: Literal["x", "y"] | None = None
    label: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    even: int = field(default=0, metadata=checker(_even))
    inner: Inner = field(default_factory=Inner)


def check(**values: Any) -> dict[str, Any]:
    return check_fields(Settings, values, name="x.{}", of=" of the test")


def error(**values: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        check(**values)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_good_values_come_back_typed() -> None:
    got = check(
        count=np.int64(3),
        size=2.0,  # YAML and JSON may write an integer as 2.0 or 1e3
        rate=1,
        flag=True,
        widths=[16, 4],
        names=("a", "b"),
        mode="b",
        kind="y",
        label=None,
        extras={"k": 1},
        even=4,
        inner={"depth": 3},
    )
    assert got == {
        "count": 3,
        "size": 2,
        "rate": 1.0,
        "flag": True,
        "widths": (16, 4),
        "names": ["a", "b"],
        "mode": "b",
        "kind": "y",
        "label": None,
        "extras": {"k": 1},
        "even": 4,
        "inner": {"depth": 3},
    }
    assert type(got["count"]) is int and type(got["rate"]) is float


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"count": 0}, "x.count must be an integer between 1 and 9, got 0"),
        ({"count": 10}, "x.count must be an integer between 1 and 9, got 10"),
        ({"count": True}, "x.count must be an integer between 1 and 9, got True"),
        ({"size": 2.5}, "x.size must be an integer, got 2.5"),
        ({"rate": 0}, "x.rate must be a number > 0, got 0"),
        ({"rate": "fast"}, "x.rate must be a number > 0, got 'fast'"),
        ({"flag": "yes"}, "x.flag must be true or false, got 'yes'"),
        ({"widths": 8}, "x.widths must be a list of integers, got 8"),
        ({"widths": "8,8"}, "x.widths must be a list of integers, got '8,8'"),
        ({"widths": [8, "a"]}, "x.widths must be an integer, got 'a'"),
        ({"names": [["a"]]}, "x.names must be a string, got ['a']"),
        ({"mode": "c"}, "x.mode must be one of 'a', 'b', got 'c'"),
        ({"kind": "z"}, "x.kind must be one of 'x', 'y', got 'z'"),
        ({"count": None}, "x.count must be an integer between 1 and 9, got None"),
        ({"extras": 3}, "x.extras must be a mapping, got 3"),
        ({"even": 3}, "x.even must be an even integer, got 3"),
        ({"inner": {"depth": 0}}, "x.inner.depth must be an integer >= 1, got 0"),
    ],
)
def test_bad_value_is_one_line_naming_the_key_and_what_it_accepts(
    values: dict[str, Any], message: str
) -> None:
    assert error(**values) == message


def test_unknown_key_names_the_closest_settings() -> None:
    message = error(widht=[1])
    assert message.startswith("x.widht is not a setting of the test; did you mean 'widths'?")
    assert message.endswith(
        "(settings: count, size, rate, flag, widths, names, mode, kind, label, extras, even, inner)"
    )
    with pytest.raises(
        ConfigError, match=r"^x\.inner\.dpth is not a setting; did you mean 'depth'"
    ):
        check(inner={"dpth": 1})


def test_extra_keys_open_sections_none_as_default_and_int_min() -> None:
    assert check_fields(Settings, {"num_envs": 4, "size": 2}, extra=["num_envs"]) == {"size": 2}
    opened = check_fields(Settings, {"inner": {"any": 1}}, open_sections={"inner"})
    assert opened == {"inner": {}}
    assert check_fields(Settings, {"size": None}, none_is_default=True) == {}
    with pytest.raises(ConfigError, match=r"^size must be an integer >= 1, got 0$"):
        check_fields(Settings, {"size": 0}, int_min=1)
    with pytest.raises(ConfigError, match=r"^widths must be an integer >= 1, got 0$"):
        check_fields(Settings, {"widths": [4, 0]}, int_min=1)


def test_accepts_in_words() -> None:
    assert accepts(tuple[int, ...], at_least(0)) == "a list of integers >= 0"
    assert accepts(list[str]) == "a list of strings"
    assert accepts(float | None, between(0, 1)) == "a number between 0 and 1"
    assert accepts(Literal["ansi", "rgb_array"] | None) == "one of 'ansi', 'rgb_array'"


def test_check_instance_checks_settings_built_in_python() -> None:
    assert check_instance(Settings(size=3.0)).size == 3  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^count must be an integer between 1 and 9, got 0$"):
        check_instance(Settings(count=0))
