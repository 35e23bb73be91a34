"""``python -m rllib_nethack.run +task=NAME [overrides]``: train an agent.

A thin Hydra app over the packaged ``conf/``: it checks the task name, composes
the config and hands it to :func:`rllib_nethack.training.trainer.train`. Examples::

    python -m rllib_nethack.run +task=challenge                    # APPO + ChaoticDwarf
    python -m rllib_nethack.run +task=room5x5 stop.env_steps=300000
    python -m rllib_nethack.run +task=score algo=ppo model=baseline debug=smoke
    python -m rllib_nethack.run +task=challenge --cfg job          # show the config
    python -m rllib_nethack.run resume=runs/challenge-chaotic_dwarf-appo/...   # goes on

Add your own config directory with ``hydra.searchpath=[file:///path/to/conf]``.

Exit status: 0 when a stop condition ended the run, 2 for input it rejects (one
line on stderr), 1 when the final checkpoint could not be written, 143 after
SIGTERM and 130 after Ctrl-C (both save a final checkpoint first).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from rllib_nethack.cli.exits import fail
from rllib_nethack.config.app import run_hydra_app
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.config.resume_args import with_resumed_choices
from rllib_nethack.errors import ConfigError, RllibNethackError
from rllib_nethack.runs.storage import remote_of


def _job(cfg: DictConfig) -> None:
    from rllib_nethack.training.signals import SIGNAL_STOPS, stop_name
    from rllib_nethack.training.trainer import train

    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:
        with open_dict(cfg):  # each job of a sweep writes where Hydra put it
            output_dir = hydra_cfg.runtime.output_dir
            cfg.experiment.run_dir = remote_of(output_dir) or output_dir
    # One resolution: `${now:...}` in the run directory is read once (Hydra caches it).
    OmegaConf.resolve(cfg)
    try:
        summary = train(cfg)
    except ConfigError as err:
        fail(err)
    except RllibNethackError as err:
        fail(err, 1)
    except KeyboardInterrupt as interrupt:  # during start-up (or a second Ctrl-C while saving)
        name = stop_name(interrupt)
        print(f"{name}: stopped before a final checkpoint, nothing saved", file=sys.stderr)
        sys.exit(SIGNAL_STOPS[name])
    if summary.stopped_by in SIGNAL_STOPS:  # saved, but the caller asked it to stop
        sys.exit(SIGNAL_STOPS[summary.stopped_by])


#: Flags after which the command line is not one plain run to check up front
#: (sweeps, another config, help); Hydra then reports problems itself.
_UNCHECKED_FLAGS = (
    "-m",
    "--multirun",
    "-cd",
    "--config-dir",
    "-cn",
    "--config-name",
    "-cp",
    "--config-path",
    "-h",
    "--help",
    "--hydra-help",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
)


def _overrides_to_check(args: Sequence[str]) -> list[str] | None:
    """The overrides of a single run, or None when the command line is not one."""
    if any(a.split("=")[0] in _UNCHECKED_FLAGS for a in args):
        return None
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--cfg", "-c", "--package", "-p"):
            skip = True  # the flag's value follows
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _check(args: list[str]) -> None:
    overrides = _overrides_to_check(args)
    if overrides is not None:
        # Every config mistake is one line here, before Hydra makes the run
        # directory and before Ray starts (the job checks the rest again).
        compose_checked(overrides)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.run`` (and the ``rllib-nethack-run`` script)."""
    args = sys.argv[1:] if argv is None else argv
    run_hydra_app(_job, "config", with_resumed_choices(args), _check)


if __name__ == "__main__":
    main()
