"""``python -m rllib_nethack.evaluate checkpoint=PATH [episodes=1024] [key=value ...]``.

Plays one seeded episode per seed with a trained agent, in parallel on Ray,
and writes ``eval.json`` (Sample Factory's shape) and ``episodes.csv``. Examples::

    python -m rllib_nethack.evaluate checkpoint=runs/challenge-chaotic_dwarf-appo/2026-01-01_00-00
    python -m rllib_nethack.evaluate checkpoint=RUN seeds=[0,1023] greedy=false max_steps=10000
    python -m rllib_nethack.evaluate checkpoint=[RUN_A,RUN_B] episodes=256   # side by side
    python -m rllib_nethack.evaluate checkpoint=RUN task=room15x15 character=val-dwa-law-fem
    python -m rllib_nethack.evaluate --help

The machinery is in :mod:`rllib_nethack.evaluation.command`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rllib_nethack.cli.settings import run_command

USAGE = "python -m rllib_nethack.evaluate checkpoint=PATH [episodes=N] [key=value ...]"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.evaluate``."""
    from rllib_nethack.evaluation.command import EvaluateSettings, run_evaluation

    run_command(EvaluateSettings, run_evaluation, USAGE, argv, positional="checkpoint")


if __name__ == "__main__":
    main()
