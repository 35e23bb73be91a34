"""``hydra.*`` overrides on our command lines: honoured, or refused in one line.

The run directory is ours (``experiment.run_dir``; the trainer creates it once
the config is accepted), so most of Hydra's own output settings would be
accepted and then do nothing. ``hydra.run.dir=DIR``, the Hydra way to say where
a run goes, is read as ``experiment.run_dir=DIR``; the settings that do act
here (config search path, sweeps, launchers, environment variables, Hydra's
debug logging) pass through; any other ``hydra.*`` key is refused before Hydra
composes anything and before Ray starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rllib_nethack.errors import ConfigError

#: ``hydra.<key>`` settings that take effect in our apps (a prefix covers its sub-keys).
EFFECTIVE_HYDRA_KEYS = (
    "searchpath",
    "mode",
    "verbose",
    "sweep.dir",
    "sweep.subdir",
    "sweeper",
    "launcher",
    "job.env_set",
)
_MULTIRUN_FLAGS = ("-m", "--multirun")
_HYDRA_ARG = re.compile(r"^(?P<op>\+{0,2}|~)hydra\.(?P<key>[^=]+)(?:=(?P<value>.*))?$")


def _effective(key: str) -> bool:
    return any(key == k or key.startswith(k + ".") for k in EFFECTIVE_HYDRA_KEYS)


def apply_hydra_overrides(args: Sequence[str]) -> list[str]:
    """``args`` with ``hydra.run.dir=DIR`` read as ``experiment.run_dir=DIR``.

    Raises:
        ConfigError: a ``hydra.*`` override that would do nothing here (one line
            naming it and what to use instead).
    """
    multirun = any(a in _MULTIRUN_FLAGS for a in args)
    out = []
    for arg in args:
        match = _HYDRA_ARG.match(arg)
        if match is None:
            out.append(arg)
            continue
        key, value = match.group("key"), match.group("value")
        if key == "run.dir" and value is not None and not match.group("op").startswith("~"):
            if multirun:
                raise ConfigError(
                    "hydra.run.dir does nothing with --multirun: each job writes under "
                    "hydra.sweep.dir=DIR"
                )
            out.append(f"experiment.run_dir={value}")
        elif _effective(key):
            out.append(arg)
        else:
            raise ConfigError(
                f"{arg} does nothing here: a run goes to experiment.run_dir "
                f"(hydra.run.dir=DIR sets it); hydra.* keys that act: "
                f"{', '.join(EFFECTIVE_HYDRA_KEYS)}, run.dir"
            )
    return out
