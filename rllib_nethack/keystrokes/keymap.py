"""Keystrokes <-> NLE actions: the one table both people and agents type into.

NetHack is played with single key codes (``k`` moves north, ``^D`` kicks,
``M-p`` prays). NLE's full action set (:data:`nle.nethack.ACTIONS`) is 121
actions over 118 distinct key codes (``+``, ``"`` and ``$`` are each both a
text character and a command). This module names every one of those codes and
parses what a person or a language model writes for a key:

* a single character: ``k``, ``,``, ``<``, ``K`` (case matters: ``K`` runs).
  Only ASCII characters are keys: ``é`` is code 233 = ``meta+i`` on a
  terminal and would open ``#invoke``; meta keys are only ever asked for by name;
* a control key: ``ctrl+d``, ``ctrl-d``, ``^d``, ``C-d``. Control keys are
  case-insensitive, as on a terminal (``ctrl+D`` is ``ctrl+d``);
* a meta key: ``meta+j``, ``alt+j``, ``M-j``. The character keeps its case
  (``M-a`` adjusts inventory, ``M-A`` annotates the level);
* a named key (any case): ``enter``/``return``, ``escape``/``esc``, ``space``;
* an NLE action name (any case): ``Command.KICK``, or just ``kick`` where the
  bare name is unambiguous.

Anything else, and any well-formed key NLE cannot send (``tab``, ``ctrl+p``),
raises :class:`KeystrokeError` with the closest accepted spellings, before
anything reaches the game.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nle import nethack

from rllib_nethack.errors import RllibNethackError, closest, did_you_mean

#: Named keys NLE can send, by lower-case name (the first of each code is canonical).
NAMED_KEYS: Mapping[str, int] = MappingProxyType(
    {
        "enter": 13,
        "return": 13,
        "ret": 13,
        "cr": 13,
        "escape": 27,
        "esc": 27,
        "space": 32,
        "spc": 32,
    }
)
#: Keys people name that NLE's action set has no code for, with what to use instead.
UNSUPPORTED_NAMED_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "tab": "NLE has no tab key",
        "backspace": "NLE has no backspace key; use escape to cancel a prompt",
        "delete": "NLE has no delete key; use escape to cancel a prompt",
        "del": "NLE has no delete key; use escape to cancel a prompt",
        "newline": "NLE sends enter as carriage return: use 'enter'",
        "linefeed": "NLE sends enter as carriage return: use 'enter'",
        "up": "arrow keys do not move in NetHack: use k (north), j, h, l, y, u, b, n",
        "down": "arrow keys do not move in NetHack: use j (south), k, h, l, y, u, b, n",
        "left": "arrow keys do not move in NetHack: use h (west), j, k, l, y, u, b, n",
        "right": "arrow keys do not move in NetHack: use l (east), j, k, h, y, u, b, n",
    }
)

_ENTER, _ESCAPE, _SPACE = 13, 27, 32
_META = 0x80
_CTRL_MASK = 0x1F
_MODIFIER = re.compile(r"^(?P<mod>ctrl|control|ctl|c|meta|alt|m)[+-](?P<rest>.+)$", re.IGNORECASE)
_CTRL_NAMES = frozenset({"ctrl", "control", "ctl", "c"})
#: Longest keystroke quoted back in an error, and looked up for suggestions:
#: an agent's runaway output must not come back whole (or be fuzzy-matched).
_SHOWN_CHARS = 40


class KeystrokeError(RllibNethackError, ValueError):
    """A keystroke that is not one of NLE's keys (the game is not advanced).

    Attributes:
        key: What was typed.
        suggestions: The closest accepted spellings, best first (may be empty).
    """

    def __init__(self, message: str, key: object, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
        self.suggestions = suggestions


@dataclass(frozen=True)
class KeyAction:
    """One of NLE's 121 actions and the keystroke that sends it.

    Attributes:
        index: Position in :data:`nle.nethack.ACTIONS`: the action id of the
            ``nethack_seeded`` env (and of any task built with ``actions="full"``).
        code: The key code NetHack receives.
        name: NLE's name for the action (``Command.KICK``); :func:`parse_key` accepts it.
        key: The canonical keystroke (``ctrl+d``); :func:`parse_key` accepts it.
    """

    index: int
    code: int
    name: str
    key: str


def key_name(code: int) -> str:
    """The canonical keystroke for a key code: ``k``, ``ctrl+d``, ``meta+j``, ``escape``.

    :func:`parse_key` turns every name this returns back into ``code``.
    """
    if code >= _META:
        return "meta+" + key_name(code & ~_META)
    if code == _ENTER:
        return "enter"
    if code == _ESCAPE:
        return "escape"
    if code == _SPACE:
        return "space"
    if code < _SPACE:
        return "ctrl+" + chr(code | 0x40).lower()
    return chr(code)


def action_name(action: enum.IntEnum) -> str:
    """NLE's qualified name of an action: ``Command.KICK``, ``CompassDirection.N``."""
    return f"{type(action).__name__}.{action.name}"


@functools.cache
def action_table() -> tuple[KeyAction, ...]:
    """Every action of :data:`nle.nethack.ACTIONS`, in NLE's order (121 entries)."""
    return tuple(
        KeyAction(index=i, code=int(a), name=action_name(a), key=key_name(int(a)))
        for i, a in enumerate(nethack.ACTIONS)
    )


@functools.cache
def _code_to_index() -> Mapping[int, int]:
    # A code NLE lists twice (text character and command) sends the same key
    # either way; the first action id stands for it.
    table: dict[int, int] = {}
    for entry in action_table():
        table.setdefault(entry.code, entry.index)
    return MappingProxyType(table)


