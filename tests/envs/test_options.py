"""Task options: every bad value is reported up front, every good one takes effect."""

from __future__ import annotations

import itertools
import os
import traceback

import numpy as np
import pytest
from nle import nethack
from nle.env.tasks import TASK_ACTIONS
from omegaconf import OmegaConf

import rllib_nethack
from rllib_nethack.envs.catalog import NLE_TASKS, SEEDED_TASK, get_task
from rllib_nethack.envs.factory import base_env_kwargs
from rllib_nethack.envs.nle_access import base_env
from rllib_nethack.envs.options import (
    OPTION_NAMES,
    ROLES,
    default_observation_keys,
    parse_options,
)
from rllib_nethack.errors import ConfigError, RllibNethackError

THIRD_PARTY = ("nle", "minihack")


def third_party_frames(err: BaseException) -> list[str]:
    """Frames inside NLE or MiniHack in the traceback a user would see."""
    text = "".join(traceback.format_exception(err))
    return [
        line
        for line in text.splitlines()
        if line.strip().startswith("File ")
        and any(f"{os.sep}{pkg}{os.sep}" in line for pkg in THIRD_PARTY)
    ]


def assert_user_error(err: BaseException, *fragments: str) -> None:
    """One line that names what is wrong, with no traceback from inside NLE."""
    assert isinstance(err, RllibNethackError)
    message = str(err)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert third_party_frames(err) == []


def top_line(obs: dict[str, np.ndarray]) -> str:
    return bytes(obs["tty_chars"][0]).decode("ascii")


# --------------------------------------------------------------------------- bad options
BAD_OPTIONS = [
    # (task, options, fragments the message must contain)
    ("score", {"character": "wiz-hum-neu-xxx"}, ["'character'", "gender 'xxx'", "mal, fem"]),
    ("score", {"character": "foo-hum-neu-mal"}, ["'character'", "role 'foo'", ", ".join(ROLES)]),
    ("score", {"character": "val-elf-law"}, ["'character'", "role-race-alignment-gender"]),
    ("score", {"character": 3}, ["'character'", "string"]),
    ("score", {"seeds": [5, 2]}, ["'seeds'", "first <= last"]),
    ("score", {"seeds": -1}, ["'seeds'", "between 0 and"]),
    ("score", {"seeds": "0-9"}, ["'seeds'", "[first, last]"]),
    ("score", {"seeds": [1, 2, 3]}, ["'seeds'", "[first, last]"]),
    ("score", {"actions": "all"}, ["'actions'", "'task'", "'full'", "'all'"]),
    ("score", {"observation_keys": ["glyph"]}, ["'observation_keys'", "'glyph'", "'glyphs'"]),
    ("score", {"observation_keys": "glyphs"}, ["'observation_keys'", "list"]),
    ("score", {"observation_keys": []}, ["'observation_keys'", "non-empty"]),
    ("score", {"observation_keys": ["glyphs", "glyphs"]}, ["'observation_keys'", "twice"]),
    (
        "room5x5",
        {"observation_keys": ["screen_image"]},
        ["'observation_keys'", "'screen_image'", "glyphs_crop"],
    ),
    (
        "score",
        {"max_episode_step": 5},
        [
            "option 'max_episode_step' is not a setting",
            "'max_episode_steps'",
            ", ".join(OPTION_NAMES),
        ],
    ),
    ("score", {"max_episode_steps": 0}, ["'max_episode_steps'", "between 1 and 1000000"]),
    ("score", {"max_episode_steps": 2.5}, ["'max_episode_steps'", "integer"]),
    ("score", {"penalty_step": "x"}, ["'penalty_step'", "number"]),
    ("score", {"fix_moon_phase": "yes"}, ["'fix_moon_phase'", "true or false"]),
    ("score", {"save_ttyrec_every": 1}, ["'save_ttyrec_every'", "'savedir'"]),
    ("score", {"savedir": "/tmp/x"}, ["'savedir'", "'save_ttyrec_every'"]),
    ("room5x5", {"env_kwargs": {"seeds": [1, 2]}}, ["env_kwargs.seeds", "'seeds'"]),
    ("score", {"seeds": 2**63}, ["'seeds'", "between 0 and"]),
    ("score", {"env_kwargs": {"actions": 5}}, ["'score'", "NetHackScore-v0", "actions"]),
    ("score", {"actions": "all"}, ["'actions'", "'task'", "'full'"]),
    ("score", {"crop_dim": 0}, ["'crop_dim'", "between 1 and 79"]),
    ("score", {"pixel_size": 33}, ["'pixel_size'", "between 1 and 32"]),
    ("score", {"env_kwargs": 3}, ["'env_kwargs'", "mapping"]),
    ("MiniHack-Navigation-Custom-v0", {}, ["env_kwargs.des_file", ".des file"]),
    ("MiniHack-Skill-Custom-v0", {"env_kwargs": {"des_fil": "x"}}, ["env_kwargs.des_file"]),
]


