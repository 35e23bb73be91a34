"""Where things are in an RLlib result dict: the one list of result keys.

``Algorithm.train()`` returns nested dicts; TensorBoard and sweeps see the
same keys joined by ``/`` (``env_runners/nethack/score_mean``). Reporting,
the metrics callback, stop conditions and sweeps all read them from here, so
a key RLlib renames is changed in one place.
"""

from __future__ import annotations

from ray.air.constants import TRAINING_ITERATION
from ray.rllib.core import ALL_MODULES, DEFAULT_MODULE_ID
from ray.rllib.utils.metrics import (
    ENV_RUNNER_RESULTS,
    EPISODE_LEN_MEAN,
    EPISODE_RETURN_MEAN,
    LEARNER_RESULTS,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    NUM_ENV_STEPS_TRAINED_LIFETIME,
    NUM_EPISODES_LIFETIME,
)

#: A key path into the nested result dict.
ResultPath = tuple[str, ...]

#: Sub-dict of the env runners' results where the NetHack episode metrics go.
METRICS_KEY = "nethack"
#: Under :data:`METRICS_KEY`: one record (return, length, NetHack metrics) per
#: episode that ended, which the driver's callback keeps a window of and removes
#: from the result (:mod:`rllib_nethack.metrics.episode_window`).
EPISODE_RECORDS = "episode_records"
#: The NetHack metric of the episodes' summed exploration bonus (``explore=count|e3b|ride|rnd``).
INTRINSIC_RETURN_MEAN = "intrinsic_return_mean"

#: The NetHack metric of the share of episodes that reached the task's goal
#: (a MiniHack task's goal, a staircase task's stairs): ``end_<reason>_rate``
#: of :data:`rllib_nethack.envs.stats.END_REASONS`' ``success``.
SUCCESS_RATE = "end_success_rate"
#: The NetHack metric of the mean squared episode return over the same window as
#: RLlib's ``episode_return_mean``: with it, the window's spread of returns.
RETURN_SQUARE_MEAN = "episode_return_square_mean"

ITERATION: ResultPath = (TRAINING_ITERATION,)
ENV_STEPS_SAMPLED: ResultPath = (NUM_ENV_STEPS_SAMPLED_LIFETIME,)
#: The same count as the env runners keep it (what a restored algorithm's metrics hold).
ENV_RUNNER_STEPS_SAMPLED: ResultPath = (ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME)
ENV_STEPS_TRAINED: ResultPath = (LEARNER_RESULTS, ALL_MODULES, NUM_ENV_STEPS_TRAINED_LIFETIME)
EPISODES: ResultPath = (ENV_RUNNER_RESULTS, NUM_EPISODES_LIFETIME)
RETURN_MEAN: ResultPath = (ENV_RUNNER_RESULTS, EPISODE_RETURN_MEAN)
LENGTH_MEAN: ResultPath = (ENV_RUNNER_RESULTS, EPISODE_LEN_MEAN)


#: Learner statistics of learning from demonstrations: the cross-entropy loss, and
#: how often the policy's most likely action is the demonstrator's.
BC_LOSS = "bc_loss"
BC_ACCURACY = "action_accuracy"
#: Demonstration keypresses read so far that no action of the task sends (not labels).
UNMAPPED_KEYS: ResultPath = ("demonstrations", "unmapped_keypresses")


def learner_stat(name: str, module: str = DEFAULT_MODULE_ID) -> ResultPath:
    """Path of one module's learner statistic (``total_loss``, ``policy_loss``, ``vf_loss``...)."""
    return (LEARNER_RESULTS, module, name)


def nethack_metric(name: str) -> ResultPath:
    """Path of a NetHack episode metric (``score_mean``, ``end_death_rate``, ...)."""
    return (ENV_RUNNER_RESULTS, METRICS_KEY, name)


def joined(path: ResultPath) -> str:
    """The ``/``-joined name of ``path``, as TensorBoard and sweeps show it."""
    return "/".join(path)
