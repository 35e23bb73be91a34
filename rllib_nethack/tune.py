"""``python -m rllib_nethack.tune +task=NAME sweep=asha|pbt|grid|random [overrides]``: a Tune sweep.

A thin Hydra app over the packaged ``conf/`` (``tune.yaml``: the run config
plus a ``sweep``): it checks the task and sweep names, composes the config and
hands it to :func:`rllib_nethack.sweeps.tuning.run_sweep`. Examples::

    python -m rllib_nethack.tune +task=room5x5 sweep=pbt stop.env_steps=2000000
    python -m rllib_nethack.tune +task=room5x5 sweep=asha sweep.metric=score_mean
    python -m rllib_nethack.tune +task=room5x5 sweep=grid 'sweep.search.algo.lr.grid=[1e-4,5e-4]'
    python -m rllib_nethack.tune +task=room5x5 sweep=pbt --cfg job          # show the config
    python -m rllib_nethack.tune +task=room5x5 resume=runs/.../sweeps/<date>  # continue a sweep

Add your own sweep files with ``hydra.searchpath=[file:///path/to/conf]``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from rllib_nethack.cli.exits import fail
from rllib_nethack.config.app import run_hydra_app
from rllib_nethack.config.paths import config_dir
from rllib_nethack.errors import ConfigError, RllibNethackError, suggestion

_SWEEP_ARG = re.compile(r"^\+{0,2}sweep=(.*)$")


def check_sweep_name(args: Sequence[str]) -> None:
    """An unknown ``sweep=NAME`` is one line with the closest names (Hydra's error
    lists every option). Skipped when the user adds config directories."""
    if any(a.startswith("hydra.searchpath") for a in args):
        return
    names = sorted(p.stem for p in (config_dir() / "sweep").glob("*.yaml"))
    for arg in args:
        match = _SWEEP_ARG.match(arg)
        if match and match.group(1) not in names:
            name = match.group(1)
            raise ConfigError(
                f"unknown sweep {name!r}{suggestion(name, names)} (sweeps: {', '.join(names)})"
            )


def _job(cfg: DictConfig) -> None:
    from rllib_nethack.sweeps.tuning import run_sweep

    output_dir = HydraConfig.get().runtime.output_dir
    with open_dict(cfg):
        # Hydra resolved the directory once; `${now:...}` would move on.
        cfg.experiment.run_dir = output_dir
    OmegaConf.resolve(cfg)
    try:
        run_sweep(cfg)
    except RllibNethackError as err:
        fail(err)
    finally:
        # Hydra made a new sweep directory; a resumed (or refused) sweep left it empty.
        with contextlib.suppress(OSError):
            os.rmdir(output_dir)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.tune``."""
    run_hydra_app(_job, "tune", argv, check_sweep_name)


if __name__ == "__main__":
    main()
