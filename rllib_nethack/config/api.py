"""``rllib_nethack.algorithm_config``: the training config for a user's own RLlib or Tune code."""

from __future__ import annotations

from ray.rllib.algorithms.algorithm_config import AlgorithmConfig

from rllib_nethack.config.compose import compose_config
from rllib_nethack.config.translate import build_algorithm_config


def algorithm_config(task: str, *overrides: str) -> AlgorithmConfig:
    """The RLlib ``AlgorithmConfig`` that ``rllib_nethack.run +task=TASK OVERRIDES`` trains.

    The same composition and translation as the command line: the task's env
    (registered with RLlib), our model, the NetHack metrics callback, learner-side
    reward clipping and the seed, checked by RLlib's ``validate()``. Change it
    further as any ``AlgorithmConfig`` (``.training(lr=...)``), call
    ``.build_algo()``, or hand it to ``Tuner(algo_class, param_space=config)``.

    Example::

        config = rllib_nethack.algorithm_config("room5x5", "algo=ppo", "model.rnn_size=128")

    Raises:
        UnknownTaskError / ConfigError: a bad task name or override, on one line.
    """
    return build_algorithm_config(compose_config([f"+task={task}", *overrides]))
