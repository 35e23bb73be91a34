"""Every task is a well-behaved gymnasium env (gymnasium's own checker, unmodified)."""

from __future__ import annotations

import copy
import os
import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rllib_nethack import make_env
from rllib_nethack.envs.catalog import NLE_TASKS, all_task_specs, list_tasks
from rllib_nethack.envs.options import NLE_KEYS
from rllib_nethack.errors import RllibNethackError

NLE_TASK_NAMES = [spec.name for spec in NLE_TASKS]
MINIHACK_SAMPLE = [
    "MiniHack-Room-5x5-v0",
    "MiniHack-Room-Ultimate-15x15-v0",
    "MiniHack-KeyRoom-S5-v0",
    "MiniHack-Memento-F2-v0",
    "MiniHack-MazeWalk-9x9-v0",
    "MiniHack-River-Monster-v0",
    "MiniHack-Sokoban1a-v1",
    "MiniHack-Quest-Easy-v0",
    "MiniHack-WoD-Easy-Full-v0",
    "MiniHack-Eat-v0",
]
#: check_env warns that it is not given the unwrapped env: that is the point here.
_EXPECTED_WARNING = "is different from the unwrapped version"
#: MiniHack ids that need data minihack does not ship: the Boxoban maps
#: (downloaded by a minihack script, over the network).
NEEDS_EXTRAS = tuple(name for name in list_tasks() if "-Boxoban-" in name)
#: MiniHack's MiniGrid-based tasks, which run through rllib_nethack.envs.minigrid_compat.
MINIGRID_BASED = ("MiniHack-MultiRoom-N4-v0", "MiniHack-LavaCrossingS9N1-v0")


def custom_options(task: str) -> dict:
    """Options a task needs to be built at all (a level for the Custom MiniHack tasks)."""
    if task.endswith("-Custom-v0"):
        import minihack

        dat = os.path.join(os.path.dirname(minihack.__file__), "dat")
        return {"env_kwargs": {"des_file": os.path.join(dat, "lava_crossing.des")}}
    return {}


def run_check_env(task: str, **options) -> None:
    env = make_env(task, **custom_options(task), **options)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(env, skip_render_check=True)
    finally:
        env.close()
    # Only the checker's own findings count (NLE itself warns through logging.warn).
    unexpected = [
        str(w.message)
        for w in caught
        if f"{os.sep}gymnasium{os.sep}" in w.filename and _EXPECTED_WARNING not in str(w.message)
    ]
    assert unexpected == []


@pytest.mark.parametrize("task", NLE_TASK_NAMES)
def test_nle_tasks_pass_check_env(task: str) -> None:
    run_check_env(task)


@pytest.mark.parametrize("task", [*MINIHACK_SAMPLE, "MiniHack-Skill-Custom-v0"])
def test_minihack_sample_passes_check_env(task: str) -> None:
    run_check_env(task)


@pytest.mark.parametrize(
    ("task", "options"),
    [
        ("score", {"observation_keys": [*NLE_KEYS, "screen_image", "prev_action"]}),
        ("challenge", {"observation_keys": ["screen_image"]}),
        ("room5x5", {"observation_keys": ["glyphs_crop", "tty_chars_crop", "prev_action"]}),
    ],
)
def test_other_observation_sets_pass_check_env(task: str, options: dict) -> None:
    run_check_env(task, **options)


@pytest.mark.parametrize("task", NEEDS_EXTRAS)
def test_tasks_needing_extras_say_what_to_install(task: str) -> None:
    # Listed by list_tasks(), so building one must fail with our one-line error
    # (what to install), not a ModuleNotFoundError from inside MiniHack.
    with pytest.raises(RllibNethackError) as excinfo:
        make_env(task)
    message = str(excinfo.value)
    assert "\n" not in message and task in message
    assert "download_boxoban_levels" in message


@pytest.mark.parametrize("task", MINIGRID_BASED)
def test_minigrid_based_tasks_pass_check_env(task: str) -> None:
    run_check_env(task)


