"""Command-line checks that run before Hydra composes anything.

Hydra would answer an unknown ``+task=`` with a list of every config in the
group; we answer with the closest task names instead, accept any spelling
:func:`rllib_nethack.envs.get_task` accepts (case, aliases, gymnasium ids) and
print the task list when no task is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rllib_nethack.envs.catalog import TaskSpec, all_task_specs, get_task
from rllib_nethack.errors import ConfigError, suggestion

_TASK_ARG = re.compile(r"^(\+{0,2})task=(.*)$")
#: Arguments that make Hydra print something and exit without running a job.
_INFO_FLAGS = ("--help", "-h", "--hydra-help", "--info", "--shell-completion", "-sc")


class NoTaskGiven(ConfigError):
    """The command line has no ``+task=NAME``."""


def canonical_task_args(argv: Sequence[str], require: bool = True) -> list[str]:
    """``argv`` with every ``task=`` argument rewritten to ``+task=<canonical name>``.

    A comma-separated sweep (``+task=room5x5,corridor_r2`` with ``--multirun``)
    is checked name by name.

    Raises:
        NoTaskGiven: ``require`` and there is no task argument (and no help flag).
        UnknownTaskError: a name is not a task.
    """
    out, found = [], False
    for arg in argv:
        match = _TASK_ARG.match(arg)
        if match is None:
            out.append(arg)
            continue
        found = True
        names = [n.strip() for n in match.group(2).split(",")]
        out.append("+task=" + ",".join(get_task(n).name for n in names))
    if require and not found and not any(a in _INFO_FLAGS for a in argv):
        raise NoTaskGiven("no task given: add +task=NAME")
    return out


def task_table(specs: Iterable[TaskSpec] | None = None) -> str:
    """Tasks (default: every task), one per line: name, family, description, aliases."""
    lines = []
    for spec in all_task_specs() if specs is None else specs:
        aliases = f" (also: {', '.join(spec.aliases)})" if spec.aliases else ""
        lines.append(f"{spec.name:<48} {spec.family:<9} {spec.description}{aliases}")
    return "\n".join(lines)


#: The task families ``tasks family=...`` filters on.
FAMILIES = ("nethack", "minihack")


@dataclass(frozen=True)
class TaskListSettings:
    """The ``key=value`` settings of ``python -m rllib_nethack.tasks``.

    Attributes:
        family: Only this family's tasks: nethack or minihack (null: both).
        json: One JSON object per task (name, family, aliases, description)
            instead of the table.
    """

    family: str | None = None
    json: bool = False


def print_tasks(settings: TaskListSettings) -> None:
    """Print the tasks ``settings`` selects, as a table or JSON lines.

    Raises:
        ConfigError: an unknown family.
    """
    if settings.family is not None and settings.family not in FAMILIES:
        raise ConfigError(
            f"unknown family {settings.family!r}{suggestion(settings.family, FAMILIES)} "
            f"(families: {', '.join(FAMILIES)})"
        )
    specs = [s for s in all_task_specs() if settings.family in (None, s.family)]
    if not settings.json:
        print(task_table(specs))
        return
    for s in specs:
        row = {
            "name": s.name,
            "family": s.family,
            "aliases": list(s.aliases),
            "description": s.description,
        }
        print(json.dumps(row))
