"""``watch`` to the terminal, a video and ttyrecs; ``replay`` of our env's ttyrecs."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import rllib_nethack
from rllib_nethack import ConfigError
from rllib_nethack.cli.settings import parse_settings
from rllib_nethack.envs.nle_access import base_env, tty_screen
from rllib_nethack.envs.render import SCREEN_CELL, glyph_atlas
from rllib_nethack.evaluation.episodes import reset_seeded
from rllib_nethack.evaluation.replaying import ReplaySettings, replay_frames, run_replay
from rllib_nethack.evaluation.watching import WatchSettings, run_watch
from rllib_nethack.policy import load_policy


def watch(*args: str) -> tuple[list, str]:
    out = io.StringIO()
    ends = run_watch(parse_settings(WatchSettings, list(args), positional="checkpoint"), out=out)
    return ends, out.getvalue()


def gif_frames(path: Path) -> list[np.ndarray]:
    image = Image.open(path)
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB")))
    return frames


def cell(frame: np.ndarray, row: int, col: int) -> np.ndarray:
    return frame[
        row * SCREEN_CELL : (row + 1) * SCREEN_CELL, col * SCREEN_CELL : (col + 1) * SCREEN_CELL
    ]


def test_watch_video_shows_the_screen(untrained_checkpoint: Path, tmp_path: Path) -> None:
    video = tmp_path / "agent.gif"
    ends, text = watch(str(untrained_checkpoint), f"video={video}", "episodes=2", "max_steps=7")
    assert [e.steps for e in ends] == [7, 7]
    frames = gif_frames(video)
    # A frame per observation: the reset and every step, for each episode.
    assert len(frames) == 2 * (7 + 1)
    assert frames[0].shape == (25 * SCREEN_CELL, 80 * SCREEN_CELL, 3)
    assert f"{len(frames)} frames" in text

    # The first frame is seed 0's first screen: the hero's cell is the font's '@'.
    policy = load_policy(untrained_checkpoint)
    env = policy.make_env(render_mode="ansi")
    try:
        reset_seeded(env, 0)
        chars, colors, _ = tty_screen(base_env(env))
        rows, cols = np.nonzero(chars == ord("@"))
        row, col = int(rows[0]), int(cols[0])
        atlas = glyph_atlas(SCREEN_CELL).astype(np.int32)
        shown = cell(frames[0], row, col).astype(np.int32)
        color = int(colors[row, col]) & 15
        distances = [np.abs(atlas[c * 16 + color] - shown).mean() for c in range(32, 127)]
        assert 32 + int(np.argmin(distances)) == ord("@")
        assert np.abs(atlas[ord("@") * 16 + color] - shown).max() <= 48  # GIF palette rounding
    finally:
        env.close()
    # The status line (row 25) names the episode.
    status = cell(frames[0], 24, 0).astype(np.int32)
    assert (
        np.abs(status - atlas[ord("e") * 16 + 15]).mean()
        < np.abs(status - atlas[ord("x") * 16 + 15]).mean()
    )

    # An existing video is never overwritten without overwrite=true.
    before = video.read_bytes()
    with pytest.raises(ConfigError, match="overwrite=true"):
        watch(str(untrained_checkpoint), f"video={video}")
    assert video.read_bytes() == before


def test_watch_mp4_decodes(untrained_checkpoint: Path, tmp_path: Path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    video = tmp_path / "agent.mp4"
    watch(str(untrained_checkpoint), f"video={video}", "max_steps=5")
    reader = imageio_ffmpeg.read_frames(str(video))
    meta = next(reader)
    assert tuple(meta["size"]) == (80 * SCREEN_CELL, 25 * SCREEN_CELL)
    assert sum(1 for _ in reader) == 6


def test_watch_in_the_terminal_with_ttyrecs(untrained_checkpoint: Path, tmp_path: Path) -> None:
    ends, text = watch(
        str(untrained_checkpoint), "speed=0", "max_steps=4", f"ttyrec={tmp_path / 'tty'}"
    )
    assert ends[0].steps == 4
    assert text.count("episode 1/1  seed 0") == 5
    assert "action " in text and "\x1b[H" in text
    (ttyrec,) = (tmp_path / "tty").glob("*.ttyrec3.bz2")
    assert f"ttyrec {ttyrec}" in text


def test_replay_reproduces_the_env_screens(tmp_path: Path) -> None:
    env = rllib_nethack.make_env(
        "challenge", savedir=str(tmp_path), save_ttyrec_every=1, max_episode_steps=60
    )
    screens = []
    try:
        obs, _ = env.reset(seed=5)
        screens.append((obs["tty_chars"].copy(), obs["tty_colors"].copy()))
        rng = np.random.default_rng(0)
        done = False
        while not done:
            obs, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            screens.append((obs["tty_chars"].copy(), obs["tty_colors"].copy()))
            done = terminated or truncated
    finally:
        env.close()
    (ttyrec,) = tmp_path.glob("*.ttyrec3.bz2")
    frames = list(replay_frames(ttyrec))

    def same(screen: tuple[np.ndarray, np.ndarray], frame) -> bool:
        chars, colors = screen
        return bool(
            np.array_equal(chars, frame.chars)
            and np.all((colors == frame.colors) | (chars == ord(" ")))
        )

    # Every screen of the game shows up in the replay, in order, up to the
    # last one the agent saw in the game. (The step that ends the episode
    # returns NLE's end-of-game screen, and NetHack writes more text to the
    # ttyrec after it, so the replay's last frame comes after that.)
    position = 0
    for screen in screens[:-1]:
        while position < len(frames) and not same(screen, frames[position]):
            position += 1
        assert position < len(frames), "an env screen is missing from the replay"
    final_chars = bytes(screens[-1][0][0]).rstrip()
    assert any(bytes(f.chars[0]).rstrip() == final_chars for f in frames[position:])

    video = tmp_path / "replay.gif"
    shown = run_replay(ReplaySettings(file=str(ttyrec), video=str(video)), out=io.StringIO())
    assert shown == len(frames) == Image.open(video).n_frames
    assert run_replay(ReplaySettings(file=str(ttyrec), speed=0), out=io.StringIO()) == len(frames)
