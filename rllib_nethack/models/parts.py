"""Encoder parts by name, and the observation keys each reads.

A part's name means the same encoder in every architecture (``blstats`` is
always the blstats MLP, ``screen`` the CNN over the screen crop), so what a
model reads follows from the names of its parts: the config check derives a
model's observations from this table without building (or importing) torch
modules, and each encoder in :mod:`rllib_nethack.models.encoders` declares its
keys from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rllib_nethack.envs.wrappers.screen_image import TTY_KEYS
from rllib_nethack.errors import ConfigError

#: Observation spaces by key (the model's observation space, as a mapping).
SpaceMap = Mapping[str, Any]

#: Part name -> the observation keys that part's encoder reads.
PART_KEYS: dict[str, tuple[str, ...]] = {
    "blstats": ("blstats",),
    "bottom_lines": ("tty_chars",),
    "glyphs": ("glyphs",),
    "glyphs_crop": ("glyphs_crop",),
    "hero_crop": ("glyphs", "blstats"),
    "message": ("message",),
    "perceiver": ("glyphs", "blstats", "message"),
    "prev_action": ("prev_action",),
    "screen": TTY_KEYS,  # or the env's screen_image, drawn from them
    "top_line": ("tty_chars",),
}


#: The screen CNN's layers, ``(kernel, stride)`` each (ChaoticDwarvenGPT5's sizes): here,
#: without torch, so the config check knows which crops the CNN can read.
SCREEN_CONVS: tuple[tuple[int, int], ...] = ((8, 6), (4, 2), (3, 2), (3, 1))


def screen_cnn_side(pixels: int) -> int:
    """The side of the screen CNN's output for a ``pixels``-wide image (0: too small)."""
    side = pixels
    for kernel, stride in SCREEN_CONVS:
        if side < kernel:
            return 0
        side = (side - kernel) // stride + 1
    return side


def check_screen_size(crop_dim: int, pixel_size: int) -> None:
    """Refuse a screen crop the CNN cannot read, in one line, before any module is built.

    Raises:
        ConfigError: naming both settings and the smallest image that works.
    """
    if screen_cnn_side(crop_dim * pixel_size) < 1:
        least = next(p for p in range(1, 10_000) if screen_cnn_side(p) >= 1)
        raise ConfigError(
            f"model crop_dim x pixel_size = {crop_dim} x {pixel_size} = "
            f"{crop_dim * pixel_size} pixels is too small for the screen CNN (at least {least})"
        )
