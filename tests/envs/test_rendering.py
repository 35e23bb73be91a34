"""render_mode="ansi" / "rgb_array" on every task, and gymnasium's RecordVideo on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from rllib_nethack import ConfigError
from rllib_nethack.envs.nle_access import base_env, tty_screen
from rllib_nethack.envs.render import SCREEN_CELL, TerminalRenderer, glyph_atlas


@pytest.mark.parametrize("task", ["room5x5", "challenge"])
def test_rgb_array_frames_are_fresh_pictures_of_the_terminal(
    make: Callable[..., gym.Env], task: str
) -> None:
    env = make(task, render_mode="rgb_array")
    assert env.render_mode == "rgb_array"
    observations_without = make(task).observation_space
    assert env.observation_space == observations_without  # rendering adds no observation
    env.reset(seed=0)
    first = env.render()
    assert first.shape == (24 * SCREEN_CELL, 80 * SCREEN_CELL, 3) and first.dtype == np.uint8
    kept = first.copy()
    for action in range(4):
        env.step(action)
    later = env.render()
    assert not np.shares_memory(first, later)
    np.testing.assert_array_equal(first, kept)  # a new array each call: kept frames stay
    chars, colors, _ = tty_screen(base_env(env))
    np.testing.assert_array_equal(later, TerminalRenderer(1, SCREEN_CELL).screen(chars, colors))
    # The hero is drawn where the terminal has it, in its colour.
    (row,), (col,) = np.nonzero(chars == ord("@"))[0][:1], np.nonzero(chars == ord("@"))[1][:1]
    cell = later[
        row * SCREEN_CELL : (row + 1) * SCREEN_CELL, col * SCREEN_CELL : (col + 1) * SCREEN_CELL
    ]
    glyph = glyph_atlas(SCREEN_CELL)[ord("@") * 16 + (int(colors[row, col]) & 15)]
    np.testing.assert_array_equal(cell, glyph)


def test_ansi_is_coloured_text_of_the_terminal(make: Callable[..., gym.Env]) -> None:
    env = make("challenge", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    lines = text.split("\n")
    assert len(lines) == 24
    chars, _, _ = tty_screen(base_env(env))
    plain = [__import__("re").sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert plain == [bytes(row).decode().rstrip() for row in chars]
    assert "\x1b[" in text


def test_bad_render_mode_is_one_line() -> None:
    import rllib_nethack

    expected = "option 'render_mode' must be one of 'ansi', 'rgb_array'"
    with pytest.raises(ConfigError, match=expected):
        rllib_nethack.make_env("room5x5", render_mode="human")


@pytest.mark.parametrize("task", ["room5x5", "score"])
def test_record_video_records_the_game(
    make: Callable[..., gym.Env], tmp_path: Path, task: str
) -> None:
    pytest.importorskip("moviepy")
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    env = gym.wrappers.RecordVideo(
        make(task, render_mode="rgb_array", max_episode_steps=20),
        str(tmp_path),
        episode_trigger=lambda episode: True,
        disable_logger=True,
    )
    env.reset(seed=0)
    done, steps = False, 0
    while not done:
        _, _, terminated, truncated, _ = env.step(steps % 4)
        done, steps = terminated or truncated, steps + 1
    env.close()
    (video,) = tmp_path.glob("*.mp4")
    reader = imageio_ffmpeg.read_frames(str(video))
    meta = next(reader)
    frames = [np.frombuffer(f, dtype=np.uint8) for f in reader]
    assert tuple(meta["size"]) == (80 * SCREEN_CELL, 24 * SCREEN_CELL)
    assert len(frames) == steps + 1
    assert all(f.max() > 100 for f in frames)  # text on every frame, not black ones
