"""Play a seeded game yourself, in the terminal, with NetHack's own keys.

How to run (the entry point is :mod:`rllib_nethack.play`)::

    python -m rllib_nethack.play seed=7

This is the game a keystroke agent gets for seed 7 (and the one an RLlib
policy gets for ``task_seed=7``), so a person can try a seed before judging an
agent on it. Keys go to NetHack as typed: ``k`` moves north, ``Ctrl-D`` kicks,
``Alt-j`` (or Esc then j, as terminals send it) jumps; the arrow keys move as
``k``/``j``/``l``/``h``. Keys NLE cannot send are refused on the status line.
**Ctrl-C leaves** (NetHack's own way out is ``#quit``: ``Alt-q`` then ``y``).
The game also ends on death, ascension or the step limit; the last screen and
how it ended are printed.

Needs a real terminal: with stdin or stdout redirected it prints one line and
exits with status 2 (agents should use ``python -m rllib_nethack.serve stdio``).

The loop (:func:`play_loop`) reads bytes and writes text through callables,
so everything but the terminal setup is testable without a TTY.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nle import nethack

from rllib_nethack.envs.options import MAX_EPISODE_STEPS
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes.keymap import KeystrokeError, key_name
from rllib_nethack.keystrokes.session import (
    Session,
    StepResult,
    Terminal,
    check_max_steps,
    check_seed,
)

#: The key code that leaves the game (Ctrl-C; raw mode delivers it as a byte).
LEAVE_CODE = 3
ESC = 0x1B
# Arrow keys in both cursor-key modes (CSI and SS3), as NetHack's vi-keys.
_ARROWS = {
    b"\x1b[A": ord("k"),
    b"\x1b[B": ord("j"),
    b"\x1b[C": ord("l"),
    b"\x1b[D": ord("h"),
    b"\x1bOA": ord("k"),
    b"\x1bOB": ord("j"),
    b"\x1bOC": ord("l"),
    b"\x1bOD": ord("h"),
}
_ESC_WAIT_S = 0.03
_STATUS_ROW = 25


def _sequence_end(data: bytes, i: int) -> int:
    """End of the terminal control sequence at ``data[i]`` (ESC [ or ESC O), or -1.

    CSI (ESC [) takes parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F
    and one final byte 0x40-0x7E (Home is ESC [ H, Ctrl-Up ESC [ 1 ; 5 A);
    SS3 (ESC O) takes one final byte (F1 is ESC O P).
    """
    j = i + 2
    if data[i + 1] == ord("["):
        while j < len(data) and 0x20 <= data[j] <= 0x3F:
            j += 1
    if j < len(data) and 0x40 <= data[j] <= 0x7E:
        return j + 1
    return -1


def split_keys(data: bytes) -> list[int]:
    """Split bytes read from a raw terminal into NetHack key codes.

    A terminal sends Alt-x as ESC followed by x in one write, so ESC + byte is
    the meta key ``0x80 | x``; a lone ESC is escape; arrow-key sequences become
    ``k``/``j``/``l``/``h``. Other control sequences (Home, F1, Ctrl-arrows)
    are dropped whole: split into bytes they would reach NetHack as commands
    the player never typed. Every other byte is its own key.
    """
    codes: list[int] = []
    i = 0
    while i < len(data):
        end = -1
        if data[i] == ESC and i + 2 < len(data) and data[i + 1] in b"[O":
            end = _sequence_end(data, i)
        if end > 0:
            arrow = _ARROWS.get(data[i:end])
            if arrow is not None:
                codes.append(arrow)
            i = end
        elif data[i] == ESC and i + 1 < len(data) and data[i + 1] != ESC:
            codes.append(0x80 | data[i + 1])
            i += 2
        else:
            codes.append(data[i])
            i += 1
    return codes


def render(terminal: Terminal, status: str) -> str:
    """One frame: the 24x80 NetHack terminal in ANSI colours, a status line, the cursor.

    Every row is drawn full width, so frames overwrite each other without a
    clear (no flicker). Rows are placed with cursor moves rather than newlines
    because a raw terminal does not return the carriage on a line feed.
    """
    chars, colors, (row, col) = terminal
    parts = []
    for i in range(chars.shape[0]):
        # tty_render starts its text with a newline and ends it with a reset.
        line = nethack.tty_render(chars[i : i + 1], colors[i : i + 1])
        parts.append(f"\x1b[{i + 1};1H{line.lstrip(chr(10))}")
    parts.append(f"\x1b[{_STATUS_ROW};1H\x1b[0;7m{status}\x1b[0m\x1b[K")
    parts.append(f"\x1b[{row + 1};{col + 1}H")
    return "".join(parts)


def status_line(result: StepResult, notice: str = "") -> str:
    """The line under the game: seed, steps, how to leave, and any notice."""
    text = f" seed {result.seed} | step {result.steps} | Ctrl-C leaves "
    return text + (f"| {notice} " if notice else "")


def end_summary(result: StepResult) -> str:
    """One line on how the game ended (or that the player left)."""
    if not result.done:
        return f"left the game at step {result.steps}"
    cause = f": {result.death_cause}" if result.death_cause else ""
    return (
        f"game over ({result.reason}{cause}) after {result.steps} steps, score {result.stats.score}"
    )


def play_loop(
    session: Session, read: Callable[[], bytes], write: Callable[[str], None]
) -> StepResult:
    """Play until the episode ends, the player presses Ctrl-C, or input ends.

    Args:
        session: The game.
        read: Returns the next bytes typed (``b""`` at end of input).
        write: Puts text on the terminal.

    Returns:
        The last result (``done`` is false if the player left).
    """
    result = session.last
    write(render(session.terminal(), status_line(result)))
    while True:
        data = read()
        if not data:
            return result
        notice = ""
        for code in split_keys(data):
            if code == LEAVE_CODE:
                return result
            try:
                result = session.step(key_name(code))
            except KeystrokeError:
                notice = f"{key_name(code)} is not a key NLE can send"
                continue
            if result.done:
                write(render(session.terminal(), status_line(result, "game over")))
                return result
        write(render(session.terminal(), status_line(result, notice)))


@contextlib.contextmanager
def raw_terminal(fd: int, out: Callable[[str], None]) -> Iterator[None]:
    """Raw keyboard input on ``fd`` and the alternate screen, restored on exit."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    out("\x1b[?1049h\x1b[2J")
    try:
        yield
    finally:
        out("\x1b[0m\x1b[?1049l")
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _reader(fd: int) -> Callable[[], bytes]:
    def read() -> bytes:
        data = os.read(fd, 64)
        # A lone ESC may be the first half of Alt-x: give its second byte a moment.
        if data == b"\x1b" and select.select([fd], [], [], _ESC_WAIT_S)[0]:
            data += os.read(fd, 64)
        return data

    return read


@dataclass(frozen=True)
class PlaySettings:
    """The ``key=value`` settings of ``python -m rllib_nethack.play``.

    Attributes:
        seed: Which game of the seeded suite, 0-999.
        max_steps: Keystrokes before the game is cut off.
    """

    seed: int = 0
    max_steps: int = MAX_EPISODE_STEPS


def play_in_terminal(settings: PlaySettings) -> int:
    """Play ``settings.seed`` in this terminal; print the last screen and how it ended.

    Raises:
        ConfigError: a bad seed or step limit, or stdin/stdout is not a terminal.
    """
    check_seed(settings.seed)
    check_max_steps(settings.max_steps)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError(
            "play needs an interactive terminal (stdin and stdout must be a TTY); "
            "agents can use `python -m rllib_nethack.serve stdio`"
        )

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    fd = sys.stdin.fileno()
    with Session(settings.seed, settings.max_steps) as session, raw_terminal(fd, write):
        result = play_loop(session, _reader(fd), write)
        final = session.last.text
    print(final)
    print(end_summary(result))
    return 0
