"""Reading ttyrec files: classic ttyrec and NLE's ttyrec3.

A ttyrec is a sequence of records, each a little-endian header and a payload.
The classic header is 12 bytes: seconds, microseconds, payload length. NLE's
version 3 (``*.ttyrec3.bz2``) adds one channel byte: 0 terminal output, 1 the
key the agent pressed, 2 the reward. Files may be bz2- or gzip-compressed.
"""

from __future__ import annotations

import bz2
import gzip
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from rllib_nethack.errors import ConfigError

TtyrecFormat = Literal["auto", "ttyrec", "nle"]
OUTPUT, INPUT, REWARD = 0, 1, 2
_CLASSIC = struct.Struct("<iii")
_NLE = struct.Struct("<iiiB")


@dataclass(frozen=True)
class Record:
    """One record: when (seconds), which channel, what bytes."""

    time: float
    channel: int
    data: bytes


def detect_format(path: Path) -> Literal["ttyrec", "nle"]:
    """NLE's ttyrec3 by its name (``.ttyrec3``, ``.ttyrec2``), else classic ttyrec."""
    return "nle" if ".ttyrec3" in path.name or ".ttyrec2" in path.name else "ttyrec"


def _open(path: Path) -> BinaryIO:
    if path.suffix in (".bz2", ".bzip2"):
        return bz2.open(path, "rb")  # type: ignore[return-value]
    if path.suffix in (".gz", ".gzip"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_ttyrec(path: str | os.PathLike[str], fmt: TtyrecFormat = "auto") -> Iterator[Record]:
    """The records of a ttyrec file, in order.

    Raises:
        ConfigError: the file does not exist, is not a ttyrec of this format,
            or is truncated or corrupt (named with the byte offset).
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"ttyrec {path} does not exist")
    kind = detect_format(file) if fmt == "auto" else fmt
    header = _NLE if kind == "nle" else _CLASSIC
    offset = 0
    try:
        with _open(file) as stream:
            while True:
                raw = stream.read(header.size)
                if not raw:
                    return
                if len(raw) < header.size:
                    raise ConfigError(f"ttyrec {path}: truncated header at byte {offset}")
                fields = header.unpack(raw)
                sec, usec, length = fields[:3]
                channel = fields[3] if kind == "nle" else OUTPUT
                if sec < 0 or not 0 <= usec < 1_000_000 or not 0 <= length < 1 << 24 or channel > 2:
                    raise ConfigError(
                        f"ttyrec {path}: bad record header at byte {offset} (is it a "
                        f"{'classic' if kind == 'ttyrec' else 'NLE ttyrec3'} file? try format=)"
                    )
                data = stream.read(length)
                if len(data) < length:
                    raise ConfigError(f"ttyrec {path}: truncated record at byte {offset}")
                offset += header.size + length
                yield Record(sec + usec / 1e6, channel, data)
    except (OSError, EOFError) as err:
        raise ConfigError(f"ttyrec {path}: cannot read it ({err})") from None
