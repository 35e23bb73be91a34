"""``python -m rllib_nethack.watch``: see an agent play, in the terminal or as a video.

In the terminal the screen redraws at ``speed`` steps per second, under it a
status line (episode, seed, step, return, the action just chosen). Keys:
space pauses and resumes, ``n`` steps once while paused, ``+``/``-`` double or
halve the speed, ``q`` quits. With ``video=FILE`` the same frames (screen plus
status line, drawn with the env's font and NetHack's colours) go to a GIF or
MP4 file instead; ``ttyrec=DIR`` also keeps NLE's ttyrec of every episode.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from rllib_nethack.envs.nle_access import base_env, tty_screen
from rllib_nethack.envs.render import SCREEN_CELL, TerminalRenderer, ansi_screen
from rllib_nethack.envs.wrappers.episode_stats import END_KEY
from rllib_nethack.errors import ConfigError
from rllib_nethack.evaluation.episodes import reset_seeded
from rllib_nethack.evaluation.video import VideoWriter, check_video_path
from rllib_nethack.fields import above, at_least, check_instance
from rllib_nethack.policy import Policy, load_policy

#: Colour of the status line in videos (NetHack's white).
STATUS_COLOR = 15


@dataclass
class WatchSettings:
    """Settings of ``python -m rllib_nethack.watch``.

    Attributes:
        checkpoint: A checkpoint or run directory (its latest checkpoint).
        episodes: Episodes to play, on seeds seed, seed+1, ...
        seed: Seed of the first episode.
        task: Play another task than the checkpoint's (same observations needed).
        character: Play another character (role-race-alignment-gender).
        max_steps: Step cap per episode.
        greedy: Most likely action (true) or sampled from the policy (false).
        speed: Steps per second in the terminal (0: as fast as possible).
        video: Write the episodes to this .gif or .mp4 file instead of the terminal.
        fps: Frames (steps) per second of the video.
        ttyrec: Also save NLE's ttyrec of every episode into this directory.
        device: Device of the model (cpu, cuda, auto).
        overwrite: Replace an existing video file.
    """

    checkpoint: str
    episodes: int = field(default=1, metadata=at_least(1))
    seed: int = field(default=0, metadata=at_least(0))
    task: str | None = None
    character: str | None = None
    max_steps: int | None = field(default=None, metadata=at_least(1))
    greedy: bool = True
    speed: float = field(default=10.0, metadata=at_least(0))
    video: str | None = None
    fps: float = field(default=15.0, metadata=above(0))
    ttyrec: str | None = None
    device: str = "cpu"
    overwrite: bool = False


def action_name(env: gym.Env, action: int) -> str:
    """The NetHack command of ``action`` and its key, e.g. ``N (k)``."""
    actions = getattr(base_env(env), "actions", None)
    if actions is None or not 0 <= action < len(actions):
        return str(action)
    command = actions[action]
    key = int(command)
    shown = (
        chr(key) if 32 < key < 127 else f"^{chr(key + 64)}" if key < 32 else f"M-{chr(key - 128)}"
    )
    return f"{getattr(command, 'name', command)} ({shown})"


def status_line(
    episode: int, episodes: int, seed: int, step: int, total: float, action: str
) -> str:
    """The line shown under the screen."""
    return (
        f"episode {episode}/{episodes}  seed {seed}  step {step}  return {total:.2f}  "
        f"action {action}"
    )


def frame_with_status(
    renderer: TerminalRenderer, chars: NDArray[np.uint8], colors: NDArray[np.int8], status: str
) -> NDArray[np.uint8]:
    """The screen with the status line as a 25th row, drawn with the same font."""
    cols = chars.shape[1]
    row = np.full((1, cols), 32, dtype=np.uint8)
    text = status.encode("ascii", "replace")[:cols]
    row[0, : len(text)] = np.frombuffer(text, dtype=np.uint8)
    all_chars = np.vstack([chars, row])
    all_colors = np.vstack([colors, np.full((1, cols), STATUS_COLOR, dtype=np.int8)])
    return renderer.screen(all_chars, all_colors)


@dataclass
class EpisodeEnd:
    """How one watched episode went."""

    seed: int
    steps: int
    episode_return: float
    end: dict[str, Any]


class Keys:
    """Single keypresses from a terminal (cbreak mode), or none when stdin is not one."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())

    @contextlib.contextmanager
    def active(self) -> Iterator[Keys]:
        """Put the terminal into cbreak mode (restored on exit)."""
        if not self.interactive:
            yield self
            return
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            yield self
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def read(self, timeout: float) -> str | None:
        """A key pressed within ``timeout`` seconds (None if none; sleeps if not interactive)."""
        if not self.interactive:
            if timeout > 0:
                time.sleep(timeout)
            return None
        ready, _, _ = select.select([self.stream], [], [], max(timeout, 0))
        return os.read(self.stream.fileno(), 1).decode("latin-1") if ready else None


