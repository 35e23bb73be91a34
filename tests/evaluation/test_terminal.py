"""The VT100 screen and the ttyrec reader behind ``replay``."""

from __future__ import annotations

import bz2
import struct
from pathlib import Path

import numpy as np
import pytest

from rllib_nethack import ConfigError
from rllib_nethack.evaluation.terminal import Screen
from rllib_nethack.evaluation.ttyrec import read_ttyrec


def test_cursor_moves_erasing_and_colours() -> None:
    screen = Screen(rows=4, cols=10)
    screen.feed(b"abc\r\ndef")
    assert screen.text().splitlines()[:2] == ["abc       ", "def       "]
    screen.feed(b"\x1b[1;5H\x1b[1;33mX\x1b[0mY\x1b[2;2H\x1b[K")
    assert screen.text().splitlines()[:2] == ["abc XY    ", "d         "]
    assert screen.colors[0, 4] == 11 and screen.colors[0, 5] == 7  # bold brown = yellow
    screen.feed(b"\x1b[3;1H12\x1b[2D\x1b[B\x1b[C!\x1b[A\x1b[2J")
    assert np.all(screen.chars == 32) and screen.cursor == (2, 2)
    screen.feed(b"\x1b[4;9Habcd")  # deferred wrap at the last column, then scroll
    assert screen.text().splitlines()[-2:] == ["        ab", "cd        "]


def test_escape_sequences_split_across_feeds() -> None:
    whole, split = Screen(rows=2, cols=8), Screen(rows=2, cols=8)
    data = b"\x1b[2;3H\x1b[31mR\x1b[?25l\x1b(Bok"
    whole.feed(data)
    for i in range(len(data)):
        split.feed(data[i : i + 1])
    np.testing.assert_array_equal(whole.chars, split.chars)
    np.testing.assert_array_equal(whole.colors, split.colors)
    assert whole.text().splitlines()[1] == "  Rok   "


def _record(sec: int, data: bytes, channel: int | None) -> bytes:
    if channel is None:
        return struct.pack("<iii", sec, 0, len(data)) + data
    return struct.pack("<iiiB", sec, 0, len(data), channel) + data


def test_ttyrec_formats_and_damage(tmp_path: Path) -> None:
    classic = tmp_path / "game.ttyrec"
    classic.write_bytes(_record(1, b"hi", None) + _record(2, b"!", None))
    assert [(r.time, r.data) for r in read_ttyrec(classic)] == [(1.0, b"hi"), (2.0, b"!")]
    nle = tmp_path / "nle.1.0.ttyrec3.bz2"
    nle.write_bytes(bz2.compress(_record(1, b"x", 0) + _record(1, b"k", 1)))
    assert [(r.channel, r.data) for r in read_ttyrec(nle)] == [(0, b"x"), (1, b"k")]
    cut = tmp_path / "cut.ttyrec"
    cut.write_bytes(_record(1, b"hello", None)[:-2])
    with pytest.raises(ConfigError, match="truncated record at byte 0"):
        list(read_ttyrec(cut))
    wrong = tmp_path / "notes.ttyrec"
    wrong.write_bytes(b"this is not a recording at all")
    with pytest.raises(ConfigError, match="bad record header"):
        list(read_ttyrec(wrong))
