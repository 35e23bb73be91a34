"""Where a run's files live: a local path, a mounted shared volume, or a file-system URI.

``experiment.root_dir`` may be a local path (the default, ``runs``), a shared
volume mounted on every pod (a KubeRay PVC: just a path), or a URI that pyarrow
or fsspec opens: ``s3://bucket/runs``, ``gs://bucket/runs``, ``file:///nfs/runs``,
``memory://runs`` (tests). For a URI the run writes into a local *staging
mirror* of that location and uploads it (:func:`sync_up`) after every checkpoint
and at the end, so checkpoints, ``progress.csv``, TensorBoard files and the
learning curve all end up there. Writing locally first keeps RLlib's own
checkpointing and TensorBoard unchanged and the trainer file-system agnostic.

The mirror's path is a pure function of the URI (``<staging>/<scheme>/<host>/<path>``),
so the URI is recovered from it and nothing has to carry it around. Inside each
checkpoint RLlib's marker file is uploaded last and deleted first, so a reader
(``resume=``) never takes a half-uploaded checkpoint for a whole one.
``resume=`` also takes a URI: the checkpoint, or a run's latest one, is
downloaded into the mirror first (:func:`fetch`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.layout import CHECKPOINTS_DIR, RLLIB_MARKER

#: Overrides the staging directory (default: ``<tmp>/rllib-nethack-staging``).
STAGING_ENV = "RLLIB_NETHACK_STAGING"
_URI = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+)://(.*)$")
_NO_HOST = "_"  # the mirror's stand-in for an empty host (file:///path)


def is_uri(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a file system by scheme (``s3://...``), not a local path."""
    return _URI.match(str(path)) is not None


def staging_root() -> Path:
    """The local directory that mirrors URIs (resolved, so the mapping inverts)."""
    default = Path(tempfile.gettempdir()) / "rllib-nethack-staging"
    return Path(os.environ.get(STAGING_ENV) or default).expanduser().resolve()


def local_path(path: str) -> str:
    """Where a run writes ``path`` on this machine: itself, or a URI's staging mirror.

    Also the Hydra resolver ``${rnh_local:...}`` that places Hydra's run directory.
    """
    if not is_uri(path):
        return path
    url = urlsplit(path)
    parts = [p for p in PurePosixPath(url.path).parts if p not in ("/", ".", "..")]
    return str(staging_root().joinpath(url.scheme, url.netloc or _NO_HOST, *parts))


def remote_of(local: str | os.PathLike[str]) -> str | None:
    """The URI a staging-mirror path stands for, or None for an ordinary local path."""
    try:
        rel = Path(local).resolve().relative_to(staging_root())
    except ValueError:
        return None
    if len(rel.parts) < 2:
        return None
    scheme, host, *parts = rel.parts
    return f"{scheme}://{'' if host == _NO_HOST else host}/{'/'.join(parts)}"


def register_resolvers() -> None:
    """Make ``${rnh_local:...}`` known to OmegaConf (``conf/config.yaml`` uses it)."""
    from omegaconf import OmegaConf

    OmegaConf.register_new_resolver("rnh_local", local_path, replace=True)


def filesystem(uri: str) -> tuple[Any, str]:
    """A pyarrow file system and the path inside it, from pyarrow or else fsspec.

    Raises:
        ConfigError: neither knows the scheme (or its package is missing).
    """
    import pyarrow.fs as pafs

    try:
        fs, path = pafs.FileSystem.from_uri(uri)
    except (ValueError, OSError):
        import fsspec

        try:
            fsspec_fs, path = fsspec.core.url_to_fs(uri)
        except (ValueError, ImportError) as err:
            raise ConfigError(f"experiment.root_dir: cannot open {uri}: {err}") from None
        fs = pafs.PyFileSystem(pafs.FSSpecHandler(fsspec_fs))
    return fs, str(path).rstrip("/") or "/"


def _remote_files(fs: Any, root: str) -> dict[str, int]:
    """Relative path -> size of every file under ``root`` (empty if it does not exist)."""
    import pyarrow.fs as pafs

    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    prefix = root.rstrip("/") + "/"
    return {
        info.path[len(prefix) :]: info.size
        for info in infos
        if info.type == pafs.FileType.File and info.path.startswith(prefix)
    }


def _upload(fs: Any, source: Path, target: str) -> None:
    fs.create_dir(str(PurePosixPath(target).parent), recursive=True)
    with source.open("rb") as src, fs.open_output_stream(target) as dst:
        shutil.copyfileobj(src, dst, length=1 << 20)


def _marker_last(rel: str) -> tuple[bool, str]:
    return (PurePosixPath(rel).name == RLLIB_MARKER, rel)


def sync_up(run_dir: Path) -> str | None:
    """Upload a staging mirror to its URI; a no-op (None) for an ordinary local run dir.

    Checkpoint files are immutable once in place, so only new ones are sent;
    the run's other files (progress, TensorBoard, plot) are small and always
    sent. Checkpoints pruned locally are deleted there too.

    Returns:
        The URI synced to, or None.
    """
    uri = remote_of(run_dir)
    if uri is None:
        return None
    fs, root = filesystem(uri)
    remote = _remote_files(fs, root)
    local = {p.relative_to(run_dir).as_posix(): p for p in run_dir.rglob("*") if p.is_file()}
    for rel in sorted(local, key=_marker_last):
        immutable = rel.startswith(f"{CHECKPOINTS_DIR}/")
        if not (immutable and remote.get(rel) == local[rel].stat().st_size):
            _upload(fs, local[rel], f"{root}/{rel}")
    gone = [rel for rel in remote if rel not in local]
    for rel in sorted(gone, key=_marker_last, reverse=True):
        fs.delete_file(f"{root}/{rel}")
    pruned = {PurePosixPath(rel).parts[:2] for rel in gone if rel.startswith(f"{CHECKPOINTS_DIR}/")}
    for parts in pruned:
        if len(parts) == 2 and not (run_dir / Path(*parts)).exists():
            fs.delete_dir(f"{root}/{'/'.join(parts)}")
    return uri


def fetch(path: str | os.PathLike[str]) -> str:
    """A local path for ``resume=``: itself, or a URI's checkpoint downloaded.

    For a run directory's URI only its newest complete checkpoint is fetched.

    Raises:
        ConfigError: nothing resumable is there.
    """
    text = str(path)
    if not is_uri(text):
        return text
    fs, root = filesystem(text)
    files = _remote_files(fs, root)
    if RLLIB_MARKER in files:
        wanted = ""
    else:
        complete = sorted(
            rel.rsplit("/", 1)[0]
            for rel in files
            if rel.startswith(f"{CHECKPOINTS_DIR}/") and rel.endswith(f"/{RLLIB_MARKER}")
        )
        if not complete:
            raise ConfigError(
                f"resume: {text} is neither a checkpoint ({RLLIB_MARKER}) nor a run with "
                f"checkpoints under {CHECKPOINTS_DIR}/"
            )
        wanted = complete[-1] + "/"
    local = Path(local_path(text))
    for rel in sorted(files, key=_marker_last):
        if rel.startswith(wanted):
            target = local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with fs.open_input_stream(f"{root}/{rel}") as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, length=1 << 20)
    return str(local / wanted) if wanted else str(local)
