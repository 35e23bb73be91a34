"""Terminal rendering: NetHack's 24x80 text screen as an RGB image.

The NetHack models read the terminal around the hero as a picture, as Sample
Factory's NetHack agents do: each character cell becomes a ``pixel_size`` x
``pixel_size`` block drawn from a font atlas in the cell's terminal colour.
The same renderer draws whole screens for replays and videos.

Rendering runs on every environment step, so it is built to be cheap: the
atlas is computed once per process and stored as *pixel rows* (one row of one
glyph, all three channels: ``3 * pixel_size`` bytes), so an image is a single
gather of rows in output order, with no per-cell Python loop and no transposes.
"""

from __future__ import annotations

import functools
import os

import numpy as np
from numpy.typing import NDArray

#: Sample Factory's screen crop: 18 x 18 cells of 6 x 6 pixels around the hero.
#: The one statement of the default size, for the env's ``screen_image``
#: (EnvOptions) and the model that draws it (ChaoticDwarfSettings).
DEFAULT_CROP_DIM = 18
DEFAULT_PIXEL_SIZE = 6

#: Terminal size NLE renders (rows, columns).
TERMINAL_SHAPE = (24, 80)
#: NetHack's 16 colours (CLR_BLACK .. CLR_WHITE) as RGB. CLR_BLACK is drawn dark
#: grey, as most terminals do, so black monsters and objects stay visible.
PALETTE = np.array(
    [
        (85, 85, 85),  # black
        (170, 0, 0),  # red
        (0, 170, 0),  # green
        (170, 85, 0),  # brown
        (0, 0, 170),  # blue
        (170, 0, 170),  # magenta
        (0, 170, 170),  # cyan
        (170, 170, 170),  # gray
        (128, 128, 128),  # no colour
        (255, 85, 0),  # orange
        (85, 255, 85),  # bright green
        (255, 255, 85),  # yellow
        (85, 85, 255),  # bright blue
        (255, 85, 255),  # bright magenta
        (85, 255, 255),  # bright cyan
        (255, 255, 255),  # white
    ],
    dtype=np.float32,
)
_NUM_COLORS = 16
_SUPERSAMPLE = 4


def _font_path() -> str | None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    path = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data/fonts/ttf")
    path = os.path.join(path, "DejaVuSansMono.ttf")
    return path if os.path.exists(path) else None


@functools.cache
def glyph_masks(pixel_size: int) -> NDArray[np.float32]:
    """Coverage masks of the 256 character codes, ``[256, pixel_size, pixel_size]`` in [0, 1].

    Drawn at 4x the size with a monospace font, then area-averaged down, so
    that even 6-pixel glyphs keep distinct shapes. Codes outside printable
    ASCII (NetHack's tty uses none by default) are blank.
    """
    from PIL import Image, ImageDraw, ImageFont

    big = pixel_size * _SUPERSAMPLE
    path = _font_path()
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    if path is not None:
        font = ImageFont.truetype(path, size=int(big * 0.95))
    else:  # pragma: no cover
        font = ImageFont.load_default(size=big)
    masks = np.zeros((256, pixel_size, pixel_size), dtype=np.float32)
    for code in range(33, 127):
        canvas = Image.new("L", (big, big), 0)
        draw = ImageDraw.Draw(canvas)
        draw.text((big / 2, big / 2), chr(code), fill=255, font=font, anchor="mm")
        pixels = np.asarray(canvas, dtype=np.float32) / 255.0
        pooled = pixels.reshape(pixel_size, _SUPERSAMPLE, pixel_size, _SUPERSAMPLE).mean(
            axis=(1, 3)
        )
        masks[code] = np.clip(pooled * 1.5, 0.0, 1.0)  # thin strokes would fade when pooled
    return masks


@functools.cache
def glyph_atlas(pixel_size: int) -> NDArray[np.uint8]:
    """RGB glyphs for every (character, colour): ``[256 * 16, pixel_size, pixel_size, 3]``.

    Entry ``char * 16 + colour`` is character ``char`` drawn in ``colour`` on black.
    """
    masks = glyph_masks(pixel_size)
    atlas = masks[:, None, :, :, None] * PALETTE[None, :, None, None, :]
    atlas = np.rint(atlas).astype(np.uint8)
    return np.ascontiguousarray(atlas.reshape(256 * _NUM_COLORS, pixel_size, pixel_size, 3))