class TerminalView:
    """Draws screens and status lines to a terminal and handles the playback keys."""

    def __init__(self, out: TextIO, keys: Keys, speed: float, unit: str = "steps") -> None:
        self.out = out
        self.unit = unit
        self.keys = keys
        self.speed = speed
        self.paused = False
        self.quit = False

    def show(self, chars: NDArray[np.uint8], colors: NDArray[np.int8], status: str) -> bool:
        """Redraw the screen, wait (and take keys) until the next step is due;
        return whether the viewer quit."""
        help_line = "space pause/resume  n step  +/- speed  q quit"
        self.out.write("\x1b[H" + ansi_screen(chars, colors) + "\n\x1b[0m" + status + "\x1b[K\n")
        self.out.write(f"speed {self.speed:g} {self.unit}/s  {help_line}\x1b[K\n")
        self.out.flush()
        self._wait()
        return self.quit

    def _wait(self) -> None:
        due = time.monotonic() + (1.0 / self.speed if self.speed > 0 else 0.0)
        while not self.quit:
            timeout = 0.1 if self.paused else due - time.monotonic()
            if timeout <= 0 and not self.paused:
                return
            key = self.keys.read(timeout if timeout > 0 else 0)
            if key is None:
                continue
            if key in "qQ":
                self.quit = True
            elif key == " ":
                self.paused = not self.paused
            elif key in "n." and self.paused:
                return
            elif key in "+=":
                self.speed = self.speed * 2 if self.speed > 0 else 0
            elif key in "-_" and self.speed > 0:
                self.speed = max(self.speed / 2, 0.25)


def play_watched(
    policy: Policy,
    env: gym.Env,
    settings: WatchSettings,
    show: Any,
) -> list[EpisodeEnd]:
    """Play ``settings.episodes`` episodes, calling ``show(chars, colors, status)`` per step.

    ``show`` returns True to stop early (the viewer quit).
    """
    base = base_env(env)
    ends: list[EpisodeEnd] = []
    for number in range(settings.episodes):
        seed = settings.seed + number
        obs, _ = reset_seeded(env, seed)
        rng = np.random.default_rng(seed)
        state = None
        total, steps, action_text = 0.0, 0, "-"
        info: dict[str, Any] = {}
        while True:
            screen = tty_screen(base)
            assert screen is not None  # make_env tracks the tty for render_mode
            status = status_line(number + 1, settings.episodes, seed, steps, total, action_text)
            if show(screen[0], screen[1], status):
                return ends
            action, state = policy.act(obs, state, greedy=settings.greedy, rng=rng)
            action_text = action_name(env, action)
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            steps += 1
            if terminated or truncated:
                break
        screen = tty_screen(base)
        assert screen is not None
        status = status_line(number + 1, settings.episodes, seed, steps, total, action_text)
        stop = show(screen[0], screen[1], status + "  [end]")
        ends.append(EpisodeEnd(seed, steps, total, dict(info.get(END_KEY, {}))))
        if stop:
            break
    return ends


def run_watch(settings: WatchSettings, out: TextIO = sys.stdout) -> list[EpisodeEnd]:
    """Everything ``python -m rllib_nethack.watch`` does (see the module docstring)."""
    settings = check_instance(settings)
    video = check_video_path(settings.video, settings.overwrite) if settings.video else None
    options: dict[str, Any] = {"render_mode": "ansi"}
    if settings.character is not None:
        options["character"] = settings.character
    if settings.max_steps is not None:
        options["max_episode_steps"] = settings.max_steps
    ttyrec_dir = None
    if settings.ttyrec is not None:
        ttyrec_dir = Path(settings.ttyrec).expanduser().resolve()
        try:
            ttyrec_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ConfigError(f"ttyrec: cannot create {ttyrec_dir} ({err.strerror})") from None
        if not os.access(ttyrec_dir, os.W_OK):
            raise ConfigError(f"ttyrec: directory {ttyrec_dir} is not writable")
        options.update(savedir=str(ttyrec_dir), save_ttyrec_every=1)
    policy = load_policy(settings.checkpoint, device=settings.device, greedy=settings.greedy)
    before = set(ttyrec_dir.iterdir()) if ttyrec_dir else set()
    env = policy.make_env(settings.task, **options)
    try:
        if video is not None:
            renderer = TerminalRenderer(crop_dim=1, pixel_size=SCREEN_CELL)
            with VideoWriter(video, fps=settings.fps, overwrite=settings.overwrite) as writer:

                def record(chars: Any, colors: Any, status: str) -> bool:
                    writer.write(frame_with_status(renderer, chars, colors, status))
                    return False

                ends = play_watched(policy, env, settings, record)
            print(
                f"video {video} ({writer.frames} frames, {writer.size[0]}x{writer.size[1]})"
                if writer.size
                else f"video {video}: no frames",
                file=out,
            )
        else:
            keys = Keys(sys.stdin)
            view = TerminalView(out, keys, settings.speed)
            out.write("\x1b[2J")
            with keys.active():
                ends = play_watched(policy, env, settings, view.show)
    finally:
        env.close()
    for end in ends:
        cause = end.end.get("death_cause") or end.end.get("end_reason", "")
        print(
            f"seed {end.seed}: return {end.episode_return:.2f}, {end.steps} steps, {cause}",
            file=out,
        )
    if ttyrec_dir is not None:
        for path in sorted(set(ttyrec_dir.iterdir()) - before):
            if ".ttyrec" in path.name:
                print(f"ttyrec {path}", file=out)
    return ends
