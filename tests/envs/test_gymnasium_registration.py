"""Our tasks through gymnasium's own registry: `gymnasium.make("rllib_nethack/<task>")`."""

from __future__ import annotations

import warnings

import gymnasium as gym

from rllib_nethack import make_env
from rllib_nethack.envs.registration import gym_id, register_gymnasium


def test_gymnasium_make_builds_our_env_with_options() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # registering twice must not warn about overriding
        first = register_gymnasium(["room5x5", "score"])
        assert (
            register_gymnasium(["room5x5", "score"])
            == first
            == [gym_id("room5x5"), gym_id("score")]
        )
    # gymnasium.make's own `max_episode_steps` is gymnasium's TimeLimit (outside
    # our wrappers); every other keyword is one of our task options.
    env = gym.make("rllib_nethack/room5x5", observation_keys=["glyphs", "blstats"])
    ours = make_env("room5x5", observation_keys=["glyphs", "blstats"])
    try:
        assert env.observation_space == ours.observation_space  # our wrappers, our keys
        assert set(env.observation_space.spaces) == {"glyphs", "blstats"}
        obs, _ = env.reset(seed=1)
        expected, _ = ours.reset(seed=1)  # reset(seed=k) replays the same game
        assert (obs["glyphs"] == expected["glyphs"]).all()
    finally:
        env.close()
        ours.close()
