"""Video files of terminal frames: GIF through Pillow, MP4 through imageio-ffmpeg.

GIF needs nothing beyond our dependencies; frames are kept (palettised, one
byte per pixel) until the file is written, so it suits clips of a few thousand
frames. MP4 streams frames to the ffmpeg binary that the ``imageio-ffmpeg``
wheel ships (``pip install 'rllib-nethack[video]'``). Either way the file is
written under a temporary name and moved into place when complete
(:class:`~rllib_nethack.runs.atomic.StagedFile`), so an interrupted recording or
a full disk never leaves a broken file where a good one was: a failed write is
one :class:`~rllib_nethack.runs.atomic.FileWriteError` naming the video.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rllib_nethack.errors import ConfigError
from rllib_nethack.runs.atomic import StagedFile

VIDEO_SUFFIXES = (".gif", ".mp4")


def check_video_path(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """``path`` as a video file we may write (suffix, directory, existing file).

    Raises:
        ConfigError: unknown suffix, existing file without ``overwrite``, a
            directory that cannot be created or written, MP4 without imageio-ffmpeg.
    """
    file = Path(path).expanduser()
    if file.suffix.lower() not in VIDEO_SUFFIXES:
        raise ConfigError(f"video {path}: use a .gif or .mp4 file name")
    if file.exists() and not overwrite:
        raise ConfigError(f"video {file} exists; pass overwrite=true to replace it")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"video {file}: cannot create {file.parent} ({err.strerror})") from None
    if not os.access(file.parent, os.W_OK):
        raise ConfigError(f"video {file}: directory {file.parent} is not writable")
    if file.suffix.lower() == ".mp4":
        _ffmpeg()
    return file


def _ffmpeg() -> Any:
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ConfigError(
            "MP4 videos need imageio-ffmpeg: pip install 'rllib-nethack[video]' (or write a .gif)"
        ) from None
    return imageio_ffmpeg


def mp4_complete(path: Path) -> bool:
    """Whether the MP4 at ``path`` is whole: its top-level boxes fill the file
    exactly and one is the index (``moov``) that ffmpeg writes last."""
    try:
        size = path.stat().st_size
        seen = set()
        with path.open("rb") as f:
            offset = 0
            while offset < size:
                f.seek(offset)
                header = f.read(16)
                if len(header) < 8:
                    return False
                length, kind = int.from_bytes(header[:4], "big"), header[4:8]
                if length == 1 and len(header) == 16:  # 64-bit size follows
                    length = int.from_bytes(header[8:16], "big")
                elif length == 0:  # the box runs to the end of the file
                    length = size - offset
                if length < 8:
                    return False
                seen.add(kind)
                offset += length
    except OSError:
        return False
    return offset == size and b"moov" in seen


class VideoWriter:
    """Write RGB frames (``[H, W, 3]`` uint8, all the same size) to a GIF or MP4 file.

    Use as a context manager; the file appears when it closes without error.

    Args:
        path: A ``.gif`` or ``.mp4`` path (checked by :func:`check_video_path`).
        fps: Frames per second.
        overwrite: Replace an existing file.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float = 15, overwrite: bool = False):
        self.path = check_video_path(path, overwrite)
        self.fps = fps
        self.frames = 0
        self.size: tuple[int, int] | None = None  # (width, height)
        self._file = StagedFile(self.path)
        self._gif: list[Any] = []
        self._mp4: Any = None
        self._closed = False

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(keep=kind is None)

    def write(self, frame: NDArray[np.uint8]) -> None:
        """Append one frame.

        Raises:
            FileWriteError: the encoder could not write (disk full ...); the
                partial file is removed.
        """
        height, width = frame.shape[:2]
        if self.size is None:
            self.size = (width, height)
            if self.path.suffix.lower() == ".mp4":
                self._mp4 = _ffmpeg().write_frames(
                    str(self._file.partial),
                    self.size,
                    fps=self.fps,
                    codec="libx264",
                    pix_fmt_out="yuv420p",
                    macro_block_size=2,
                    quality=8,
                    output_params=["-f", "mp4"],
                )
                self._mp4.send(None)
        elif self.size != (width, height):
            raise ValueError(f"frame size {(width, height)} differs from {self.size}")
        if self._mp4 is not None:
            try:
                self._mp4.send(np.ascontiguousarray(frame, dtype=np.uint8))
            except OSError as err:  # ffmpeg stopped: its pipe broke (disk full ...)
                self._stop_encoder()
                raise self._file.fail(err) from err
        else:
            from PIL import Image

            # An adaptive palette per frame keeps NetHack's 16 colours and the
            # font's anti-aliasing exact enough at a byte per pixel.
            self._gif.append(Image.fromarray(frame).quantize(colors=256, dither=Image.Dither.NONE))
        self.frames += 1

    def write_all(self, frames: Iterable[NDArray[np.uint8]]) -> None:
        """Append several frames."""
        for frame in frames:
            self.write(frame)

    def _stop_encoder(self) -> None:
        encoder, self._mp4 = self._mp4, None
        if encoder is not None:
            with contextlib.suppress(Exception):
                encoder.close()

    def close(self, keep: bool = True) -> None:
        """Finish the file (``keep``) or drop what was written.

        Raises:
            FileWriteError: the file could not be finished (disk full ...);
                nothing is left at its path but what was there before.
        """
        if self._closed:
            return
        self._closed = True
        if not keep or not self.frames:
            self._stop_encoder()
            self._gif = []
            self._file.discard()
            return
        try:
            if self._mp4 is not None:
                encoder, self._mp4 = self._mp4, None
                encoder.close()
                if not mp4_complete(self._file.partial):
                    # imageio-ffmpeg does not report ffmpeg failing on the file's last write.
                    raise OSError(0, "ffmpeg could not finish the file (disk full?)")
            else:
                first, *rest = self._gif
                self._gif = []
                first.save(
                    self._file.partial,
                    format="GIF",
                    save_all=True,
                    append_images=rest,
                    duration=max(round(1000 / self.fps), 20),
                    loop=0,
                )
        except (OSError, RuntimeError) as err:  # imageio-ffmpeg: ffmpeg's own failure
            raise self._file.fail(err) from err
        except BaseException:
            self._file.discard()
            raise
        self._file.commit()
