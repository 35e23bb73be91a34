"""``python -m rllib_nethack.tasks [family=nethack|minihack] [json=true]``: list every task.

Name, family, description and aliases; the listing is
:func:`rllib_nethack.config.cli.print_tasks`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rllib_nethack.cli.settings import run_command
from rllib_nethack.config.cli import TaskListSettings, print_tasks

USAGE = "python -m rllib_nethack.tasks [family=nethack|minihack] [json=true]"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.tasks``."""
    run_command(TaskListSettings, print_tasks, USAGE, argv, positional="family")


if __name__ == "__main__":
    main()