@pytest.mark.parametrize(("task", "options", "fragments"), BAD_OPTIONS)
def test_bad_option_names_the_option_and_what_it_accepts(
    task: str, options: dict, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as excinfo:
        rllib_nethack.make_env(task, **options)
    assert_user_error(excinfo.value, *fragments)


@pytest.mark.parametrize(
    ("task", "typo"),
    [("score", "allow_all_yn_question"), ("challenge", "spawn_monster"), ("room5x5", "des_fil")],
)
def test_env_kwargs_typo_is_named_without_an_nle_traceback(task: str, typo: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        rllib_nethack.make_env(task, env_kwargs={typo: True})
    assert_user_error(excinfo.value, f"env_kwargs.{typo}", get_task(task).env_id)
    assert excinfo.value.__suppress_context__  # NLE's TypeError is not shown


def test_a_missing_des_file_is_reported_up_front() -> None:
    with pytest.raises(ConfigError) as excinfo:
        rllib_nethack.make_env(
            "MiniHack-Navigation-Custom-v0", env_kwargs={"des_file": "/nonexistent/level.des"}
        )
    assert_user_error(excinfo.value, "env_kwargs.des_file", "/nonexistent/level.des")


@pytest.mark.parametrize("character", ["val-orc-law-fem", "wiz-hum-law-mal", "sam-elf-@-@"])
def test_impossible_characters_are_rejected(character: str) -> None:
    # NetHack would silently play another character (a dwarf, a chaotic wizard, ...).
    with pytest.raises(ConfigError) as excinfo:
        rllib_nethack.make_env("score", character=character)
    assert_user_error(excinfo.value, "'character'", character)


def test_reset_options_are_checked(make) -> None:
    env = make("score")
    with pytest.raises(ConfigError) as excinfo:
        env.reset(options={"task_sed": 3})
    assert_user_error(excinfo.value, "'task_sed'", "task_seed")
    for bad in (-1, 1.5, True, "3", 2**63):
        with pytest.raises(ConfigError) as excinfo:
            env.reset(options={"task_seed": bad})
        assert_user_error(excinfo.value, "'task_seed'", "between 0 and")
    with pytest.raises(ConfigError) as excinfo:
        env.reset(options={"wizkit_items": ["wand of wishing"]})
    assert_user_error(excinfo.value, "'wizkit_items'", "env_kwargs.wizard")
    # numpy integers are integers (what rng.integers gives)
    _, info = env.reset(options={"task_seed": np.int64(3)})
    assert info["task_seed"] == 3


def test_none_keeps_the_task_default(make) -> None:
    # None means "the task's own default": the seeded suite stays seeded.
    default = make("nethack_seeded")
    given = make("nethack_seeded", seeds=None, max_episode_steps=None, character=None)
    _, a = default.reset(seed=1)
    _, b = given.reset(seed=1)
    assert a["task_seed"] is not None and a["task_seed"] == b["task_seed"]
    assert base_env(given)._max_episode_steps == base_env(default)._max_episode_steps


# --------------------------------------------------------------------------- good options
def test_defaults_only_set_observations_and_moon_phase_for_nle_tasks() -> None:
    # Everything else (character, penalties, actions, limits) stays NLE's own.
    for spec in NLE_TASKS:
        if spec.seeded:
            continue
        kwargs = base_env_kwargs(spec, parse_options(spec, {}), ["blstats"])
        assert kwargs == {"observation_keys": ("blstats",), "fix_moon_phase": True}, spec.name


def test_seeded_suite_defaults_and_user_overrides() -> None:
    spec = get_task(SEEDED_TASK)
    opts = parse_options(spec, {})
    assert opts.actions == "full" and opts.character == "@" and opts.seeds == (0, 999)
    assert opts.penalty_step == 0.0 and opts.penalty_time == 0.0
    assert dict(opts.env_kwargs) == {"allow_all_yn_questions": True, "allow_all_modes": True}
    # User env_kwargs are merged into the task's, user options override defaults.
    opts = parse_options(spec, {"env_kwargs": {"spawn_monsters": False}, "seeds": 7})
    assert dict(opts.env_kwargs) == {
        "allow_all_yn_questions": True,
        "allow_all_modes": True,
        "spawn_monsters": False,
    }
    assert opts.seeds == (7, 7)


def test_hydra_containers_and_rllib_context_keys_are_accepted() -> None:
    spec = get_task("score")
    config = OmegaConf.create(
        {
            "observation_keys": ["glyphs", "blstats"],
            "seeds": [3, 9],
            "env_kwargs": {"spawn_monsters": False},
            "max_episode_steps": 1e3,
            "num_envs": 4,  # RLlib adds it to env_config; it is not an option
        }
    )
    opts = parse_options(spec, config)
    assert opts.observation_keys == ("glyphs", "blstats")
    assert opts.seeds == (3, 9)
    assert dict(opts.env_kwargs) == {"spawn_monsters": False}
    assert opts.max_episode_steps == 1000 and isinstance(opts.max_episode_steps, int)


def test_character_is_played(make) -> None:
    env = make("score", character="val-dwa-law-fem", observation_keys=["tty_chars"])
    obs, _ = env.reset(seed=0)
    assert "lawful dwarven Valkyrie" in top_line(obs)  # Valkyries are always female


def test_partly_random_character_is_refused(make) -> None:
    # NetHack reads "@" anywhere in the player name as "randomise everything",
    # so "sam-@-@-@" would silently not be a Samurai: refuse it up front.
    with pytest.raises(ConfigError, match=r"'@' only as the whole character"):
        make("score", character="sam-@-@-@")


@pytest.mark.parametrize(
    ("task", "actions", "expected"),
    [
        ("score", "task", TASK_ACTIONS),
        ("score", "full", nethack.ACTIONS),
        ("room5x5", "full", nethack.ACTIONS),
        ("challenge", "task", nethack.ACTIONS),  # the challenge's own set is the full keyboard
        ("challenge", "full", nethack.ACTIONS),
    ],
)
def test_action_sets(make, task: str, actions: str, expected: tuple) -> None:
    env = make(task, actions=actions)
    assert env.action_space.n == len(expected)
    assert list(env.unwrapped.actions) == list(expected)


def test_penalties_are_applied(make, rollout) -> None:
    env = make("score", penalty_step=-0.5, penalty_time=-0.25, observation_keys=["blstats"])
    run = rollout(env, 300, action_seed=1, reset_kwargs={"options": {"task_seed": 1}})
    assert not run.done
    frozen = 0
    pairs = itertools.pairwise(run.observations)
    for (before, after), reward in zip(pairs, run.rewards, strict=True):
        d_score = after["blstats"][nethack.NLE_BL_SCORE] - before["blstats"][nethack.NLE_BL_SCORE]
        d_time = after["blstats"][nethack.NLE_BL_TIME] - before["blstats"][nethack.NLE_BL_TIME]
        frozen += d_time == 0
        assert reward == d_score + (-0.5 if d_time == 0 else 0.0) - 0.25 * d_time
    assert 0 < frozen < len(run.rewards)  # both branches were exercised


def test_observation_keys_select_and_order_the_observation(make) -> None:
    keys = ["message", "glyphs", "prev_action", "screen_image", "inv_strs"]
    env = make("score", observation_keys=keys)
    assert sorted(env.observation_space.spaces) == sorted(keys)  # gymnasium sorts Dict spaces
    obs, _ = env.reset(seed=0)
    # The tty observations fetched to draw the image are not handed out.
    assert list(obs) == keys
    obs, *_ = env.step(0)
    assert list(obs) == keys


def test_family_default_observation_keys(make) -> None:
    for task in ("score", "room5x5"):
        env = make(task)
        expected = list(default_observation_keys(get_task(task)))
        assert sorted(env.observation_space.spaces) == sorted(expected)
        assert list(env.reset(seed=0)[0]) == expected


@pytest.mark.parametrize("task", ["room5x5", "MiniHack-Quest-Easy-v0"])
def test_every_accepted_minihack_key_works(make, task: str) -> None:
    # Every key the options accept for a MiniHack task builds, resets, steps
    # and stays inside its space.
    from rllib_nethack.envs.options import valid_observation_keys

    failures = {}
    for key in valid_observation_keys(get_task(task)):
        try:
            env = make(task, observation_keys=[key])
            obs, _ = env.reset(seed=0)
            obs, *_ = env.step(0)
            if not env.observation_space.contains(obs):
                failures[key] = f"shape {obs[key].shape} outside {env.observation_space[key]}"
        except Exception as err:
            failures[key] = f"{type(err).__name__}: {err}"
    assert failures == {}


@pytest.mark.parametrize(("crop_dim", "pixel_size"), [(18, 6), (9, 4), (12, 3)])
def test_screen_image_size(make, crop_dim: int, pixel_size: int) -> None:
    env = make("score", observation_keys=["screen_image"], crop_dim=crop_dim, pixel_size=pixel_size)
    side = crop_dim * pixel_size
    assert env.observation_space["screen_image"].shape == (side, side, 3)
    assert env.reset(seed=0)[0]["screen_image"].shape == (side, side, 3)


def test_max_episode_steps_is_nle_own_step_limit(make, rollout) -> None:
    env = make("score", max_episode_steps=10, observation_keys=["blstats"])
    run = rollout(env, 50, actions=[19] * 50)  # "." (rest): nothing else ends the game
    assert len(run.rewards) == 10
    assert run.truncated[-1]
    end = run.infos[-1]["episode_end"]
    assert end["end_reason"] == "truncated"
    # NLE ends the game itself at its own limit (it quits); a gymnasium
    # TimeLimit around NLE would leave the game running and NLE's own limit at 5000.
    assert env.unwrapped._max_episode_steps == 10
    assert not env.unwrapped.nethack.in_normal_game()
    assert end["how"] == "quit"


def test_ttyrecs_and_xlogfile_go_to_savedir(make, rollout, tmp_path) -> None:
    savedir = tmp_path / "games"
    env = make("score", savedir=str(savedir), save_ttyrec_every=1, observation_keys=["blstats"])
    kick, west, run_west, search = (
        TASK_ACTIONS.index(a) for a in (nethack.Command.KICK, ord("h"), ord("H"), ord("s"))
    )
    # Seed 0: run to the west wall and kick it until the hero dies.
    script = [run_west] * 3 + [kick, west, search] * 200
    run = rollout(env, 600, reset_kwargs={"options": {"task_seed": 0}}, actions=script)
    assert run.done and run.infos[-1]["episode_end"]["end_reason"] == "death"
    names = os.listdir(savedir)
    assert any(n.endswith(".ttyrec3.bz2") for n in names)
    (xlog,) = [n for n in names if n.endswith("xlogfile")]
    lines = (savedir / xlog).read_text().splitlines()
    assert len(lines) == 1 and "death=killed by kicking a wall" in lines[0]
