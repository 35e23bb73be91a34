"""``python -m rllib_nethack.replay FILE.ttyrec3.bz2 [key=value ...]``: play a recorded game back.

In the terminal (space pause, n step, +/- speed, q quit), or into a video::

    python -m rllib_nethack.replay ttyrecs/nle.1234.0.ttyrec3.bz2 speed=30
    python -m rllib_nethack.replay ttyrecs/nle.1234.0.ttyrec3.bz2 video=game.mp4
    python -m rllib_nethack.replay --help

The machinery is in :mod:`rllib_nethack.evaluation.replaying`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rllib_nethack.cli.settings import run_command

USAGE = "python -m rllib_nethack.replay FILE [video=FILE.mp4|.gif] [speed=15] [key=value ...]"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.replay``."""
    from rllib_nethack.evaluation.replaying import ReplaySettings, run_replay

    run_command(ReplaySettings, run_replay, USAGE, argv, positional="file")


if __name__ == "__main__":
    main()
