"""Our NLE tasks give exactly the rewards and episode ends of NLE's own task classes.

Upstream is NLE's task class built directly (not through our factory), seeded
with NLE's own hooks; ours is ``make_env``. Both get the same NetHack seeds and
the same actions. They replay the same games only when NetHack is asked for the
same observations (``screen_descriptions`` consumes game RNG) and the same
``fix_moon_phase`` (ours defaults to True), so those two are passed explicitly.
"""

from __future__ import annotations

import numpy as np
import pytest
from nle import nethack
from nle.env import tasks as nle_tasks

from rllib_nethack import make_env
from rllib_nethack.envs.catalog import get_task
from rllib_nethack.envs.nle_access import set_seeds
from rllib_nethack.envs.options import default_observation_keys

UPSTREAM = {
    "staircase": nle_tasks.NetHackStaircase,
    "score": nle_tasks.NetHackScore,
    "pet": nle_tasks.NetHackStaircasePet,
    "oracle": nle_tasks.NetHackOracle,
    "gold": nle_tasks.NetHackGold,
    "eat": nle_tasks.NetHackEat,
    "scout": nle_tasks.NetHackScout,
    "challenge": nle_tasks.NetHackChallenge,
}
#: NLE's default observations for its tasks (NetHackChallenge has its own list).
UPSTREAM_DEFAULT_KEYS = (
    "glyphs",
    "chars",
    "colors",
    "specials",
    "blstats",
    "message",
    "inv_glyphs",
    "inv_strs",
    "inv_letters",
    "inv_oclasses",
    "screen_descriptions",
    "tty_chars",
    "tty_colors",
    "tty_cursor",
)


def assert_same_observations(ours: dict, upstream: dict, where: str) -> None:
    """Every observation upstream gives, ours gives too, with the same values (ours may
    add keys of its own, such as ``prev_action``; a key it lacks is a failure)."""
    missing = sorted(set(upstream) - set(ours))
    assert not missing, f"our env lacks {missing} at {where}"
    for key in upstream:
        np.testing.assert_array_equal(ours[key], upstream[key], err_msg=f"{key} at {where}")


def compare(
    task: str,
    raw_keys: tuple[str, ...],
    seeds: list[int],
    steps_per_episode: int,
    options: dict | None = None,
    upstream_kwargs: dict | None = None,
    script: list[int] | None = None,
    exact_flags: bool = True,
) -> dict[str, int]:
    """Play ``seeds`` (one episode each) in both; return what happened.

    Actions are ``script`` or random from the seed. ``exact_flags=False`` only
    requires both to end on the same step (see test_step_limit_matches_upstream).
    """
    options = dict(options or {})
    ours = make_env(task, **options)
    upstream = UPSTREAM[task](
        observation_keys=raw_keys, fix_moon_phase=True, **(upstream_kwargs or {})
    )
    tally = {"steps": 0, "nonzero_rewards": 0, "ends": 0}
    try:
        assert ours.action_space == upstream.action_space
        for seed in seeds:
            set_seeds(upstream, seed, seed, seed)
            up_obs, _ = upstream.reset()
            our_obs, info = ours.reset(options={"task_seed": seed})
            assert info["task_seed"] == seed
            assert_same_observations(our_obs, up_obs, f"{task} seed {seed} reset")
            rng = np.random.default_rng(seed)
            for t in range(steps_per_episode):
                action = script[t] if script else int(rng.integers(upstream.action_space.n))
                up = upstream.step(action)
                our = ours.step(action)
                where = f"{task} seed {seed} step {t}"
                assert our[1] == up[1], f"reward at {where}"
                if exact_flags:
                    assert (our[2], our[3]) == (up[2], up[3]), f"terminated/truncated at {where}"
                assert (our[2] or our[3]) == (up[2] or up[3]), f"episode end at {where}"
                assert_same_observations(our[0], up[0], where)
                tally["steps"] += 1
                tally["nonzero_rewards"] += up[1] != 0
                if up[2] or up[3]:
                    tally["ends"] += 1
                    break
    finally:
        ours.close()
        upstream.close()
    return tally


