"""The ``rllib-nethack`` console script: ``rllib-nethack COMMAND [ARGS]``.

Each subcommand is exactly ``python -m rllib_nethack.<module> ARGS``: the table
names the module, whose ``main`` gets the arguments (and ``sys.argv``, which
Hydra reads, as that command would see it). Modules are imported only when
their command runs, so ``rllib-nethack --help`` starts no Ray, torch or Hydra.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple

from rllib_nethack.cli.exits import fail
from rllib_nethack.errors import suggestion


class Command(NamedTuple):
    """A subcommand: the module that runs it and one line for ``--help``."""

    module: str
    summary: str


COMMANDS: dict[str, Command] = {
    "run": Command("rllib_nethack.run", "train an agent (Hydra: +task=NAME [overrides])"),
    "tune": Command("rllib_nethack.tune", "a Tune sweep (Hydra: +task=NAME sweep=asha|pbt|...)"),
    "evaluate": Command("rllib_nethack.evaluate", "score a checkpoint over seeded episodes"),
    "watch": Command("rllib_nethack.watch", "see an agent play, in the terminal or a video"),
    "replay": Command("rllib_nethack.replay", "play a recorded ttyrec back"),
    "play": Command("rllib_nethack.play", "play a seeded game yourself, in this terminal"),
    "serve": Command("rllib_nethack.serve", "serve keystroke sessions (stdio: JSON lines, mcp)"),
    "bench": Command("rllib_nethack.agents.bench", "run any agent over a range of seeded games"),
    "record": Command("rllib_nethack.agents.record", "record an agent's games as a dataset"),
    "tasks": Command("rllib_nethack.tasks", "list every task"),
}


def usage() -> str:
    """The ``rllib-nethack --help`` text: every subcommand with its line."""
    width = max(map(len, COMMANDS))
    lines = [
        "usage: rllib-nethack COMMAND [ARGS]   (COMMAND --help for its settings)",
        "",
        "commands:",
        *(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rllib-nethack`` script; the exit status of the subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        names = ", ".join(COMMANDS)
        fail(f"unknown command {name!r}{suggestion(name, COMMANDS)} (commands: {names})")
    sys.argv = [f"rllib-nethack {name}", *rest]
    code = importlib.import_module(COMMANDS[name].module).main(rest)
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


if __name__ == "__main__":
    sys.exit(main())
