"""``python -m rllib_nethack.run +task=NAME [overrides]``: train an agent.

A thin Hydra app over the packaged ``conf/``: it checks the task name, composes
the config and hands it to :func:`rllib_nethack.training.trainer.train`. Examples::

    python -m rllib_nethack.run +task=challenge                    # APPO + ChaoticDwarf
    python -m rllib_nethack.run +task=room5x5 stop.env_steps=300000
    python -m rllib_nethack.run +task=score algo=ppo model=baseline debug=smoke
    python -m rllib_nethack.run +task=challenge --cfg job          # show the config
    python -m rllib_nethack.run +task=challenge resume=runs/challenge-chaotic_dwarf-appo/...

Add your own config directory with ``hydra.searchpath=[file:///path/to/conf]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from rllib_nethack.config.cli import NoTaskGiven, canonical_task_args, task_table
from rllib_nethack.config.compose import compose_checked
from rllib_nethack.config.paths import config_dir
from rllib_nethack.config.store import register_configs
from rllib_nethack.errors import RllibNethackError


def _job(cfg: DictConfig) -> None:
    from rllib_nethack.training.trainer import train

    with open_dict(cfg):
        # Hydra resolved the run directory once; `${now:...}` would move on.
        cfg.experiment.run_dir = HydraConfig.get().runtime.output_dir
    OmegaConf.resolve(cfg)
    try:
        train(cfg)
    except RllibNethackError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


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


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.run`` (and the ``rllib-nethack-run`` script)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        args = canonical_task_args(args)
        overrides = _overrides_to_check(args)
        if overrides is not None:
            # Every config mistake is one line here, before Hydra makes the run
            # directory and before Ray starts (the job checks the rest again).
            compose_checked(overrides)
    except NoTaskGiven as err:
        print(f"error: {err}. Tasks:\n{task_table()}", file=sys.stderr)
        sys.exit(2)
    except RllibNethackError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    register_configs()
    sys.argv = [sys.argv[0], *args]
    app = hydra.main(config_path=str(config_dir()), config_name="config", version_base=None)(_job)
    app()


if __name__ == "__main__":
    main()