def test_a_key_missing_from_ours_fails_the_comparison() -> None:
    upstream = {"blstats": np.zeros(3), "message": np.zeros(2)}
    ours = {"blstats": np.zeros(3), "prev_action": np.zeros(1)}
    with pytest.raises(AssertionError, match=r"lacks \['message'\]"):
        assert_same_observations(ours, upstream, "here")
    ours["message"] = np.ones(2)
    with pytest.raises(AssertionError, match="message at here"):
        assert_same_observations(ours, upstream, "here")
    ours["message"] = np.zeros(2)
    assert_same_observations(ours, upstream, "here")  # extra keys of ours are fine


@pytest.mark.parametrize("task", list(UPSTREAM))
def test_default_task_matches_upstream(task: str) -> None:
    keys = tuple(k for k in default_observation_keys(get_task(task)) if k != "prev_action")
    tally = compare(task, keys, seeds=[1, 2, 3], steps_per_episode=300)
    assert tally["steps"] >= 300
    if task not in ("staircase", "pet", "oracle", "challenge"):
        # Score, gold, eat and scout rewards (and step penalties) did happen.
        assert tally["nonzero_rewards"] > 0


@pytest.mark.parametrize("task", list(UPSTREAM))
def test_upstream_observation_keys_match_upstream(task: str) -> None:
    # Ours asked for NLE's own default observations (screen_descriptions included).
    keys = (
        (*(k for k in UPSTREAM_DEFAULT_KEYS if k != "screen_descriptions"), "misc")
        if task == "challenge"
        else UPSTREAM_DEFAULT_KEYS
    )
    compare(task, keys, seeds=[4], steps_per_episode=200, options={"observation_keys": list(keys)})


def test_score_episodes_to_the_end_match_upstream() -> None:
    # Long enough for random play to die: the terminal step matches too.
    keys = tuple(k for k in default_observation_keys(get_task("score")) if k != "prev_action")
    tally = compare("score", keys, seeds=[0, 5, 15], steps_per_episode=5000)
    assert tally["ends"] == 3


def test_challenge_deaths_match_upstream() -> None:
    # Full keyboard, random character: run west, then kick the wall (answering
    # NetHack's --More-- prompts) until the hero dies (seeds 0 and 7 do).
    actions = list(nethack.ACTIONS)
    more, kick, search = (
        actions.index(a)
        for a in (nethack.MiscAction.MORE, nethack.Command.KICK, nethack.Command.SEARCH)
    )
    west = actions.index(nethack.CompassDirection.W)
    run_west = actions.index(nethack.CompassDirectionLonger.W)
    script = [more, more, run_west, more, run_west, more] + [kick, west, more, search, more] * 300
    keys = ("tty_chars", "tty_colors", "tty_cursor", "blstats", "message")
    tally = compare("challenge", keys, seeds=[0, 7], steps_per_episode=len(script), script=script)
    assert tally["ends"] == 2


def test_staircase_success_matches_upstream() -> None:
    # Seeds whose random walk reaches the down staircase: the success step
    # (reward 1 plus penalty, terminated) matches too.
    keys = ("tty_chars", "tty_colors", "tty_cursor", "blstats", "message")
    tally = compare("staircase", keys, seeds=list(range(12)), steps_per_episode=2000)
    assert tally["ends"] >= 3
    assert tally["nonzero_rewards"] > 0


def test_step_limit_matches_upstream() -> None:
    # NLE's own step limit: the game is quit on the same step. (NLE flags that
    # step terminated, not truncated; gymnasium wants truncated, so only the
    # step and the rewards must match.)
    keys = ("blstats", "message")
    tally = compare(
        "score",
        keys,
        seeds=[2, 3],
        steps_per_episode=100,
        options={"max_episode_steps": 40, "observation_keys": list(keys)},
        upstream_kwargs={"max_episode_steps": 40},
        exact_flags=False,
    )
    assert tally["ends"] == 2 and tally["steps"] == 80
