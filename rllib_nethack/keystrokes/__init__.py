"""Keystroke interface: play the seeded NetHack suite one key at a time.

Keystroke-level NetHack benchmarks give an agent a seeded game (seeds 0-999),
NLE's full 121-action keyboard and two tools: ``step(keystroke)`` and
``commands()``. This package provides them on top of the ``nethack_seeded``
task, so keystroke agents and RLlib policies play exactly the same games:

* :class:`Session` - one game: ``step("ctrl+d")``, ``reset(seed=7)``, ``commands()``;
* :func:`parse_key` / :func:`key_name` - keystroke text <-> NetHack key code;
* :func:`commands` - every accepted command, grouped and described.

``python -m rllib_nethack.serve stdio`` puts a session on a JSON-lines pipe
for agent harnesses (the server: :mod:`.jsonlines`); ``python -m rllib_nethack.play``
lets a person play it (the terminal loop: :mod:`.terminal`).
"""

from rllib_nethack.keystrokes.commands import CATEGORIES, CommandInfo, commands, commands_as_json
from rllib_nethack.keystrokes.keymap import (
    KeyAction,
    KeystrokeError,
    accepted_keys,
    action_index,
    action_table,
    key_name,
    parse_action,
    parse_key,
)
from rllib_nethack.keystrokes.session import (
    PlayerStats,
    Session,
    SessionError,
    StepResult,
    Terminal,
    check_seed,
)

__all__ = [
    "CATEGORIES",
    "CommandInfo",
    "KeyAction",
    "KeystrokeError",
    "PlayerStats",
    "Session",
    "SessionError",
    "StepResult",
    "Terminal",
    "accepted_keys",
    "action_index",
    "action_table",
    "check_seed",
    "commands",
    "commands_as_json",
    "key_name",
    "parse_action",
    "parse_key",
]
