"""The keystroke table: every NLE action has a key, spellings parse, mistakes explain themselves."""

from __future__ import annotations

import json

import pytest
from nle import nethack

from rllib_nethack.errors import RllibNethackError
from rllib_nethack.keystrokes import (
    CATEGORIES,
    KeystrokeError,
    accepted_keys,
    action_index,
    action_table,
    commands,
    commands_as_json,
    key_name,
    parse_action,
    parse_key,
)
from rllib_nethack.keystrokes.terminal import split_keys

M, C = nethack.M, nethack.C


def test_table_covers_every_nle_action_in_order() -> None:
    table = action_table()
    assert len(table) == len(nethack.ACTIONS) == 121
    assert [entry.index for entry in table] == list(range(121))
    assert [entry.code for entry in table] == [int(a) for a in nethack.ACTIONS]
    # "+", '"' and "$" are both text characters and commands: 118 distinct keys.
    assert len(accepted_keys()) == len(set(accepted_keys())) == 118


@pytest.mark.parametrize("entry", action_table(), ids=lambda e: e.name)
def test_every_action_round_trips_through_its_key(entry) -> None:
    assert parse_key(entry.key) == entry.code
    assert key_name(parse_key(entry.key)) == entry.key
    assert parse_key(entry.name) == entry.code
    # The action id chosen for the key sends the same key code.
    assert nethack.ACTIONS[action_index(entry.code)] == entry.code
    assert nethack.ACTIONS[parse_action(entry.key)] == entry.code


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("k", ord("k")),
        ("K", ord("K")),
        (",", ord(",")),
        ("<", ord("<")),
        (" ", ord(" ")),
        ("ctrl+d", C("d")),
        ("Ctrl+D", C("d")),
        ("ctrl-d", C("d")),
        ("CTRL+d", C("d")),
        ("control+x", C("x")),
        ("^d", C("d")),
        ("^D", C("d")),
        ("C-d", C("d")),
        ("ctrl+[", 27),
        ("meta+j", M("j")),
        ("M-j", M("j")),
        ("alt+j", M("j")),
        ("ALT-j", M("j")),
        ("meta+A", M("A")),
        ("M-a", M("a")),
        ("M-?", M("?")),
        ("enter", 13),
        ("Return", 13),
        ("escape", 27),
        ("ESCAPE", 27),
        ("esc", 27),
        ("space", 32),
        ("SPACE", 32),
        ("\x04", C("d")),
        ("kick", C("d")),
        ("KICK", C("d")),
        ("Command.KICK", C("d")),
        ("command.kick", C("d")),
        ("pray", M("p")),
        ("more", 13),
        ("CompassDirectionLonger.NE", ord("U")),
        ("  ctrl+d  ", C("d")),
    ],
)
def test_spellings(spelling: str, code: int) -> None:
    assert parse_key(spelling) == code


def test_ctrl_ignores_case_but_meta_and_plain_keys_do_not() -> None:
    assert parse_key("ctrl+d") == parse_key("ctrl+D")
    assert parse_key("meta+a") != parse_key("meta+A")  # adjust vs annotate
    assert parse_key("k") != parse_key("K")  # step vs run


@pytest.mark.parametrize(
    "bad",
    [
        "tab",
        "TAB",
        "backspace",
        "up",
        "ctrl+p",
        "%",
        "M-%",
        "ctlr+d",
        "",
        "  ",
        "ne",
        "meta+",
        5,
        None,
    ],
)
def test_bad_keys_raise_a_package_error(bad: object) -> None:
    with pytest.raises(KeystrokeError) as caught:
        parse_key(bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, RllibNethackError)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("ctlr+d", "ctrl+d"),
        ("escpe", "escape"),
        ("kik", "kick"),
        ("ne", "CompassDirection.NE"),
        ("ctrl+p", "ctrl+r"),
    ],
)
def test_errors_suggest_close_matches(typo: str, expected: str) -> None:
    with pytest.raises(KeystrokeError) as caught:
        parse_key(typo)
    assert expected in caught.value.suggestions
    assert repr(expected) in str(caught.value)


def test_keys_nle_lacks_say_so() -> None:
    with pytest.raises(KeystrokeError, match=r"not one of NLE's 118 keys.*tab"):
        parse_key("tab")
    with pytest.raises(KeystrokeError, match=r"key code 16\) is not one of NLE's"):
        parse_key("ctrl+p")


def test_commands_list_every_action_exactly_once() -> None:
    groups = commands()
    assert tuple(groups) == CATEGORIES
    listed = [c for items in groups.values() for c in items]
    assert sorted(c.action for c in listed) == list(range(121))
    assert len({c.name for c in listed}) == 121
    assert all(groups[c.category] and c in groups[c.category] for c in listed)
    assert all(items for items in groups.values()), "no category is empty"
    for command in listed:
        assert parse_key(command.key) == int(nethack.ACTIONS[command.action])
        assert command.description and "\n" not in command.description
    assert len({c.description for c in listed}) == 121


@pytest.mark.parametrize(
    ("key", "category"),
    [
        ("k", "movement"),
        ("L", "movement"),
        ("ctrl+d", "combat"),
        ("F", "combat"),
        ("i", "items"),
        (",", "items"),
        ("Z", "magic"),
        ("meta+p", "magic"),
        ("<", "navigation"),
        ("s", "navigation"),
        ("escape", "misc"),
        ("meta+q", "meta"),
    ],
)
def test_categories_are_sensible(key: str, category: str) -> None:
    code = parse_key(key)
    found = {c.category for items in commands().values() for c in items if c.key == key_name(code)}
    assert category in found


def test_commands_json_is_plain_data() -> None:
    data = json.loads(json.dumps(commands_as_json()))
    assert sum(len(v) for v in data.values()) == 121
    assert set(data["combat"][0]) == {"key", "name", "action", "category", "description"}


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        (b"k", [ord("k")]),
        (b"kj", [ord("k"), ord("j")]),
        (b"\x04", [C("d")]),
        (b"\x1b", [27]),
        (b"\x1b\x1b", [27, 27]),
        (b"\x1bj", [M("j")]),
        (b"\x1bq", [M("q")]),
        (b"\xea", [M("j")]),
        (b"\x1b[A\x1b[B\x1b[C\x1b[D", [ord("k"), ord("j"), ord("l"), ord("h")]),
        (b"\x1bOA", [ord("k")]),
        # Other control sequences are dropped whole, never typed byte by byte.
        (b"\x1b[H", []),  # Home
        (b"k\x1b[1;5Aj", [ord("k"), ord("j")]),  # Ctrl-Up between two keys
        (b"\x1bOP", []),  # F1
        (b"\x1b[", [M("[")]),  # Alt-[ on its own
        (b"\r", [13]),
    ],
)
def test_terminal_bytes_split_into_keys(typed: bytes, codes: list[int]) -> None:
    assert split_keys(typed) == codes
