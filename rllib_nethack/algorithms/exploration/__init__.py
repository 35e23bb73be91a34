"""Intrinsic rewards for the actor-critic algorithms (``explore=none|count|e3b|ride|rnd``).

:mod:`.settings` (the config group's schema and checks), :mod:`.rewards` (the
bonus into the learner's rewards, never into the metrics), :mod:`.step_bonus`
(the env runners' side of a bonus the RLModule computes), :mod:`.e3b`,
:mod:`.ride` and :mod:`.rnd` (each one's bonus on the env runners and loss in the learner),
:mod:`.setup` (the one call the translation makes). The count bonus itself is
an env wrapper (:class:`~rllib_nethack.envs.wrappers.EpisodicCountWrapper`).

The settings import neither Ray nor torch (the config check reads them);
``apply_exploration`` loads them on first use (:mod:`rllib_nethack.lazy`).
"""

from rllib_nethack.algorithms.exploration.settings import BONUSES, explore_settings
from rllib_nethack.lazy import lazy_attributes

__getattr__ = lazy_attributes(
    __name__, {"apply_exploration": "rllib_nethack.algorithms.exploration.setup:apply_exploration"}
)

__all__ = ["BONUSES", "apply_exploration", "explore_settings"]
