"""Gymnasium wrappers, one concern each, composed by :func:`rllib_nethack.make_env`."""

from rllib_nethack.envs.wrappers.action_check import (
    ActionCheckWrapper,
    EnvClosedError,
    InvalidActionError,
)
from rllib_nethack.envs.wrappers.episode_stats import EpisodeStatsWrapper
from rllib_nethack.envs.wrappers.episodic_count import EpisodicCountWrapper
from rllib_nethack.envs.wrappers.observation_keys import ObservationKeysWrapper
from rllib_nethack.envs.wrappers.prev_action import PrevActionWrapper
from rllib_nethack.envs.wrappers.rendering import RenderWrapper
from rllib_nethack.envs.wrappers.screen_image import ScreenImageWrapper
from rllib_nethack.envs.wrappers.seeding import SeedingWrapper, task_seed_to_nle_seeds
from rllib_nethack.envs.wrappers.truncation import TruncationWrapper

__all__ = [
    "ActionCheckWrapper",
    "EnvClosedError",
    "EpisodeStatsWrapper",
    "EpisodicCountWrapper",
    "InvalidActionError",
    "ObservationKeysWrapper",
    "PrevActionWrapper",
    "RenderWrapper",
    "ScreenImageWrapper",
    "SeedingWrapper",
    "TruncationWrapper",
    "task_seed_to_nle_seeds",
]
