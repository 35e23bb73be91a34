"""``python -m rllib_nethack.play [seed=7] [max_steps=N]``: play a seeded game in this terminal.

NetHack's own keys (Ctrl-C leaves); this is the game a keystroke agent gets for
the same seed. The terminal loop is :mod:`rllib_nethack.keystrokes.terminal`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rllib_nethack.cli.settings import run_command

USAGE = "python -m rllib_nethack.play [seed=0-999] [max_steps=N]"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.play``."""
    from rllib_nethack.keystrokes.terminal import PlaySettings, play_in_terminal

    run_command(PlaySettings, play_in_terminal, USAGE, argv, positional="seed")


if __name__ == "__main__":
    main()