def accepted_codes() -> tuple[int, ...]:
    """The 118 distinct key codes NLE can send, in action order."""
    return tuple(_code_to_index())


def accepted_keys() -> tuple[str, ...]:
    """The canonical keystroke of each of the 118 key codes, in action order."""
    return tuple(key_name(code) for code in accepted_codes())


def action_index(code: int) -> int:
    """The env action id that sends key ``code``.

    Raises:
        KeystrokeError: NLE cannot send ``code``.
    """
    index = _code_to_index().get(code)
    if index is None:
        raise _unsupported(key_name(code) if 0 <= code < 256 else str(code), code)
    return index


@functools.cache
def _action_names() -> Mapping[str, int]:
    """Lower-cased action names -> code: qualified names, and bare names that are unambiguous."""
    names: dict[str, int] = {}
    bare: dict[str, set[int]] = {}
    for entry in action_table():
        names[entry.name.lower()] = entry.code
        bare.setdefault(entry.name.split(".", 1)[1].lower(), set()).add(entry.code)
    reserved = set(NAMED_KEYS) | set(UNSUPPORTED_NAMED_KEYS)
    for name, codes in bare.items():
        # One-letter names (N, E, S, W) would shadow the keys k, l, j, h;
        # NE etc. exist as both a step and a run; "up"/"down" read like arrows.
        if len(codes) == 1 and len(name) > 1 and name not in reserved:
            names[name] = next(iter(codes))
    return MappingProxyType(names)


@functools.cache
def _suggestion_pool() -> tuple[str, ...]:
    # Single characters look alike to a fuzzy matcher and are never typos of a
    # longer name; qualified names are offered only where the bare name is ambiguous.
    names = _action_names()
    bare = [n for n in names if "." not in n]
    qualified = [e.name for e in action_table() if e.name.split(".", 1)[1].lower() not in names]
    keys = [k for k in accepted_keys() if len(k) > 1]
    return (*keys, *NAMED_KEYS, *bare, *[q for q in qualified if len(q.split(".")[1]) > 1])


def _shown(text: str) -> str:
    """``repr(text)``, cut to a readable length."""
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return f"{text[:_SHOWN_CHARS]!r}... ({len(text):,} characters)"


def _suggest(text: str) -> tuple[str, ...]:
    if len(text) > _SHOWN_CHARS:  # no key name is this long
        return ()
    exact = [e.name for e in action_table() if e.name.split(".", 1)[1].lower() == text.lower()]
    if exact:  # an ambiguous bare name such as "ne": offer each action it could mean
        return tuple(exact)
    return tuple(closest(text, _suggestion_pool(), n=3))


def _unsupported(text: str, code: int | None, why: str = "") -> KeystrokeError:
    near = _suggest(text)
    reason = f" ({why})" if why else ""
    which = f" (key code {code})" if code is not None else ""
    return KeystrokeError(
        f"keystroke {_shown(text)}{which} is not one of NLE's {len(accepted_codes())} "
        f"keys{reason}{did_you_mean(near)} (commands() lists them all)",
        key=text[:_SHOWN_CHARS],
        suggestions=near,
    )


def _unknown(text: str) -> KeystrokeError:
    near = _suggest(text)
    return KeystrokeError(
        f"unknown keystroke {_shown(text)}{did_you_mean(near)} (write a character like 'k', "
        "'ctrl+d', 'meta+j', 'enter', 'escape', 'space' or an action name like 'kick'; "
        "commands() lists them all)",
        key=text[:_SHOWN_CHARS],
        suggestions=near,
    )


def _parse_code(text: str) -> int | None:
    """A key code from a character, a named key or a modified key; ``None`` if not one."""
    if len(text) == 1:
        return ord(text) if text.isascii() else None
    lowered = text.lower()
    if lowered in NAMED_KEYS:
        return NAMED_KEYS[lowered]
    if len(text) == 2 and text[0] == "^":
        return _CTRL_MASK & ord(text[1]) if text[1].isascii() else None
    match = _MODIFIER.match(text)
    if match is None:
        return None
    inner = _parse_code(match["rest"])
    if inner is None:
        return None
    if match["mod"].lower() in _CTRL_NAMES:
        return (inner & _META) | (_CTRL_MASK & inner)
    return _META | inner


def parse_key(key: str) -> int:
    """The key code that ``key`` names (see the module docstring for the spellings).

    Raises:
        KeystrokeError: ``key`` is not a string, names no key, or names a key
            NLE cannot send. The message carries the closest accepted spellings.
    """
    if not isinstance(key, str):
        raise KeystrokeError(
            f"a keystroke must be a string like 'k' or 'ctrl+d', got {_shown(repr(key))}",
            key=_shown(repr(key)),
        )
    if key == "":
        raise KeystrokeError("empty keystroke: write a key like 'k', 'enter' or 'ctrl+d'", key=key)
    text = key if len(key) == 1 else key.strip() or key
    lowered = text.lower()
    if lowered in UNSUPPORTED_NAMED_KEYS:
        raise _unsupported(text, None, UNSUPPORTED_NAMED_KEYS[lowered])
    code = _parse_code(text)
    if code is None and len(text) == 1:
        raise KeystrokeError(
            f"keystroke {text!r} is not a key NetHack can type: keys are ASCII characters "
            "(a meta key is written 'meta+x')",
            key=text,
        )
    if code is None:
        code = _action_names().get(lowered)
        if code is None:
            raise _unknown(text)
    if code not in _code_to_index():
        raise _unsupported(text, code)
    return code


def parse_action(key: str) -> int:
    """The env action id (index into :data:`nle.nethack.ACTIONS`) that ``key`` sends.

    Raises:
        KeystrokeError: as :func:`parse_key`.
    """
    return _code_to_index()[parse_key(key)]