class TerminalRenderer:
    """Renders crops (or the whole) of a terminal as ``[H, W, 3]`` uint8 images.

    One renderer holds a few scratch buffers, so keep one per environment.

    Args:
        crop_dim: Side of the square crop, in cells, centred on the cursor.
        pixel_size: Side of one cell, in pixels.
    """

    def __init__(self, crop_dim: int, pixel_size: int) -> None:
        self.crop_dim = crop_dim
        self.pixel_size = pixel_size
        self._half = crop_dim // 2
        # One "pixel row" is pixel_size RGB pixels; row (cell * P + y) of the
        # atlas is row y of glyph `cell`.
        atlas = glyph_atlas(pixel_size)
        self._rows = atlas.reshape(-1).view(np.dtype((np.void, 3 * pixel_size)))
        self._window = np.zeros((crop_dim, crop_dim), dtype=np.intp)
        self._lut = self._code_table(pixel_size)
        self._row_offsets = np.arange(pixel_size, dtype=np.intp)[None, :, None]
        self._index = np.empty((crop_dim, pixel_size, crop_dim), dtype=np.intp)

    @staticmethod
    @functools.cache
    def _code_table(pixel_size: int) -> NDArray[np.intp]:
        # [char, tty colour] -> first atlas row of that glyph. tty colours above
        # 15 (attributes) fold onto the 16 base colours.
        chars = np.arange(256, dtype=np.intp)[:, None]
        colors = np.arange(256, dtype=np.intp)[None, :] & (_NUM_COLORS - 1)
        return (chars * _NUM_COLORS + colors) * pixel_size

    def crop(
        self, chars: NDArray[np.uint8], colors: NDArray[np.int8], cursor: NDArray[np.uint8]
    ) -> NDArray[np.uint8]:
        """The ``crop_dim`` x ``crop_dim`` cells centred on ``cursor`` (row, col), rendered."""
        rows, cols = chars.shape
        top, left = int(cursor[0]) - self._half, int(cursor[1]) - self._half
        bottom, right = top + self.crop_dim, left + self.crop_dim
        r0, r1, c0, c1 = max(top, 0), min(bottom, rows), max(left, 0), min(right, cols)
        window = self._window
        if r0 != top or c0 != left or r1 != bottom or c1 != right:
            window.fill(0)  # cells off the screen are blank
        window[r0 - top : r1 - top, c0 - left : c1 - left] = self._lut[
            chars[r0:r1, c0:c1], colors[r0:r1, c0:c1].view(np.uint8)
        ]
        return self._gather(window)

    def screen(self, chars: NDArray[np.uint8], colors: NDArray[np.int8]) -> NDArray[np.uint8]:
        """The whole terminal, rendered (``[24 * P, 80 * P, 3]``)."""
        index = self._lut[chars, colors.view(np.uint8)][:, None, :] + self._row_offsets
        rows, cols = chars.shape
        image = self._rows.take(index).view(np.uint8)
        return image.reshape(rows * self.pixel_size, cols * self.pixel_size, 3)

    def _gather(self, window: NDArray[np.intp]) -> NDArray[np.uint8]:
        np.add(window[:, None, :], self._row_offsets, out=self._index)
        side = self.crop_dim * self.pixel_size
        return self._rows.take(self._index).view(np.uint8).reshape(side, side, 3)


#: Pixels per terminal cell in whole-screen pictures (``render_mode="rgb_array"``,
#: videos): 80 x 24 cells at 12 px give 960 x 288 frames, readable at 1x.
SCREEN_CELL = 12


def ansi_color(color: int) -> str:
    """The SGR escape that sets NetHack colour ``color`` (0..15) as the foreground.

    Black (0) is bright black, as in the pictures, so black monsters stay
    visible; "no colour" (8) is the terminal's default colour.
    """
    color &= _NUM_COLORS - 1
    if color == 0:
        return "\x1b[90m"
    if color == 8:
        return "\x1b[39m"
    return f"\x1b[{30 + color}m" if color < 8 else f"\x1b[{90 + color - 8}m"


def ansi_screen(chars: NDArray[np.uint8], colors: NDArray[np.int8]) -> str:
    """The terminal as text, one line per row, coloured with ANSI escapes.

    An escape is written only where the colour changes, and every line ends
    with a reset, so lines can be printed or cut on their own.
    """
    lines = []
    for row_chars, row_colors in zip(chars.tolist(), colors.view(np.uint8).tolist(), strict=True):
        parts: list[str] = []
        current = -1
        for code, color in zip(row_chars, row_colors, strict=True):
            color &= _NUM_COLORS - 1
            if code != 32 and color != current:
                parts.append(ansi_color(color))
                current = color
            parts.append(chr(code) if 32 <= code < 127 else " ")
        lines.append("".join(parts).rstrip() + "\x1b[0m")
    return "\n".join(lines)
