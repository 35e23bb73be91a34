"""The front every Hydra entry point shares (``run``, ``tune``).

Before Hydra sees the command line: task names are checked and made canonical,
``hydra.*`` overrides are honoured or refused
(:mod:`~rllib_nethack.config.hydra_overrides`), an entry point's own checks
run, and any mistake is one ``error:`` line with exit status 2 (no task at all
prints the task list). Then the configs the code defines are registered and
Hydra runs the job over the packaged ``conf/``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import hydra
from omegaconf import DictConfig

from rllib_nethack.cli.exits import fail
from rllib_nethack.config.cli import NoTaskGiven, canonical_task_args, task_table
from rllib_nethack.config.hydra_overrides import apply_hydra_overrides
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.store import register_configs
from rllib_nethack.console import pipe_safe_stdio
from rllib_nethack.errors import RllibNethackError
from rllib_nethack.runs.storage import register_resolvers


def run_hydra_app(
    job: Callable[[DictConfig], None],
    config_name: str,
    argv: Sequence[str] | None = None,
    check: Callable[[list[str]], None] | None = None,
) -> None:
    """Check ``argv`` (default: ``sys.argv[1:]``), then run ``job`` as a Hydra app.

    Args:
        job: The Hydra task function (gets the composed config).
        config_name: The primary config in ``conf/`` (``config``, ``tune``).
        argv: The command line, without the program name.
        check: Extra checks of the canonical arguments; raises RllibNethackError.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        args = apply_hydra_overrides(canonical_task_args(args))
        if check is not None:
            check(args)
    except NoTaskGiven as err:
        fail(f"{err}. Tasks:\n{task_table()}")
    except RllibNethackError as err:
        fail(err)
    register_configs()
    register_resolvers()
    sys.argv = [sys.argv[0], *args]
    app = hydra.main(config_path=str(config_dir()), config_name=config_name, version_base=None)(job)
    with pipe_safe_stdio():  # `... | head` then Ctrl-C must still save
        app()
