"""The one list of tasks: names, aliases, ids and what each name builds."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest
from commands import run_program

import rllib_nethack
from rllib_nethack.envs.catalog import (
    MINIHACK_PENALTY_STEP,
    MINIHACK_SHORT_NAMES,
    NLE_TASKS,
    SEEDED_TASK,
    all_task_specs,
    get_task,
    list_tasks,
    task_names_and_aliases,
)
from rllib_nethack.errors import UnknownTaskError

NLE_NAMES = ["staircase", "score", "pet", "oracle", "gold", "eat", "scout", "challenge"]
#: How many MiniHack ids minihack 1.0.2 registers (two of them are the Custom ones).
MINIHACK_COUNT = 161


def minihack_ids() -> list[str]:
    rllib_nethack.envs.catalog.import_minihack()
    return sorted(k for k in gym.registry if k.startswith("MiniHack-"))


def test_nle_tasks_come_first_in_a_fixed_order() -> None:
    names = list_tasks()
    assert names[: len(NLE_NAMES) + 1] == [*NLE_NAMES, SEEDED_TASK]


def test_every_minihack_id_is_a_task() -> None:
    ids = minihack_ids()
    assert len(ids) == MINIHACK_COUNT
    names = list_tasks()
    assert names[len(NLE_NAMES) + 1 :] == ids
    assert len(names) == len(set(names)) == len(NLE_NAMES) + 1 + MINIHACK_COUNT


def test_families() -> None:
    for spec in all_task_specs():
        expected = "minihack" if spec.env_id.startswith("MiniHack-") else "nethack"
        assert spec.family == expected, spec.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("score", "score"),
        ("SCORE", "score"),
        ("NetHackScore-v0", "score"),  # the gym id is the plain task, not the seeded suite
        ("netHACKchallenge-v0", "challenge"),
        ("staircase_pet", "pet"),
        ("NetHackStaircasePet-v0", "pet"),
        ("seeded", SEEDED_TASK),
        ("room5x5", "MiniHack-Room-5x5-v0"),
        ("Room5x5", "MiniHack-Room-5x5-v0"),
        ("sokoban1a", "MiniHack-Sokoban1a-v1"),
        ("minihack-keyroom-s5-v0", "MiniHack-KeyRoom-S5-v0"),
    ],
)
def test_names_aliases_and_ids_resolve(name: str, expected: str) -> None:
    assert get_task(name).name == expected


def test_every_alias_points_to_a_registered_id() -> None:
    ids = set(minihack_ids())
    for alias, env_id in MINIHACK_SHORT_NAMES.items():
        assert env_id in ids, alias
        assert get_task(alias).env_id == env_id


def test_no_name_is_claimed_by_two_tasks() -> None:
    names = [n.lower() for n in task_names_and_aliases()]
    assert len(names) == len(set(names))


def test_nle_task_ids() -> None:
    ids = {spec.name: spec.env_id for spec in NLE_TASKS}
    assert ids == {
        "staircase": "NetHackStaircase-v0",
        "score": "NetHackScore-v0",
        "pet": "NetHackStaircasePet-v0",
        "oracle": "NetHackOracle-v0",
        "gold": "NetHackGold-v0",
        "eat": "NetHackEat-v0",
        "scout": "NetHackScout-v0",
        "challenge": "NetHackChallenge-v0",
        SEEDED_TASK: "NetHackScore-v0",
    }
    assert [s.name for s in NLE_TASKS if s.seeded] == [SEEDED_TASK]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("stairs", "staircase"), ("chalenge", "challenge"), ("room5", "room5x5")],
)
def test_unknown_task_is_one_line_with_the_closest_names(typo: str, expected: str) -> None:
    with pytest.raises(UnknownTaskError) as excinfo:
        rllib_nethack.make_env(typo)
    message = str(excinfo.value)
    assert "\n" not in message
    assert repr(typo) in message
    assert "did you mean" in message and expected in message
    # KeyError would otherwise quote the whole message.
    assert not message.startswith(("'", '"'))
    assert isinstance(excinfo.value, KeyError)  # callers may catch it as a lookup failure


def test_unknown_task_without_close_names_still_says_what_exists() -> None:
    with pytest.raises(UnknownTaskError, match=r"unknown task 'xyzzy_qwerty'.*170 tasks"):
        get_task("xyzzy_qwerty")


def test_custom_minihack_tasks_require_a_des_file() -> None:
    custom = [s.name for s in all_task_specs() if s.required]
    assert custom == ["MiniHack-Navigation-Custom-v0", "MiniHack-Skill-Custom-v0"]
    assert all(get_task(n).required == ("des_file",) for n in custom)


def test_custom_minihack_builds_from_a_des_file_path_and_from_des_text(make) -> None:
    import minihack

    path = os.path.join(os.path.dirname(minihack.__file__), "dat", "lava_crossing.des")
    text = (
        "MAZE: \"mylevel\", ' '\nFLAGS:premapped\nGEOMETRY:center,center\n"
        "MAP\n-----\n|...|\n|...|\n-----\nENDMAP\n"
        "BRANCH:(1,1,1,1),(0,0,0,0)\nSTAIR:(3,2),down\n"
    )
    room = make(
        "MiniHack-Skill-Custom-v0", env_kwargs={"des_file": text}, observation_keys=["chars"]
    )
    chars = room.reset(seed=0)[0]["chars"]
    # The level is exactly the 3x2 room of the text above: hero, staircase, floor, walls.
    assert int(np.isin(chars, list(b".@>")).sum()) == 6
    assert (chars == ord(">")).sum() == 1 and (chars == ord("@")).sum() == 1
    assert int(np.isin(chars, list(b"-|")).sum()) == 14
    lava = make(
        "MiniHack-Navigation-Custom-v0", env_kwargs={"des_file": path}, observation_keys=["chars"]
    )
    # lava_crossing.des is a lit room split by a river of lava (drawn as "}").
    assert (lava.reset(seed=0)[0]["chars"] == ord("}")).sum() >= 5
    assert not (chars == ord("}")).any()


def test_seeded_suite_spec() -> None:
    spec = get_task(SEEDED_TASK)
    assert spec.seeded and spec.family == "nethack"
    assert spec.defaults["actions"] == "full"
    assert tuple(spec.defaults["seeds"]) == (0, 999)
    assert spec.defaults["penalty_step"] == 0.0 and spec.defaults["penalty_time"] == 0.0
    assert not get_task("score").seeded


def test_an_nle_task_does_not_import_minihack() -> None:
    done = run_program("nle_task_without_minihack")
    assert done.returncode == 0, done.stderr


def test_minihack_tasks_default_to_the_step_penalty_of_minihacks_baselines() -> None:
    spec = get_task("room5x5")
    assert spec.defaults["penalty_step"] == MINIHACK_PENALTY_STEP == -0.001
    env = rllib_nethack.make_env("room5x5", observation_keys=["blstats"])
    try:
        assert env.unwrapped.penalty_step == MINIHACK_PENALTY_STEP
    finally:
        env.close()
    env = rllib_nethack.make_env("room5x5", penalty_step=-0.01, observation_keys=["blstats"])
    try:
        assert env.unwrapped.penalty_step == -0.01  # the user's option wins
    finally:
        env.close()
