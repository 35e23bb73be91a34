"""The seeded suite and seed ranges: a task seed is one fixed game."""

from __future__ import annotations

import numpy as np
import pytest
from nle import nethack

from rllib_nethack.envs.catalog import SEEDED_TASK

KEYS = ["tty_chars", "glyphs", "blstats", "message"]
_ACTIONS = list(nethack.ACTIONS)
#: Moving, running, going down and dismissing prompts: random keys from the
#: full keyboard mostly open menus, these play the game.
MOVES = [
    _ACTIONS.index(a)
    for a in (
        *nethack.CompassDirection,
        *nethack.CompassDirectionLonger,
        nethack.MiscAction.MORE,
        nethack.Command.ESC,
        nethack.MiscDirection.DOWN,
    )
]


def move_script(seed: int, length: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [MOVES[i] for i in rng.integers(len(MOVES), size=length)]


def screens(run) -> np.ndarray:
    return np.stack([obs["tty_chars"] for obs in run.observations])


def test_seeded_suite_shape(make) -> None:
    env = make(SEEDED_TASK)
    assert env.action_space.n == len(nethack.ACTIONS) == 121
    base = env.unwrapped
    assert base._allow_all_yn_questions and base._allow_all_modes
    assert base.penalty_step == 0.0 and base.penalty_time == 0.0


def test_seeded_suite_step_limit_is_a_million(make) -> None:
    # NLE's own limit (5000 steps by default) must not cut seeded games short.
    env = make(SEEDED_TASK)
    assert env.unwrapped._max_episode_steps == 1_000_000


def test_same_seed_same_first_screen_and_same_trajectory(make, rollout) -> None:
    first = make(SEEDED_TASK, observation_keys=KEYS)
    second = make(SEEDED_TASK, observation_keys=KEYS)
    script = move_script(7, 400)
    a = rollout(first, 400, actions=script, reset_kwargs={"options": {"task_seed": 42}})
    # A different game in between must not leak into the replay.
    rollout(second, 50, action_seed=3, reset_kwargs={"options": {"task_seed": 43}})
    b = rollout(second, 400, actions=script, reset_kwargs={"options": {"task_seed": 42}})
    assert a.infos[0]["task_seed"] == b.infos[0]["task_seed"] == 42
    assert a.infos[0]["nle_seeds"] == (42, 42, 42)
    np.testing.assert_array_equal(screens(a), screens(b))
    assert a.rewards == b.rewards
    assert (a.terminated, a.truncated) == (b.terminated, b.truncated)
    # The script did something: the screen and the game clock moved on.
    assert len({bytes(s) for s in screens(a)}) > 50


def test_different_seeds_give_different_dungeons(make) -> None:
    env = make(SEEDED_TASK, observation_keys=KEYS)
    maps = []
    for seed in range(6):
        obs, _ = env.reset(options={"task_seed": seed})
        maps.append(obs["glyphs"].copy())
    for i in range(len(maps)):
        for j in range(i):
            assert not np.array_equal(maps[i], maps[j]), (i, j)


def test_reward_is_the_score_delta_without_penalty(make, rollout) -> None:
    env = make(SEEDED_TASK, observation_keys=["blstats"])
    # Seed 5 gains points (and dies) under this script.
    script = move_script(5, 3000)
    run = rollout(env, 3000, actions=script, reset_kwargs={"options": {"task_seed": 5}})
    assert run.done
    scores = [int(obs["blstats"][nethack.NLE_BL_SCORE]) for obs in run.observations]
    in_game = len(run.rewards) - (1 if run.done else 0)  # NLE zeroes blstats at the end
    for t in range(in_game):
        assert run.rewards[t] == scores[t + 1] - scores[t], t
    assert sum(run.rewards[:in_game]) > 0


def test_seeds_are_drawn_from_the_range(make) -> None:
    env = make("score", seeds=[10, 12], observation_keys=["blstats"])
    drawn = []
    env.reset(seed=0)
    for _ in range(30):
        _, info = env.reset()
        assert info["nle_seeds"] == (info["task_seed"],) * 3
        drawn.append(info["task_seed"])
    assert set(drawn) == {10, 11, 12}
    # reset(seed=k) replays the same sequence of task seeds.
    env.reset(seed=0)
    assert [env.reset()[1]["task_seed"] for _ in range(30)] == drawn


def test_seeded_suite_draws_from_its_thousand_seeds(make) -> None:
    env = make(SEEDED_TASK, observation_keys=["blstats"])
    drawn = {env.reset(seed=s)[1]["task_seed"] for s in range(40)}
    assert all(0 <= s <= 999 for s in drawn)
    assert len(drawn) > 30


def test_a_single_seed_option_is_always_that_game(make) -> None:
    env = make("score", seeds=5, observation_keys=["tty_chars"])
    first, info = env.reset(seed=1)
    assert info["task_seed"] == 5
    other, info = env.reset(seed=2)
    assert info["task_seed"] == 5
    np.testing.assert_array_equal(first["tty_chars"], other["tty_chars"])


def test_task_seed_reset_option_overrides_the_range(make) -> None:
    env = make("score", seeds=[10, 12], observation_keys=["tty_chars"])
    _, info = env.reset(options={"task_seed": 500})
    assert info["task_seed"] == 500


def test_seed_replay_does_not_depend_on_the_previous_game(make) -> None:
    # A task seed fixes NetHack's level generator; a later reset(seed=k) must
    # not keep it (reset(seed=k) is a fresh game from seeds drawn from k).
    fresh = make("score", observation_keys=["tty_chars"])
    used = make("score", observation_keys=["tty_chars"])
    used.reset(options={"task_seed": 3})
    a, info_a = fresh.reset(seed=10)
    b, info_b = used.reset(seed=10)
    assert info_a["nle_seeds"] == info_b["nle_seeds"]
    assert info_b["nle_seeds"][2] is None
    assert used.unwrapped.get_seeds()[3] is None  # lgen off again
    np.testing.assert_array_equal(a["tty_chars"], b["tty_chars"])


@pytest.mark.parametrize("task", ["challenge", "score"])
def test_task_seed_replays_even_on_challenge(make, task: str) -> None:
    # NetHackChallenge forbids seeding; ours bypasses that so seeds replay.
    env = make(task, observation_keys=["tty_chars"])
    a = env.reset(options={"task_seed": 9})[0]["tty_chars"].copy()
    env.reset(options={"task_seed": 10})
    b = env.reset(options={"task_seed": 9})[0]["tty_chars"]
    np.testing.assert_array_equal(a, b)
