"""gymnasium rendering (``render_mode="ansi"`` or ``"rgb_array"``) for every task.

NLE's own modes do not fit gymnasium's recorders: its ``"ansi"`` mode drops
the colours and its ``"pixel"`` mode returns the same buffer on every call, so
a recorder that keeps the frames ends up with copies of the last one (an
all-black video after the reset). This wrapper draws the terminal NLE tracks
(``tty_chars``/``tty_colors``) with :mod:`rllib_nethack.envs.render`, into a
new array on every call, so ``gymnasium.wrappers.RecordVideo`` works on any task.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from rllib_nethack.envs.nle_access import base_env, tracks_tty, tty_screen
from rllib_nethack.envs.options import RENDER_MODES
from rllib_nethack.envs.render import SCREEN_CELL, TerminalRenderer, ansi_screen

#: Frames per second a recorder should play the frames at (one step per frame).
RENDER_FPS = 15


class RenderWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Render the terminal as coloured text or as an RGB image.

    Args:
        env: An NLE/MiniHack env whose NLE instance tracks the tty observations.
        render_mode: ``"ansi"`` or ``"rgb_array"``.
        cell: Pixels per terminal cell of an ``rgb_array`` frame.
    """

    def __init__(self, env: gym.Env, render_mode: str, cell: int = SCREEN_CELL) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, render_mode=render_mode, cell=cell)
        super().__init__(env)
        if render_mode not in RENDER_MODES:
            raise ValueError(f"render_mode must be one of {RENDER_MODES}, got {render_mode!r}")
        self._base = base_env(env)
        if not tracks_tty(self._base):
            raise ValueError("rendering needs NLE's tty observations (make_env asks for them)")
        self._mode = render_mode
        self._renderer = TerminalRenderer(crop_dim=1, pixel_size=cell)
        self.metadata = {
            **env.metadata,
            "render_modes": list(RENDER_MODES),
            "render_fps": RENDER_FPS,
        }

    @property
    def render_mode(self) -> str:  # type: ignore[override]
        return self._mode

    def render(self) -> Any:
        """The current terminal: a string (``ansi``) or a new ``[H, W, 3]`` uint8 array."""
        screen = tty_screen(self._base)
        if screen is None:
            raise gym.error.ResetNeeded("call reset() before render()")
        chars, colors, _ = screen
        if self._mode == "ansi":
            return ansi_screen(chars, colors)
        return self.frame(chars, colors)

    def frame(self, chars: NDArray[np.uint8], colors: NDArray[np.int8]) -> NDArray[np.uint8]:
        """A terminal drawn as this wrapper draws it (a new array)."""
        return self._renderer.screen(chars, colors)
