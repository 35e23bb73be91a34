"""Bad input at the env and keystroke level: one clear error, nothing played."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rllib_nethack.envs.wrappers import EnvClosedError, InvalidActionError
from rllib_nethack.keystrokes.keymap import KeystrokeError, parse_key


@pytest.mark.parametrize("action", [-1, 8, 10**6, "k", 2.5, None, True, [1]])
def test_an_action_outside_the_space_names_it(make: Callable[..., gym.Env], action: Any) -> None:
    env = make("room5x5")
    env.reset(seed=0)
    assert env.action_space == gym.spaces.Discrete(8)
    with pytest.raises(InvalidActionError, match=r"not in the action space Discrete\(8\)"):
        env.step(action)
    # Nothing was played: the next step gives what it gives in an untouched game.
    reference = make("room5x5")
    reference.reset(seed=0)
    np.testing.assert_array_equal(env.step(1)[0]["glyphs"], reference.step(1)[0]["glyphs"])


@pytest.mark.parametrize("action", [3, np.int64(3), np.array(3)])
def test_integer_actions_of_any_kind_are_played(make: Callable[..., gym.Env], action: Any) -> None:
    env = make("room5x5", observation_keys=["glyphs", "prev_action"])
    env.reset(seed=0)
    obs, *_ = env.step(action)
    assert obs["prev_action"][0] == 3


def test_step_and_reset_after_close_are_clear_errors(make: Callable[..., gym.Env]) -> None:
    env = make("room5x5")
    env.reset(seed=0)
    env.close()
    with pytest.raises(EnvClosedError, match="closed env"):
        env.step(0)
    with pytest.raises(EnvClosedError, match="closed env"):
        env.reset()


@pytest.mark.parametrize("key", ["é", "ñ", "ü", "M-é", "^é"])
def test_only_ascii_characters_are_keys(key: str) -> None:
    # 'é' is code 233 = meta+i on a terminal: it would open #invoke.
    with pytest.raises(KeystrokeError):
        parse_key(key)
    assert parse_key("meta+i") == 0x80 | ord("i")  # asked for by name, meta still works


def test_a_huge_bad_key_is_not_echoed_back_whole() -> None:
    with pytest.raises(KeystrokeError) as error:
        parse_key("x" * 1_000_000)
    assert len(str(error.value)) < 400
    assert "1,000,000 characters" in str(error.value)
    assert len(str(error.value.key)) <= 40
