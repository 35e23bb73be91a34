"""``python -m rllib_nethack.replay FILE``: play a recorded game back.

A ttyrec (NLE's ``*.ttyrec3.bz2`` or a classic one) is fed through the VT100
screen of :mod:`.terminal`; every run of terminal output between two key
presses (or every record of a classic ttyrec) becomes one frame, shown in the
terminal with the same keys as ``watch`` or written to a video with the same
font and colours.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from rllib_nethack.envs.render import SCREEN_CELL, TerminalRenderer
from rllib_nethack.errors import ConfigError
from rllib_nethack.evaluation.terminal import Screen
from rllib_nethack.evaluation.ttyrec import OUTPUT, TtyrecFormat, read_ttyrec
from rllib_nethack.evaluation.video import VideoWriter, check_video_path
from rllib_nethack.evaluation.watching import Keys, TerminalView, frame_with_status
from rllib_nethack.fields import above, at_least, check_instance, one_of

FORMATS = ("auto", "ttyrec", "nle")


@dataclass
class ReplaySettings:
    """Settings of ``python -m rllib_nethack.replay``.

    Attributes:
        file: The ttyrec (.ttyrec, .ttyrec3.bz2, .bz2, .gz).
        format: auto (NLE's ttyrec3 by its name), ttyrec (classic) or nle.
        speed: Frames per second in the terminal (0: as fast as possible).
        video: Write the replay to this .gif or .mp4 file instead of the terminal.
        fps: Frames per second of the video.
        overwrite: Replace an existing video file.
    """

    file: str
    format: str = field(default="auto", metadata=one_of(*FORMATS))
    speed: float = field(default=15.0, metadata=at_least(0))
    video: str | None = None
    fps: float = field(default=15.0, metadata=above(0))
    overwrite: bool = False


@dataclass(frozen=True)
class Frame:
    """The screen after one run of terminal output."""

    time: float
    chars: NDArray[np.uint8]
    colors: NDArray[np.int8]


def replay_frames(path: str | Path, fmt: TtyrecFormat = "auto") -> Iterator[Frame]:
    """The frames of a ttyrec, in order (see the module docstring)."""
    screen = Screen()
    pending = False
    last_time = 0.0
    for record in read_ttyrec(path, fmt):
        if record.channel == OUTPUT:
            screen.feed(record.data)
            last_time = record.time
            pending = True
            if fmt == "ttyrec" or (fmt == "auto" and ".ttyrec3" not in Path(path).name):
                yield Frame(record.time, screen.chars.copy(), screen.colors.copy())
                pending = False
        elif pending:
            yield Frame(last_time, screen.chars.copy(), screen.colors.copy())
            pending = False
    if pending:
        yield Frame(last_time, screen.chars.copy(), screen.colors.copy())


def run_replay(settings: ReplaySettings, out: TextIO = sys.stdout) -> int:
    """Everything ``python -m rllib_nethack.replay`` does; returns the frames shown."""
    settings = check_instance(settings)
    fmt: TtyrecFormat = settings.format  # type: ignore[assignment]
    frames = list(replay_frames(settings.file, fmt))  # reads (and checks) the whole file first
    if not frames:
        raise ConfigError(f"ttyrec {settings.file} holds no terminal output")
    name = Path(settings.file).name
    start = frames[0].time

    def status(index: int, frame: Frame) -> str:
        return f"{name}  frame {index + 1}/{len(frames)}  t={frame.time - start:.1f}s"

    if settings.video:
        video = check_video_path(settings.video, settings.overwrite)
        renderer = TerminalRenderer(crop_dim=1, pixel_size=SCREEN_CELL)
        with VideoWriter(video, fps=settings.fps, overwrite=settings.overwrite) as writer:
            for index, frame in enumerate(frames):
                writer.write(
                    frame_with_status(renderer, frame.chars, frame.colors, status(index, frame))
                )
        print(f"video {video} ({writer.frames} frames)", file=out)
        return writer.frames
    keys = Keys(sys.stdin)
    view = TerminalView(out, keys, settings.speed, unit="frames")
    out.write("\x1b[2J")
    shown = 0
    with keys.active():
        for index, frame in enumerate(frames):
            view.show(frame.chars, frame.colors, status(index, frame))
            shown += 1
            if view.quit:
                break
    return shown
