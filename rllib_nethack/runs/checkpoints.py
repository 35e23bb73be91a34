"""Checkpoints on disk: where they go, which is the latest, which path is one.

A checkpoint is RLlib's own directory (``Algorithm.save_to_path``) plus the
composed run config (``run_config.yaml``), so a resumed run rebuilds exactly
the model it saved, plus the driver's window of recent episodes
(:mod:`rllib_nethack.metrics.episode_window`), plus a manifest of file sizes
and checksums, so a damaged checkpoint is found before Ray starts. Checkpoints
are written to a temporary sibling and renamed into place, so an interrupted or
failed save never leaves a half-written checkpoint where a resume would find it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickletools
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rllib_nethack.errors import ConfigError, RllibNethackError, one_line
from rllib_nethack.runs.layout import CHECKPOINTS_DIR, MANIFEST, RLLIB_MARKER, RUN_CONFIG
from rllib_nethack.runs.storage import sync_up

_MANIFEST_FORMAT = 1
_NAME = re.compile(r"^iter_(\d+)$")


class CheckpointWriteError(RllibNethackError):
    """A checkpoint could not be written (disk full, no permission ...); nothing
    half-written is left, and the checkpoints written before still stand."""


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


def _hash(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(checkpoint: Path) -> None:
    """Record the size and SHA-256 of every file RLlib wrote into ``checkpoint``.

    Checking a checkpoint against it is exact and cheap (no unpickling, no Ray):
    a truncated or garbled state file is found before Ray starts. Our
    ``run_config.yaml`` is left out: it is plain text people may edit, and it is
    checked by parsing it.
    """
    files = {
        f.relative_to(checkpoint).as_posix(): {"size": f.stat().st_size, "sha256": _hash(f)}
        for f in sorted(checkpoint.rglob("*"))
        if f.is_file() and f.relative_to(checkpoint).as_posix() not in (MANIFEST, RUN_CONFIG)
    }
    text = json.dumps({"format": _MANIFEST_FORMAT, "files": files}, indent=1)
    (checkpoint / MANIFEST).write_text(text + "\n")


def _manifest_problem(checkpoint: Path) -> str | None:
    try:
        manifest = json.loads((checkpoint / MANIFEST).read_text())
        files = {str(k): (int(v["size"]), str(v["sha256"])) for k, v in manifest["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return f"its {MANIFEST} is unreadable"
    for name, (size, digest) in files.items():
        file = checkpoint / name
        if not file.is_file():
            return f"{name} is missing"
        actual = file.stat().st_size
        if actual != size:
            return f"{name} has {actual:,} bytes, {size:,} were written"
        if _hash(file) != digest:
            return f"{name} does not match the checksum written with it"
    return None


def _pickle_problem(file: Path) -> str | None:
    """Whether ``file`` is one whole pickle, walked without running any of it."""
    try:
        with file.open("rb") as f:
            last = None
            for opcode, _, _ in pickletools.genops(f):
                last = opcode
            trailing = f.read(1)
    except Exception as err:  # genops raises ValueError, EOFError, struct errors ...
        return f"not a readable pickle ({type(err).__name__})"
    if last is None or last.name != "STOP" or trailing:
        return "not a whole pickle"
    return None


def _structure_problem(checkpoint: Path) -> str | None:
    """Checks for checkpoints without a manifest (written by RLlib itself, or
    by an older rllib-nethack): every pickle and JSON file must parse."""
    for file in sorted(checkpoint.rglob("*")):
        if not file.is_file():
            continue
        if file.suffix == ".pkl":
            problem = _pickle_problem(file)
            if problem is not None:
                return f"{file.relative_to(checkpoint).as_posix()}: {problem}"
        elif file.suffix == ".json":
            try:
                json.loads(file.read_text())
            except (OSError, ValueError):
                return f"{file.relative_to(checkpoint).as_posix()} is not valid JSON"
    return None


def checkpoint_problem(checkpoint: Path) -> str | None:
    """Why ``checkpoint`` cannot be restored, or None when it is whole.

    Needs no Ray and runs no pickled code: the manifest's sizes and checksums
    when there is one, else a structural walk over every pickle and JSON file;
    the run config must parse either way.
    """
    if not is_checkpoint(checkpoint):
        return f"it has no {RLLIB_MARKER}"
    if (checkpoint / MANIFEST).is_file():
        problem = _manifest_problem(checkpoint)
    else:
        problem = _structure_problem(checkpoint)
    if problem is None:
        try:
            saved_config(checkpoint)
        except ConfigError as err:
            problem = str(err)
    return problem


def resolve_checkpoint(
    path: str | os.PathLike[str],
    report: Callable[[str], None] | None = None,
    what: str = "resume",
) -> Path:
    """A whole checkpoint: ``path`` itself, or a run directory's newest whole checkpoint.

    Every checkpoint is checked (:func:`checkpoint_problem`) before any is
    returned. In a run directory, corrupt checkpoints newer than the one
    returned are skipped, each with one line to ``report``.

    ``what`` names the setting in error messages (``resume``, ``checkpoint``).

    Raises:
        ConfigError: the path does not exist, holds no checkpoint, or no whole one.
    """
    candidate = Path(path).expanduser().resolve()
    if not candidate.exists():
        raise ConfigError(f"{what}: {path} does not exist")
    if is_checkpoint(candidate):
        problem = checkpoint_problem(candidate)
        if problem is not None:
            raise ConfigError(f"{what}: checkpoint {candidate} is corrupt: {problem}")
        return candidate
    found = checkpoints_in(candidate)
    if not found:
        raise ConfigError(
            f"{what}: {path} is neither a checkpoint (no {RLLIB_MARKER}) nor a run directory "
            f"with checkpoints under {CHECKPOINTS_DIR}/"
        )
    skipped: list[tuple[str, str]] = []
    for checkpoint in reversed(found):
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            for name, why in skipped:
                if report is not None:
                    report(f"skipping corrupt checkpoint {name} ({why}); using {checkpoint.name}")
            return checkpoint
        skipped.append((checkpoint.name, problem))
    newest, why = skipped[0]
    raise ConfigError(
        f"{what}: none of the {len(found)} checkpoints under {candidate / CHECKPOINTS_DIR} "
        f"is whole (newest, {newest}: {why})"
    )


def saved_config(checkpoint: Path) -> DictConfig | None:
    """The run config stored with a checkpoint, if any.

    Raises:
        ConfigError: the file is there but is not a readable config.
    """
    file = checkpoint / RUN_CONFIG
    if not file.is_file():
        return None
    try:
        loaded = OmegaConf.load(file)
    except Exception as err:  # yaml's parser/scanner errors, UnicodeDecodeError, OSError
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise ConfigError(
            f"{file} is not a readable config ({type(err).__name__}: {first})"
        ) from None
    if not isinstance(loaded, DictConfig) or "algo" not in loaded:
        raise ConfigError(f"{file} is not a run config (no 'algo' section)")
    return loaded


def _remove(path: Path) -> None:
    """Remove a file, a link or a directory tree, if there."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def save_checkpoint(
    algo: Any, run_dir: Path, config: DictConfig, keep: int, state: dict[str, Any] | None = None
) -> Path:
    """Save ``algo`` as ``<run_dir>/checkpoints/iter_<N>`` and prune old ones.

    A checkpoint is written beside its final place and renamed into it once
    whole, with a manifest of its files. Any failure (disk full, permission
    denied, a file where the directory should be) removes what was written and
    raises :class:`CheckpointWriteError`; the checkpoints already there stay.
    Partials left by a killed process are removed on the next save.

    Args:
        algo: The RLlib Algorithm.
        run_dir: The run's directory.
        config: The composed run config, stored beside RLlib's files.
        keep: How many checkpoints to keep (0 = all); the newest always stays.
        state: The state to write instead of ``algo.get_state()``; RLlib then
            writes only the components it holds (a save without the env runners).
    """
    # RLlib's callbacks, imported only when a checkpoint is written.
    from rllib_nethack.metrics.callbacks import save_episode_window

    root = run_dir / CHECKPOINTS_DIR
    final = root / f"iter_{int(algo.iteration):06d}"
    partial = root / f".{final.name}.partial"
    stale = root / f".{final.name}.old"
    try:
        root.mkdir(parents=True, exist_ok=True)
        for leftover in root.glob(".iter_*.partial"):
            _remove(leftover)
        if state is None:
            algo.save_to_path(str(partial))
        else:
            algo.save_to_path(str(partial), state=state)
        save_episode_window(algo, partial)
        OmegaConf.save(config, partial / RUN_CONFIG, resolve=True)
        write_manifest(partial)
        if final.exists() or final.is_symlink():  # replaced, never deleted before its successor
            _remove(stale)
            os.replace(final, stale)
        try:
            os.replace(partial, final)
        except BaseException:
            if stale.exists() and not final.exists():
                os.replace(stale, final)
            raise
    except Exception as err:
        _remove(partial)
        raise CheckpointWriteError(f"checkpoint {final} not written: {one_line(err)}") from err
    except BaseException:  # Ctrl-C or SIGTERM during the save: no partial left behind
        _remove(partial)
        raise
    _remove(stale)
    if keep > 0:
        for old in checkpoints_in(run_dir)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    sync_up(run_dir)  # a URI's staging mirror goes up with every checkpoint
    return final
