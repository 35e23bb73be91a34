"""Checkpoints on disk: where they go, which is the latest, which path is one.

A checkpoint is RLlib's own directory (``Algorithm.save_to_path``) plus the
composed run config (``run_config.yaml``), so a resumed run rebuilds exactly
the model it saved. Checkpoints are written to a temporary sibling and renamed
into place, so an interrupted save never leaves a half-written checkpoint
where a resume would find it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.errors import ConfigError
from rllib_nethack.training.storage import sync_up

#: File RLlib writes at the root of every algorithm checkpoint.
RLLIB_MARKER = "rllib_checkpoint.json"
#: Our copy of the composed config inside each checkpoint.
RUN_CONFIG = "run_config.yaml"
CHECKPOINTS_DIR = "checkpoints"
_NAME = re.compile(r"^iter_(\d+)$")


def is_checkpoint(path: Path) -> bool:
    """Whether ``path`` is an algorithm checkpoint directory."""
    return (path / RLLIB_MARKER).is_file()


def checkpoint_iteration(path: Path) -> int | None:
    """The training iteration a checkpoint of ours was saved at (from its name)."""
    match = _NAME.match(path.name)
    return int(match.group(1)) if match else None


def checkpoints_in(run_dir: Path) -> list[Path]:
    """The checkpoints of a run, oldest first."""
    root = run_dir / CHECKPOINTS_DIR
    found = [p for p in root.glob("iter_*") if _NAME.match(p.name) and is_checkpoint(p)]
    return sorted(found, key=lambda p: checkpoint_iteration(p) or 0)


def resolve_checkpoint(path: str | os.PathLike[str]) -> Path:
    """A checkpoint directory, or a run directory's latest checkpoint.

    Raises:
        ConfigError: the path does not exist, or holds no checkpoint.
    """
    candidate = Path(path).expanduser().resolve()
    if not candidate.exists():
        raise ConfigError(f"resume: {path} does not exist")
    if is_checkpoint(candidate):
        return candidate
    found = checkpoints_in(candidate)
    if found:
        return found[-1]
    raise ConfigError(
        f"resume: {path} is neither a checkpoint (no {RLLIB_MARKER}) nor a run directory "
        f"with checkpoints under {CHECKPOINTS_DIR}/"
    )


def saved_config(checkpoint: Path) -> DictConfig | None:
    """The run config stored with a checkpoint, if any."""
    file = checkpoint / RUN_CONFIG
    if not file.is_file():
        return None
    loaded = OmegaConf.load(file)
    assert isinstance(loaded, DictConfig)
    return loaded


def save_checkpoint(algo: Any, run_dir: Path, config: DictConfig, keep: int) -> Path:
    """Save ``algo`` as ``<run_dir>/checkpoints/iter_<N>`` and prune old ones.

    Args:
        algo: The RLlib Algorithm.
        run_dir: The run's directory.
        config: The composed run config, stored beside RLlib's files.
        keep: How many checkpoints to keep (0 = all); the newest always stays.
    """
    root = run_dir / CHECKPOINTS_DIR
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"iter_{int(algo.iteration):06d}"
    partial = root / f".{final.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    algo.save_to_path(str(partial))
    OmegaConf.save(config, partial / RUN_CONFIG, resolve=True)
    stale = root / f".{final.name}.old"
    if final.exists():  # replaced, never deleted before its successor is in place
        shutil.rmtree(stale, ignore_errors=True)
        os.replace(final, stale)
    os.replace(partial, final)
    shutil.rmtree(stale, ignore_errors=True)
    if keep > 0:
        for old in checkpoints_in(run_dir)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    sync_up(run_dir)  # a URI's staging mirror goes up with every checkpoint
    return final