@pytest.mark.slow
def test_every_minihack_task_passes_check_env() -> None:
    failures = {}
    for spec in all_task_specs():
        if spec.family != "minihack" or spec.name in NEEDS_EXTRAS:
            continue
        try:
            run_check_env(spec.name)
        except Exception as err:
            failures[spec.name] = f"{type(err).__name__}: {err}"[:300]
    assert failures == {}


def assert_in_space(env, obs, where: str) -> None:
    outside = [k for k, v in obs.items() if not env.observation_space[k].contains(v)]
    assert outside == [], where
    assert set(obs) == set(env.observation_space.spaces)


@pytest.mark.parametrize(
    ("task", "options"),
    [(t, {}) for t in NLE_TASK_NAMES]
    + [(t, {}) for t in MINIHACK_SAMPLE]
    + [
        ("score", {"observation_keys": [*NLE_KEYS, "screen_image", "prev_action"]}),
        ("nethack_seeded", {"observation_keys": [*NLE_KEYS, "screen_image", "prev_action"]}),
    ],
)
def test_observations_stay_in_the_space_over_random_steps(make, task: str, options: dict) -> None:
    env = make(task, **options)
    env.action_space.seed(0)
    obs, _ = env.reset(seed=0)
    assert_in_space(env, obs, "reset")
    episodes = 0
    for t in range(300):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert_in_space(env, obs, f"step {t}")
        assert isinstance(reward, float)
        if terminated or truncated:
            episodes += 1
            obs, _ = env.reset()
            assert_in_space(env, obs, f"reset after step {t}")
    if task.startswith("MiniHack-Room"):
        assert episodes > 0  # small rooms end quickly: the reset path was exercised


@pytest.mark.parametrize("task", [*NLE_TASK_NAMES, "room5x5"])
def test_reset_seed_replays_and_reset_options_work(make, task: str) -> None:
    env = make(task)
    first, _ = env.reset(seed=3)
    env.action_space.seed(3)
    for _ in range(10):
        env.step(env.action_space.sample())
    again, _ = env.reset(seed=3)
    assert first.keys() == again.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], again[key], err_msg=key)
    obs, _ = env.reset(options={})
    assert_in_space(env, obs, "reset(options={})")
    obs, _ = env.reset(seed=None, options=None)
    assert_in_space(env, obs, "reset()")


def test_different_seeds_give_different_games(make) -> None:
    env = make("challenge", observation_keys=["tty_chars"])
    screens = {bytes(env.reset(seed=s)[0]["tty_chars"]) for s in range(4)}
    assert len(screens) == 4


@pytest.mark.parametrize(
    ("task", "options"),
    [
        ("score", {}),
        ("challenge", {"observation_keys": [*NLE_KEYS, "screen_image", "prev_action"]}),
        ("room5x5", {"observation_keys": ["glyphs", "glyphs_crop", "blstats", "tty_chars_crop"]}),
    ],
)
def test_observations_are_not_overwritten_by_later_steps(make, task: str, options: dict) -> None:
    # NLE reuses its buffers: an observation kept by the learner must not change.
    env = make(task, **options)
    env.action_space.seed(1)
    kept = []
    obs, _ = env.reset(seed=1)
    kept.append((obs, copy.deepcopy(obs)))
    for _ in range(40):
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        kept.append((obs, copy.deepcopy(obs)))
        if terminated or truncated:
            obs, _ = env.reset()
            kept.append((obs, copy.deepcopy(obs)))
    changed = 0
    for t, (stored, snapshot) in enumerate(kept):
        for key in stored:
            np.testing.assert_array_equal(stored[key], snapshot[key], err_msg=f"{key} at {t}")
        if t and any(not np.array_equal(stored[k], kept[t - 1][1][k]) for k in stored):
            changed += 1
    assert changed > 10  # the game did move on, so aliasing would have shown


def test_prev_action_is_the_last_action(make) -> None:
    env = make("score")
    obs, _ = env.reset(seed=0)
    assert obs["prev_action"].tolist() == [0]
    for action in (5, 0, 22, 22, 3):
        obs, *_ = env.step(action)
        assert obs["prev_action"].tolist() == [action]
        assert obs["prev_action"].dtype == np.int64
    obs, _ = env.reset(seed=0)
    assert obs["prev_action"].tolist() == [0]
