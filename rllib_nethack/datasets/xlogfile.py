"""xlogfile lines as NetHack 3.6 writes them, for games NetHack did not end itself.

``nle.dataset.add_nledata_directory`` keeps only the games an xlogfile line
names (its last field, ``ttyrecname``). NetHack writes that line when a game
really ends (death, quit, ascension); a recording cut at its step budget is
still running when it stops, so :func:`cut_line` writes the line NetHack would
have written, with ``death`` saying why the game stopped. The character
(role, race, gender, alignment) is read from NetHack's welcome message, the
one place the game states it; ``conduct`` and ``achieve`` are not known
outside NetHack and are written as ``0x0``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from rllib_nethack.envs.nle_access import parse_xlog_line

#: The fields NetHack 3.6 (NLE 1.3) writes, in its order.
XLOG_FIELDS = (
    "version",
    "points",
    "deathdnum",
    "deathlev",
    "maxlvl",
    "hp",
    "maxhp",
    "deaths",
    "deathdate",
    "birthdate",
    "uid",
    "role",
    "race",
    "gender",
    "align",
    "name",
    "death",
    "conduct",
    "turns",
    "achieve",
    "realtime",
    "starttime",
    "endtime",
    "gender0",
    "align0",
    "flags",
    "ttyrecname",
)
#: The ``death`` of a game stopped at the recording's step budget.
CUT_DEATH = "cut at max_steps"
#: NetHack's version in NLE 1.3.
NETHACK_VERSION = "3.6.7"
#: What NetHack writes when it does not know a character field.
UNKNOWN = "?"

# Role names as the welcome message words them (both genders) -> xlogfile abbreviation.
_ROLES = {
    "archeologist": "Arc",
    "barbarian": "Bar",
    "caveman": "Cav",
    "cavewoman": "Cav",
    "healer": "Hea",
    "knight": "Kni",
    "monk": "Mon",
    "priest": "Pri",
    "priestess": "Pri",
    "rogue": "Rog",
    "ranger": "Ran",
    "samurai": "Sam",
    "tourist": "Tou",
    "valkyrie": "Val",
    "wizard": "Wiz",
}
_RACES = {"human": "Hum", "elven": "Elf", "dwarvish": "Dwa", "gnomish": "Gno", "orcish": "Orc"}
_ALIGNS = {"lawful": "Law", "neutral": "Neu", "chaotic": "Cha"}
_GENDERS = {"male": "Mal", "female": "Fem"}
# Roles whose name or rules fix the gender, so the welcome leaves it out.
_ROLE_GENDER = {
    "cavewoman": "Fem",
    "priestess": "Fem",
    "valkyrie": "Fem",
    "caveman": "Mal",
    "priest": "Mal",
}
_WELCOME = re.compile(r"welcome to NetHack!\s+You are an? ([a-z ]+?)\s+([A-Z][a-z]+)\.")


@dataclass(frozen=True)
class Character:
    """A hero as the xlogfile abbreviates it (``Mon``, ``Hum``, ``Fem``, ``Neu``)."""

    role: str = UNKNOWN
    race: str = UNKNOWN
    gender: str = UNKNOWN
    align: str = UNKNOWN


def character_from_welcome(text: str) -> Character:
    """The character NetHack's welcome names in ``text`` (a top line, a screen).

    "Hello Agent, welcome to NetHack!  You are a neutral female human Monk."
    gives ``Character("Mon", "Hum", "Fem", "Neu")``; fields not named are ``?``.
    """
    match = _WELCOME.search(text)
    if match is None:
        return Character()
    words, role = match.group(1).split(), match.group(2).lower()
    found = {"align": _ALIGNS, "gender": _GENDERS, "race": _RACES}
    values = {
        name: next((table[w] for w in words if w in table), UNKNOWN)
        for name, table in found.items()
    }
    if values["gender"] == UNKNOWN:
        values["gender"] = _ROLE_GENDER.get(role, UNKNOWN)
    return Character(role=_ROLES.get(role, UNKNOWN), **values)


@dataclass(frozen=True)
class CutGame:
    """What is known of a game stopped while it was still running.

    Attributes:
        character: The hero (see :func:`character_from_welcome`).
        points: The in-game score shown on the status line.
        dungeon: NetHack's dungeon number (``deathdnum``), level: the depth (``deathlev``).
        max_depth: The deepest level reached (``maxlvl``).
        hp, max_hp: Hit points at the cut.
        turns: The game turn counter.
        start, end: Wall-clock start and end (Unix seconds).
    """

    character: Character
    points: int
    dungeon: int
    level: int
    max_depth: int
    hp: int
    max_hp: int
    turns: int
    start: float
    end: float


def cut_line(game: CutGame, ttyrecname: str, death: str = CUT_DEATH) -> str:
    """The xlogfile line (no newline) that names ``ttyrecname`` for a game stopped at a cut."""
    day = time.strftime("%Y%m%d", time.gmtime(game.end))
    born = time.strftime("%Y%m%d", time.gmtime(game.start))
    char = game.character
    fields = {
        "version": NETHACK_VERSION,
        "points": game.points,
        "deathdnum": game.dungeon,
        "deathlev": game.level,
        "maxlvl": game.max_depth,
        "hp": game.hp,
        "maxhp": game.max_hp,
        "deaths": 0,
        "deathdate": day,
        "birthdate": born,
        "uid": 0,
        "role": char.role,
        "race": char.race,
        "gender": char.gender,
        "align": char.align,
        "name": "Agent",
        "death": death,
        "conduct": "0x0",
        "turns": game.turns,
        "achieve": "0x0",
        "realtime": int(game.end - game.start),
        "starttime": int(game.start),
        "endtime": int(game.end),
        "gender0": char.gender,
        "align0": char.align,
        "flags": "0x4",
        "ttyrecname": ttyrecname,
    }
    return format_line(fields)


def format_line(fields: Mapping[str, object]) -> str:
    """Fields as one xlogfile line (tab-separated ``key=value``, no newline)."""
    for key, value in fields.items():
        if any(c in str(value) for c in "\t\n="):
            raise ValueError(f"xlogfile field {key}={value!r} holds a tab, newline or '='")
    return "\t".join(f"{key}={value}" for key, value in fields.items())


def renamed_line(line: str, ttyrecname: str) -> str:
    """NetHack's own line for a game, naming the ttyrec under its new name."""
    fields = parse_xlog_line(line)
    fields["ttyrecname"] = ttyrecname
    return format_line(fields)


def line_for(xlogfile: str, ttyrecname: str) -> str | None:
    """The line of ``xlogfile`` that names ``ttyrecname`` (the game ended), else None."""
    try:
        with open(xlogfile, encoding="latin-1") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        if parse_xlog_line(line).get("ttyrecname") == ttyrecname:
            return line
    return None
