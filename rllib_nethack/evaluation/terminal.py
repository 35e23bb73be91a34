"""A small VT100 screen: terminal bytes in, NLE-style ``tty_chars``/``tty_colors`` out.

Enough of VT100/ANSI for what NetHack's tty port writes (as recorded in NLE's
ttyrecs and classic ones): printable ASCII with VT100's deferred line wrap,
CR/LF/BS/TAB (scrolling at the bottom line), cursor positioning
and moves (``CSI H f A B C D G d``), erasing (``CSI J K``), colours and bold
(``CSI m``: bold turns a colour into its bright twin, as NLE's ``tty_colors``
counts them, 8..15). Anything else (modes, charsets, inverse video) is read
and ignored, so unknown input never breaks playback.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rllib_nethack.envs.render import TERMINAL_SHAPE

_ESC = 0x1B
_DEFAULT_COLOR = 7  # NetHack's "gray": what NLE reports for uncoloured text
_BLANK = 32


class Screen:
    """A rows x cols terminal screen fed with bytes (see the module docstring)."""

    def __init__(self, rows: int = TERMINAL_SHAPE[0], cols: int = TERMINAL_SHAPE[1]) -> None:
        self.rows, self.cols = rows, cols
        self.chars: NDArray[np.uint8] = np.full((rows, cols), _BLANK, dtype=np.uint8)
        self.colors: NDArray[np.int8] = np.zeros((rows, cols), dtype=np.int8)
        self.row = self.col = 0
        self._fg = _DEFAULT_COLOR
        self._bold = False
        self._pending = bytearray()  # an escape sequence split across feeds

    @property
    def cursor(self) -> tuple[int, int]:
        """(row, column) of the cursor."""
        return self.row, min(self.col, self.cols - 1)

    def text(self) -> str:
        """The screen as plain text, one line per row (trailing spaces kept)."""
        return "\n".join(bytes(row).decode("latin-1") for row in self.chars)

    def feed(self, data: bytes) -> None:
        """Apply terminal output ``data``."""
        buffer = bytes(self._pending) + data
        self._pending.clear()
        i, n = 0, len(buffer)
        while i < n:
            byte = buffer[i]
            if byte == _ESC:
                end = self._escape_end(buffer, i)
                if end is None:  # incomplete: wait for the next feed
                    self._pending.extend(buffer[i:])
                    return
                self._escape(buffer[i:end])
                i = end
                continue
            self._control_or_print(byte)
            i += 1

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _escape_end(buffer: bytes, start: int) -> int | None:
        """Index just past the escape sequence starting at ``start`` (None if cut off)."""
        if start + 1 >= len(buffer):
            return None
        kind = buffer[start + 1]
        if kind == ord("["):
            for j in range(start + 2, len(buffer)):
                if 0x40 <= buffer[j] <= 0x7E:
                    return j + 1
            return None
        if kind in b"()#":  # charset selection: ESC ( B
            return start + 3 if start + 2 < len(buffer) else None
        return start + 2

    def _escape(self, sequence: bytes) -> None:
        if len(sequence) < 3 or sequence[1] != ord("["):
            return  # ESC 7/8, charsets, keypad modes: no effect on the picture
        final = chr(sequence[-1])
        body = sequence[2:-1].decode("latin-1")
        if body.startswith("?") or body.startswith(">"):
            return  # private modes (cursor visibility, alternate screen)
        params = [int(p) if p.isdigit() else 0 for p in body.split(";")] if body else []

        def arg(index: int, default: int) -> int:
            value = params[index] if index < len(params) else 0
            return value if value > 0 else default

        if final in "Hf":
            self.row = min(max(arg(0, 1) - 1, 0), self.rows - 1)
            self.col = min(max(arg(1, 1) - 1, 0), self.cols - 1)
        elif final == "A":
            self.row = max(self.row - arg(0, 1), 0)
        elif final == "B":
            self.row = min(self.row + arg(0, 1), self.rows - 1)
        elif final == "C":
            self.col = min(self.col + arg(0, 1), self.cols - 1)
        elif final == "D":
            self.col = max(min(self.col, self.cols - 1) - arg(0, 1), 0)
        elif final == "G":
            self.col = min(max(arg(0, 1) - 1, 0), self.cols - 1)
        elif final == "d":
            self.row = min(max(arg(0, 1) - 1, 0), self.rows - 1)
        elif final == "J":
            self._erase_display(params[0] if params else 0)
        elif final == "K":
            self._erase_line(params[0] if params else 0)
        elif final == "m":
            self._sgr(params or [0])

    def _erase_display(self, mode: int) -> None:
        if mode == 2:
            self._clear(slice(0, self.rows), slice(0, self.cols))
        elif mode == 1:
            self._clear(slice(0, self.row), slice(0, self.cols))
            self._clear(slice(self.row, self.row + 1), slice(0, self.col + 1))
        else:
            self._clear(slice(self.row, self.row + 1), slice(self.col, self.cols))
            self._clear(slice(self.row + 1, self.rows), slice(0, self.cols))

    def _erase_line(self, mode: int) -> None:
        row = slice(self.row, self.row + 1)
        if mode == 2:
            self._clear(row, slice(0, self.cols))
        elif mode == 1:
            self._clear(row, slice(0, self.col + 1))
        else:
            self._clear(row, slice(self.col, self.cols))

    def _clear(self, rows: slice, cols: slice) -> None:
        self.chars[rows, cols] = _BLANK
        self.colors[rows, cols] = 0

    def _sgr(self, params: list[int]) -> None:
        for p in params:
            if p == 0:
                self._fg, self._bold = _DEFAULT_COLOR, False
            elif p == 1:
                self._bold = True
            elif p == 22:
                self._bold = False
            elif 30 <= p <= 37:
                self._fg = p - 30
            elif p == 39:
                self._fg = _DEFAULT_COLOR
            elif 90 <= p <= 97:
                self._fg, self._bold = p - 90, True

    def _line_feed(self) -> None:
        if self.row < self.rows - 1:
            self.row += 1
            return
        self.chars[:-1] = self.chars[1:]  # scroll up at the bottom line
        self.colors[:-1] = self.colors[1:]
        self._clear(slice(self.rows - 1, self.rows), slice(0, self.cols))

    def _control_or_print(self, byte: int) -> None:
        if byte == 0x0D:
            self.col = 0
        elif byte == 0x0A:
            self._line_feed()
        elif byte == 0x08:
            self.col = max(min(self.col, self.cols - 1) - 1, 0)
        elif byte == 0x09:
            self.col = min((self.col // 8 + 1) * 8, self.cols - 1)
        elif 32 <= byte < 127:
            if self.col >= self.cols:  # deferred wrap, as VT100 and NLE's own screen do
                self.col = 0
                self._line_feed()
            self.chars[self.row, self.col] = byte
            self.colors[self.row, self.col] = self._fg + (8 if self._bold else 0)
            self.col += 1
