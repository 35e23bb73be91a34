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
