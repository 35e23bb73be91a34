"""Evaluating, watching and replaying agents.

* :mod:`.episodes` - play seeded episodes with a :class:`~rllib_nethack.policy.Policy`
  (their records, summaries and files: :mod:`rllib_nethack.results`);
* :mod:`.parallel` - many episodes over Ray workers (or in this process);
* :mod:`.report` - ``eval.json`` (Sample Factory's shape), ``episodes.csv``, comparison tables;
* :mod:`.video`, :mod:`.ttyrec`, :mod:`.terminal` - video files, NLE's ttyrecs, a VT100 screen.
"""

from rllib_nethack.evaluation.episodes import play_episodes
from rllib_nethack.evaluation.parallel import evaluate_policy
from rllib_nethack.evaluation.report import summarize
from rllib_nethack.results.episode import EpisodeRecord

__all__ = ["EpisodeRecord", "evaluate_policy", "play_episodes", "summarize"]
