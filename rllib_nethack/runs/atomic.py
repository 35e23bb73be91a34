"""Result files that appear whole or not at all.

Every file a command leaves for the user (``eval.json``, ``episodes.csv``,
``bench.json``, a video, a sweep's summary and curves) is written under a
temporary sibling name, flushed to disk and renamed into place. A write that
fails (disk full, file too large, an I/O error) removes the temporary file and
raises :class:`FileWriteError`, one line naming the file and the system's
reason, so the file that was there before still stands and no half-written one
takes its place. Checkpoints, which are directories, do the same in
:mod:`rllib_nethack.runs.checkpoints`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from rllib_nethack.errors import RllibNethackError, one_line


class FileWriteError(RllibNethackError):
    """A result file could not be written; nothing half-written is left and
    the file that was there before (if any) is unchanged."""


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is whole: a hidden sibling that keeps
    the suffix, so writers that choose the format by suffix still do."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def _reason(err: BaseException) -> str:
    # The temporary file's name would only confuse: the message names the real one.
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return one_line(err)


class StagedFile:
    """One file being written at :attr:`partial` until :meth:`commit` moves it to :attr:`path`.

    For writers that fill a file over time (a video encoder, an image library):
    give them :attr:`partial`, then :meth:`commit` once they closed it, or
    :meth:`fail`/:meth:`discard` when they did not finish.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)

    def discard(self) -> None:
        """Remove what was written (nothing happens when nothing was)."""
        with contextlib.suppress(OSError):
            self.partial.unlink(missing_ok=True)

    def fail(self, err: BaseException) -> FileWriteError:
        """Discard the partial file; the error to raise for ``err``."""
        self.discard()
        return FileWriteError(f"{self.path} not written: {_reason(err)}")

    def commit(self) -> Path:
        """Flush the partial file to disk and move it into place; the final path.

        Raises:
            FileWriteError: the flush or the rename failed (the partial file is removed).
        """
        try:
            fd = os.open(self.partial, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(self.partial, self.path)
        except OSError as err:
            raise self.fail(err) from err
        with contextlib.suppress(OSError):  # the rename itself, on filesystems that allow it
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return self.path


def write_with(path: str | os.PathLike[str], produce: Callable[[Path], object]) -> Path:
    """Let ``produce`` write the file at the path it is given, then move it to ``path``
    (its directory is made when missing).

    Raises:
        FileWriteError: ``produce`` or the move failed with an OS error; any
            other exception from ``produce`` passes through. Either way the
            partial file is removed.
    """
    staged = StagedFile(path)
    try:
        staged.path.parent.mkdir(parents=True, exist_ok=True)
        produce(staged.partial)
    except OSError as err:
        raise staged.fail(err) from err
    except BaseException:
        staged.discard()
        raise
    return staged.commit()


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` whole or not at all (see :func:`write_with`)."""
    return write_with(path, lambda partial: partial.write_text(text, encoding=encoding))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (see :func:`write_with`)."""
    return write_with(path, lambda partial: partial.write_bytes(data))


def write_texts(texts: Mapping[Path, str], encoding: str = "utf-8") -> None:
    """Write files that belong together (a summary and its table): every one is
    written in full before any replaces its old version, so a failed write leaves
    the old set as it was rather than a new file beside an old one.

    Raises:
        FileWriteError: a file could not be written (every partial file is removed).
    """
    staged = [StagedFile(path) for path in texts]
    try:
        for file, text in zip(staged, texts.values(), strict=True):
            try:
                file.path.parent.mkdir(parents=True, exist_ok=True)
                file.partial.write_text(text, encoding=encoding)
            except OSError as err:
                raise file.fail(err) from err
    except BaseException:
        for file in staged:
            file.discard()
        raise
    for file in staged:
        file.commit()
