"""``resume=PATH`` alone is enough: the checkpoint's task, algorithm, model and bonus are
added to the command line before anything checks it.

A resumed run must train the task, algorithm, model and exploration bonus it was
trained with (the trainer refuses others), so asking the user to type them again
only adds a way to get them wrong. When ``resume=`` names a local checkpoint or
run directory holding the run config (``run_config.yaml``), each of those four
choices the command line leaves out is taken from it. Anything else (a URI, a
path without the file, a file that does not read, a command line naming another
task) leaves the command line as it was, and the usual checks report what is
missing or wrong (another task: the trainer names the checkpoint's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.envs.catalog import get_task
from rllib_nethack.errors import ConfigError, RllibNethackError
from rllib_nethack.runs.checkpoints import saved_config

#: The config groups a resumed run takes from its checkpoint, as Hydra spells them.
CHOICES = {"task": "+task", "algo": "algo", "model": "model", "explore": "explore"}
_RESUME = re.compile(r"^\+{0,2}resume=(.+)$")
_CHOICE = re.compile(r"^\+{0,2}(task|algo|model|explore)=(.*)$")


def with_resumed_choices(argv: Sequence[str]) -> list[str]:
    """``argv`` with the resumed checkpoint's choices it lacks put first (see the module)."""
    args = list(argv)
    resume = next((m.group(1) for a in args if (m := _RESUME.match(a))), None)
    if resume is None or "://" in resume:
        return args
    saved = _run_config(Path(resume).expanduser())
    if saved is None:
        return args
    given = {m.group(1): m.group(2) for a in args if (m := _CHOICE.match(a))}
    if "task" in given and _task_name(given["task"]) != OmegaConf.select(saved, "task.name"):
        return args
    added = []
    for group, spelled in CHOICES.items():
        name = OmegaConf.select(saved, f"{group}.name")
        if group not in given and isinstance(name, str) and name:
            added.append(f"{spelled}={name}")
    return [*added, *args]


def _task_name(text: str) -> str | None:
    try:
        return get_task(text).name
    except RllibNethackError:  # unknown: the task check names the closest ones
        return None


def _run_config(path: Path) -> DictConfig | None:
    try:
        return saved_config(path)
    except ConfigError:  # unreadable: the trainer's checkpoint check names the problem
        return None
