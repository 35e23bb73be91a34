"""The terminal around the hero, rendered as an RGB image.

Adds ``screen_image``: a ``crop_dim`` x ``crop_dim`` cell window of the
terminal centred on the cursor (the hero, on the map), each cell drawn as a
``pixel_size`` square glyph in its colour (see :mod:`rllib_nethack.envs.render`).
Shape ``[crop_dim * pixel_size, crop_dim * pixel_size, 3]``, uint8.

The NetHack models can also render this crop themselves from ``tty_chars``,
``tty_colors`` and ``tty_cursor`` (with the same font and pixels), which is
what the default observations rely on: rendering in the env costs about as much
as a NetHack step and multiplies the bytes each step sends to the learner by
ten. Ask for ``screen_image`` when another consumer wants the picture.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rllib_nethack.envs.render import TerminalRenderer

SCREEN_IMAGE_KEY = "screen_image"
#: The terminal observations the image is drawn from.
TTY_KEYS = ("tty_chars", "tty_colors", "tty_cursor")


class ScreenImageWrapper(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Add ``screen_image`` computed from ``tty_chars``, ``tty_colors`` and ``tty_cursor``."""

    def __init__(self, env: gym.Env, crop_dim: int = 18, pixel_size: int = 6) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, crop_dim=crop_dim, pixel_size=pixel_size)
        super().__init__(env)
        spaces = env.observation_space
        assert isinstance(spaces, gym.spaces.Dict)
        for key in TTY_KEYS:
            if key not in spaces.spaces:
                raise KeyError(f"screen_image needs observation {key!r}")
        self.renderer = TerminalRenderer(crop_dim, pixel_size)
        side = crop_dim * pixel_size
        self.observation_space = gym.spaces.Dict(
            {
                **spaces.spaces,
                SCREEN_IMAGE_KEY: gym.spaces.Box(0, 255, shape=(side, side, 3), dtype=np.uint8),
            }
        )

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        observation[SCREEN_IMAGE_KEY] = self.renderer.crop(
            observation["tty_chars"], observation["tty_colors"], observation["tty_cursor"]
        )
        return observation
