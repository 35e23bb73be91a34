"""``python -m rllib_nethack.watch checkpoint=PATH [key=value ...]``: see an agent play.

In the terminal (space pause, n step, +/- speed, q quit), or into a video::

    python -m rllib_nethack.watch checkpoint=runs/room5x5-minihack-appo/2026-01-01_00-00 speed=5
    python -m rllib_nethack.watch checkpoint=RUN video=agent.mp4 episodes=3
    python -m rllib_nethack.watch checkpoint=RUN video=agent.gif ttyrec=ttyrecs/
    python -m rllib_nethack.watch --help

The machinery is in :mod:`rllib_nethack.evaluation.watching`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rllib_nethack.cli.settings import run_command

USAGE = "python -m rllib_nethack.watch checkpoint=PATH [video=FILE.mp4|.gif] [key=value ...]"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.watch``."""
    from rllib_nethack.evaluation.watching import WatchSettings, run_watch

    run_command(WatchSettings, run_watch, USAGE, argv, positional="checkpoint")


if __name__ == "__main__":
    main()
