"""What each of NLE's 121 actions does, grouped for an agent's ``commands()`` tool.

A language model (or a person) choosing a keystroke needs three things per
key: the keystroke to send, what it does in a line, and where it sits among the
rest. The descriptions are written for this package; the grouping puts each
action in exactly one of :data:`CATEGORIES`. A test checks that every action of
:data:`nle.nethack.ACTIONS` is described exactly once, so an NLE upgrade that
adds an action fails loudly instead of leaving it undocumented.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

from rllib_nethack.keystrokes.keymap import action_table

#: The categories, in the order :func:`commands` lists them.
CATEGORIES = ("movement", "combat", "items", "magic", "navigation", "misc", "meta")

# NLE action name -> (category, description).
_DOCS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "CompassDirection.N": ("movement", "move one square north (attacks a monster there)"),
        "CompassDirection.E": ("movement", "move one square east (attacks a monster there)"),
        "CompassDirection.S": ("movement", "move one square south (attacks a monster there)"),
        "CompassDirection.W": ("movement", "move one square west (attacks a monster there)"),
        "CompassDirection.NE": ("movement", "move one square north-east"),
        "CompassDirection.SE": ("movement", "move one square south-east"),
        "CompassDirection.SW": ("movement", "move one square south-west"),
        "CompassDirection.NW": ("movement", "move one square north-west"),
        "CompassDirectionLonger.N": ("movement", "run north until something interesting"),
        "CompassDirectionLonger.E": ("movement", "run east until something interesting"),
        "CompassDirectionLonger.S": ("movement", "run south until something interesting"),
        "CompassDirectionLonger.W": ("movement", "run west until something interesting"),
        "CompassDirectionLonger.NE": ("movement", "run north-east until something interesting"),
        "CompassDirectionLonger.SE": ("movement", "run south-east until something interesting"),
        "CompassDirectionLonger.SW": ("movement", "run south-west until something interesting"),
        "CompassDirectionLonger.NW": ("movement", "run north-west until something interesting"),
        "MiscDirection.UP": ("navigation", "climb up a staircase or ladder you stand on"),
        "MiscDirection.DOWN": ("navigation", "go down a staircase or ladder you stand on"),
        "MiscDirection.WAIT": ("movement", "rest one turn; as a direction, means yourself"),
        "MiscAction.MORE": ("misc", "enter: show the next message after --More--, confirm"),
        "Command.EXTCMD": ("meta", "start an extended command (type its name, then enter)"),
        "Command.EXTLIST": ("meta", "list the extended commands"),
        "Command.ADJUST": ("items", "change the inventory letter of an item"),
        "Command.ANNOTATE": ("navigation", "write a note about the current dungeon level"),
        "Command.APPLY": ("items", "use a tool (pick-axe, key, lamp, horn, ...)"),
        "Command.ATTRIBUTES": ("meta", "show your attributes, intrinsics and background"),
        "Command.AUTOPICKUP": ("meta", "switch automatic pick-up on or off"),
        "Command.CALL": ("items", "give a name to an item, an item type or a monster"),
        "Command.CAST": ("magic", "cast a spell you know"),
        "Command.CHAT": ("misc", "talk to an adjacent monster or shopkeeper"),
        "Command.CLOSE": ("navigation", "close an adjacent door"),
        "Command.CONDUCT": ("meta", "list the voluntary challenges you have kept so far"),
        "Command.DIP": ("items", "dip an item into a potion, fountain or pool"),
        "Command.DROP": ("items", "drop one item"),
        "Command.DROPTYPE": ("items", "drop several items, chosen by type from a menu"),
        "Command.EAT": ("items", "eat food from your pack or the floor"),
        "Command.ENGRAVE": ("misc", "write on the floor (Elbereth scares most monsters)"),
        "Command.ENHANCE": ("combat", "view weapon and spell skills; advance one if you can"),
        "Command.ESC": ("misc", "escape: cancel the current prompt, menu or command"),
        "Command.FIGHT": ("combat", "prefix: attack in a direction even if nothing is seen"),
        "Command.FIRE": ("combat", "fire the quivered ammunition (with a launcher wielded)"),
        "Command.FORCE": ("items", "force open the lock of a box with your weapon"),
        "Command.GLANCE": ("navigation", "pick a map square and say what is shown there"),
        "Command.HISTORY": ("meta", "show the version and a history of NetHack"),
        "Command.INVENTORY": ("items", "show your inventory"),
        "Command.INVENTTYPE": ("items", "show the inventory items of one type"),
        "Command.INVOKE": ("magic", "invoke the special power of an artifact"),
        "Command.JUMP": ("movement", "jump to a nearby square (needs jumping ability)"),
        "Command.KICK": ("combat", "kick a monster, door or object in a direction"),
        "Command.KNOWN": ("items", "list the object types you have identified"),
        "Command.KNOWNCLASS": ("items", "list the identified object types of one class"),
        "Command.LOOK": ("navigation", "describe what lies on the square you stand on"),
        "Command.LOOT": ("items", "open a box or bag on the floor and take or put things"),
        "Command.MONSTER": ("magic", "use the special ability of your polymorphed form"),
        "Command.MOVE": ("movement", "prefix: move without picking up items or fighting"),
        "Command.MOVEFAR": ("movement", "prefix: run without picking up items or fighting"),
        "Command.OFFER": ("magic", "sacrifice a corpse on an altar"),
        "Command.OPEN": ("navigation", "open an adjacent door"),
        "Command.OPTIONS": ("meta", "show and change game options"),
        "Command.OVERVIEW": ("navigation", "summary of the dungeon levels explored so far"),
        "Command.PAY": ("items", "pay a shopkeeper what you owe"),
        "Command.PICKUP": ("items", "pick up items from the floor"),
        "Command.PRAY": ("magic", "pray to your god (helps in trouble; not too often)"),
        "Command.PUTON": ("items", "put on a ring, amulet or blindfold"),
        "Command.QUAFF": ("items", "drink a potion (or from a fountain)"),
        "Command.QUIT": ("meta", "quit the game for good (asks to confirm; ends the episode)"),
        "Command.QUIVER": ("combat", "choose the ammunition or missiles to fire"),
        "Command.READ": ("items", "read a scroll, spellbook or inscription"),
        "Command.REDRAW": ("meta", "redraw the screen"),
        "Command.REMOVE": ("items", "remove a ring, amulet or blindfold"),
        "Command.RIDE": ("movement", "mount or dismount a saddled steed"),
        "Command.RUB": ("items", "rub a lamp or a stone"),
        "Command.RUSH": ("movement", "prefix: rush in a direction until something happens"),
        "Command.RUSH2": ("movement", "prefix: rush in a direction, stopping at branches too"),
        "Command.SAVE": ("meta", "save the game and stop (ends the episode)"),
        "Command.SEARCH": ("navigation", "search adjacent squares for hidden doors and traps"),
        "Command.SEEALL": ("items", "list all the equipment in use"),
        "Command.SEEAMULET": ("items", "show the amulet you wear"),
        "Command.SEEARMOR": ("items", "show the armor you wear"),
        "Command.SEEGOLD": ("items", "count the gold you carry"),
        "Command.SEERINGS": ("items", "show the rings you wear"),
        "Command.SEESPELLS": ("magic", "list the spells you know (and reorder them)"),
        "Command.SEETOOLS": ("items", "show the tools in use (lamp, blindfold, ...)"),
        "Command.SEETRAP": ("navigation", "identify a trap next to you"),
        "Command.SEEWEAPON": ("combat", "show the weapon you wield"),
        "Command.SHELL": ("meta", "shell escape (disabled in NLE)"),
        "Command.SIT": ("misc", "sit down (on a throne, altar, trap, ...)"),
        "Command.SWAP": ("combat", "swap your wielded and alternate weapons"),
        "Command.TAKEOFF": ("items", "take off one piece of armor"),
        "Command.TAKEOFFALL": ("items", "take off several pieces of armor and accessories"),
        "Command.TELEPORT": ("navigation", "teleport within the level (needs the ability)"),
        "Command.THROW": ("combat", "throw an item in a direction"),
        "Command.TIP": ("items", "empty a container onto the floor"),
        "Command.TRAVEL": ("navigation", "travel to a map square you pick (several moves)"),
        "Command.TURN": ("magic", "turn undead (priests and knights)"),
        "Command.TWOWEAPON": ("combat", "switch fighting with two weapons on or off"),
        "Command.UNTRAP": ("navigation", "try to disarm a trap"),
        "Command.VERSION": ("meta", "show the compile-time options of this NetHack"),
        "Command.VERSIONSHORT": ("meta", "show the NetHack version"),
        "Command.WEAR": ("items", "put on a piece of armor"),
        "Command.WHATDOES": ("meta", "say what a key does"),
        "Command.WHATIS": ("navigation", "say what a map symbol or a picked square shows"),
        "Command.WIELD": ("combat", "wield a weapon (or '-' for bare hands)"),
        "Command.WIPE": ("misc", "wipe your face (cream pie, venom)"),
        "Command.ZAP": ("magic", "zap a wand"),
        "TextCharacters.PLUS": ("misc", "the '+' character (in prompts; as a command, spells)"),
        "TextCharacters.MINUS": ("misc", "'-': bare hands or nothing in item prompts, text"),
        "TextCharacters.SPACE": ("misc", "space: next menu page, dismiss a message, text"),
        "TextCharacters.APOS": ("misc", "the apostrophe character, for text"),
        "TextCharacters.QUOTE": ("misc", "the double-quote character (as a command, amulet)"),
        "TextCharacters.NUM_0": ("misc", "digit 0: count prefix (20s searches 20 times), text"),
        "TextCharacters.NUM_1": ("misc", "digit 1: count prefix, menu choice or text"),
        "TextCharacters.NUM_2": ("misc", "digit 2: count prefix, menu choice or text"),
        "TextCharacters.NUM_3": ("misc", "digit 3: count prefix, menu choice or text"),
        "TextCharacters.NUM_4": ("misc", "digit 4: count prefix, menu choice or text"),
        "TextCharacters.NUM_5": ("misc", "digit 5: count prefix, menu choice or text"),
        "TextCharacters.NUM_6": ("misc", "digit 6: count prefix, menu choice or text"),
        "TextCharacters.NUM_7": ("misc", "digit 7: count prefix, menu choice or text"),
        "TextCharacters.NUM_8": ("misc", "digit 8: count prefix, menu choice or text"),
        "TextCharacters.NUM_9": ("misc", "digit 9: count prefix, menu choice or text"),
        "TextCharacters.DOLLAR": ("misc", "the '$' character: gold in item prompts, text"),
    }
)


@dataclass(frozen=True)
class CommandInfo:
    """One accepted command, as :func:`commands` lists it.

    Attributes:
        key: The canonical keystroke to send (``ctrl+d``).
        name: NLE's action name (``Command.KICK``); also accepted as a keystroke.
        action: The env action id (index into :data:`nle.nethack.ACTIONS`).
        category: One of :data:`CATEGORIES`.
        description: What the key does, in one line.
    """

    key: str
    name: str
    action: int
    category: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@functools.cache
def _commands() -> Mapping[str, tuple[CommandInfo, ...]]:
    groups: dict[str, list[CommandInfo]] = {category: [] for category in CATEGORIES}
    for entry in action_table():
        category, description = _DOCS[entry.name]
        groups[category].append(
            CommandInfo(entry.key, entry.name, entry.index, category, description)
        )
    return MappingProxyType({name: tuple(items) for name, items in groups.items()})


def commands() -> Mapping[str, tuple[CommandInfo, ...]]:
    """Every accepted command (all 121 NLE actions) grouped by category, in NLE's order."""
    return _commands()


def commands_as_json() -> dict[str, list[dict[str, Any]]]:
    """:func:`commands` as plain dicts and lists, ready for ``json.dumps``."""
    return {name: [c.to_dict() for c in items] for name, items in commands().items()}
