"""Episode statistics: what blstats said, how the episode ended, the task trackers."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from nle import nethack
from nle.env.tasks import TASK_ACTIONS

from rllib_nethack.envs.nle_access import (
    base_env,
    last_xlog_record,
    success_at_stairs,
    xlogfile_path,
)
from rllib_nethack.envs.stats import END_REASONS, STAT_NAMES, describe_end, end_reason
from rllib_nethack.envs.wrappers.episode_stats import EpisodeStatsWrapper

BL = nethack  # blstats indices: BL.NLE_BL_SCORE, ...


def tracker_of(env):
    while not isinstance(env, EpisodeStatsWrapper):
        env = env.env
    return env.tracker


def last_in_game(observations) -> np.ndarray:
    """blstats of the last observation that still shows the hero (NLE zeroes them after)."""
    in_game = [obs["blstats"] for obs in observations if obs["blstats"].any()]
    return in_game[-1]


def assert_stats_match_blstats(stats: dict, observations, steps: int) -> None:
    bl = last_in_game(observations)
    assert set(stats) == set(STAT_NAMES)
    expected = {
        "score": bl[BL.NLE_BL_SCORE],
        "turns": bl[BL.NLE_BL_TIME],
        "steps": steps,
        "max_depth": max(int(o["blstats"][BL.NLE_BL_DEPTH]) for o in observations),
        "max_hitpoints": bl[BL.NLE_BL_HPMAX],
        "max_energy": bl[BL.NLE_BL_ENEMAX],
        "armor_class": bl[BL.NLE_BL_AC],
        "experience_level": bl[BL.NLE_BL_XP],
        "experience_points": bl[BL.NLE_BL_EXP],
        "gold": bl[BL.NLE_BL_GOLD],
    }
    assert {k: stats[k] for k in expected} == {k: float(v) for k, v in expected.items()}
    assert all(isinstance(v, float) for v in stats.values())


# --------------------------------------------------------------------------- whole episodes
def test_scripted_death_statistics_equal_blstats(make, rollout) -> None:
    # Seed 23 with this random script goes down to Dlvl 4, picks up gold,
    # gains experience and dies (fixed seeds, fixed moon phase: the same game
    # on any machine and any day).
    env = make("score")
    run = rollout(env, 5000, action_seed=23, reset_kwargs={"options": {"task_seed": 23}})
    assert run.done and run.terminated[-1]
    info = run.infos[-1]
    stats, end = info["episode_stats"], info["episode_end"]
    assert_stats_match_blstats(stats, run.observations, len(run.rewards))
    assert stats["max_depth"] > 1 and stats["gold"] > 0 and stats["experience_points"] > 0
    assert stats["score"] > 0 and stats["turns"] > 100
    assert end["end_reason"] == "death" and end["how"] == "died"
    assert end["death_cause"].startswith("killed by ")
    # Only the final info carries the statistics.
    assert all("episode_stats" not in i and "episode_end" not in i for i in run.infos[:-1])


def test_kicking_a_wall_to_death_is_the_death_cause(make, rollout) -> None:
    kick, west, run_west, search = (
        TASK_ACTIONS.index(a) for a in (nethack.Command.KICK, ord("h"), ord("H"), ord("s"))
    )
    env = make("score", observation_keys=["blstats", "message"])
    script = [run_west] * 3 + [kick, west, search] * 200
    run = rollout(env, len(script), actions=script, reset_kwargs={"options": {"task_seed": 0}})
    end = run.infos[-1]["episode_end"]
    assert end == {"end_reason": "death", "how": "died", "death_cause": "killed by kicking a wall"}
    assert_stats_match_blstats(run.infos[-1]["episode_stats"], run.observations, len(run.rewards))


def test_step_limit_statistics(make, rollout) -> None:
    env = make("score", max_episode_steps=30, observation_keys=["blstats"])
    run = rollout(env, 100, action_seed=4, reset_kwargs={"options": {"task_seed": 4}})
    assert len(run.rewards) == 30
    info = run.infos[-1]
    assert info["episode_end"]["end_reason"] == "truncated"
    assert info["episode_end"]["death_cause"] == ""
    assert_stats_match_blstats(info["episode_stats"], run.observations, 30)


def test_staircase_success(make, rollout) -> None:
    env = make("staircase", observation_keys=["blstats"])
    ends = []
    for seed in range(12):
        run = rollout(env, 2000, action_seed=seed, reset_kwargs={"options": {"task_seed": seed}})
        if run.done:
            ends.append(run.infos[-1]["episode_end"])
            stats = run.infos[-1]["episode_stats"]
            # The winning step onto ">" is the staircase tracker's one count.
            success = run.infos[-1]["episode_end"]["end_reason"] == "success"
            assert stats["staircase_score"] == float(success)
            assert stats["staircase_pet_score"] == 0.0
    successes = [e for e in ends if e["end_reason"] == "success"]
    assert len(successes) >= 3
    assert all(e["death_cause"] == "" for e in successes)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("staircase", (True, False)),
        ("pet", (True, True)),
        ("oracle", (False, False)),
        ("score", (False, False)),
        ("room5x5", (True, False)),  # MiniHack navigation: the goal is the staircase
        ("MiniHack-Eat-v0", (False, False)),  # a reward manager decides success
    ],
)
def test_which_successes_mean_the_stairs(make, task: str, expected) -> None:
    assert success_at_stairs(base_env(make(task))) == expected


def test_minihack_success_and_statistics(make, rollout) -> None:
    env = make("room5x5", max_episode_steps=200)
    reasons = set()
    for seed in range(8):
        run = rollout(env, 300, action_seed=seed, reset_kwargs={"seed": seed})
        assert run.done
        reasons.add(run.infos[-1]["episode_end"]["end_reason"])
        stats = run.infos[-1]["episode_stats"]
        assert stats["steps"] == len(run.rewards)
        assert stats["max_depth"] == 1.0 and stats["scout_score"] > 0
    assert "success" in reasons


def test_private_xlogfile_is_emptied_but_savedir_is_kept(make, rollout, tmp_path) -> None:
    kick, west, run_west, search = (
        TASK_ACTIONS.index(a) for a in (nethack.Command.KICK, ord("h"), ord("H"), ord("s"))
    )
    script = [run_west] * 3 + [kick, west, search] * 200
    private = make("score", observation_keys=["blstats"])
    path = xlogfile_path(base_env(private))
    assert path.startswith(base_env(private).nethack._vardir)
    saved = make("score", observation_keys=["blstats"], savedir=str(tmp_path), save_ttyrec_every=1)
    saved_path = xlogfile_path(base_env(saved))
    assert os.path.dirname(saved_path) == str(tmp_path)
    causes = []
    for seed in (0, 2):
        for env in (private, saved):
            run = rollout(
                env, len(script), actions=script, reset_kwargs={"options": {"task_seed": seed}}
            )
            causes.append(run.infos[-1]["episode_end"]["death_cause"])
        assert os.path.getsize(path) == 0  # one line per episode would pile up for ever
    assert causes == ["killed by kicking a wall"] * 4
    with open(saved_path) as xlog:
        lines = xlog.read().splitlines()
    assert len(lines) == 2 and all("death=killed by kicking a wall" in line for line in lines)


# --------------------------------------------------------------------------- task trackers
@pytest.mark.parametrize(
    ("task", "stat", "per_step"),
    [
        ("scout", "scout_score", lambda r: r),
        ("eat", "eating_score", lambda r: r),
        ("gold", "gold_score", abs),  # NLE's gold reward is signed; the tracker counts both ways
    ],
)
def test_trackers_equal_nle_task_rewards(make, task: str, stat: str, per_step) -> None:
    # Without the step penalty an NLE task's return is exactly what the tracker counts.
    env = make(task, penalty_step=0.0, observation_keys=["blstats"])
    tracker = tracker_of(env)
    total_seen = 0.0
    max_depth = 1
    for seed in (0, 2, 23):
        env.reset(options={"task_seed": seed})
        rng = np.random.default_rng(seed)
        total = 0.0
        for t in range(2500):
            obs, reward, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            if terminated or truncated:
                break
            total += per_step(reward)
            assert tracker.summary()[stat] == total, (seed, t)
            max_depth = max(max_depth, int(obs["blstats"][BL.NLE_BL_DEPTH]))
        total_seen += total
    assert total_seen > 0
    if task == "scout":
        assert max_depth > 1  # the per-level accounting was exercised


def test_scout_score_grows_while_exploring(make) -> None:
    env = make("score", observation_keys=["blstats"])
    tracker = tracker_of(env)
    env.reset(options={"task_seed": 1})
    start = tracker.scout_score()
    history = [start]
    run_east = TASK_ACTIONS.index(ord("L"))
    run_west = TASK_ACTIONS.index(ord("H"))
    rng = np.random.default_rng(1)
    for _ in range(300):
        action = int(rng.choice([run_east, run_west, *range(1, 9)]))
        _, _, terminated, truncated, _ = env.step(action)
        assert not (terminated or truncated)
        history.append(tracker.scout_score())
    assert all(b >= a for a, b in itertools.pairwise(history))  # one level: never shrinks
    assert history[-1] > start


def test_staircase_score_counts_steps_on_the_down_staircase(make) -> None:
    # The staircase task ends on the first step onto ">"; the same game under
    # the score task (same seed, same actions) keeps going and the tracker counts it.
    hits = 0
    for seed in range(12):
        stairs = make("staircase", penalty_step=0.0, observation_keys=["blstats"])
        score = make("score", observation_keys=["blstats"])
        stairs.reset(options={"task_seed": seed})
        score.reset(options={"task_seed": seed})
        tracker = tracker_of(score)
        rng = np.random.default_rng(seed)
        for _ in range(2000):
            action = int(rng.integers(stairs.action_space.n))
            _, reward, terminated, truncated, info = stairs.step(action)
            _, _, s_term, s_trunc, _ = score.step(action)
            if terminated or truncated or s_term or s_trunc:
                break
            assert tracker.staircase_score == 0
        if info.get("episode_end", {}).get("end_reason") == "success" and not (s_term or s_trunc):
            assert reward == 1.0
            assert tracker.staircase_score == 1
            hits += 1
    assert hits >= 2


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("how", "end_status", "truncated", "expected"),
    [
        ("died", 1, False, "death"),
        ("poisoning", 1, False, "death"),
        ("starving", 1, False, "death"),
        ("quit", 1, False, "quit"),
        ("quit", -1, False, "truncated"),  # NLE aborted the game at its step limit
        ("quit", -1, True, "truncated"),
        ("died", 0, True, "truncated"),
        ("died", 2, False, "success"),  # NLE tasks report task success as end_status 2
        ("ascended", 1, False, "ascended"),
        ("ascended", 1, True, "ascended"),
    ],
)
def test_end_reason(how: str, end_status: int, truncated: bool, expected: str) -> None:
    assert end_reason(how, end_status, truncated) == expected
    assert expected in END_REASONS


def test_describe_end_keeps_the_death_text_only_for_deaths() -> None:
    record = {"death": "killed by a jackal", "points": "12"}
    assert describe_end(record, "death", "died") == {
        "end_reason": "death",
        "how": "died",
        "death_cause": "killed by a jackal",
    }
    assert describe_end(record, "truncated", "quit")["death_cause"] == ""
    assert describe_end({}, "death", "died")["death_cause"] == ""


XLOG_LINES = [
    "version=3.6.6\tpoints=4\tdeathlev=1\tdeath=killed by a newt\tname=Agent",
    "version=3.6.6\tpoints=96\tdeathlev=2\tdeath=killed by a goblin, while helpless\t"
    "while=helpless=really\tname=Agent",
]


def test_last_xlog_record_reads_the_last_line_and_keeps_the_file(tmp_path) -> None:
    path = tmp_path / "xlogfile"
    text = "\n".join(XLOG_LINES) + "\n"
    path.write_text(text)
    record = last_xlog_record(str(path), truncate=False)
    assert record["points"] == "96"
    assert record["death"] == "killed by a goblin, while helpless"
    assert record["while"] == "helpless=really"  # only the first "=" separates
    assert path.read_text() == text


def test_last_xlog_record_truncates_only_when_asked(tmp_path) -> None:
    path = tmp_path / "xlogfile"
    path.write_text("\n".join(XLOG_LINES) + "\n")
    assert last_xlog_record(str(path), truncate=True)["death"].startswith("killed by a goblin")
    assert path.read_text() == ""
    assert last_xlog_record(str(path), truncate=True) == {}


def test_last_xlog_record_of_a_long_file(tmp_path) -> None:
    path = tmp_path / "xlogfile"
    filler = [f"points={i}\tdeath=killed by a rat {'x' * 300}" for i in range(100)]
    path.write_text("\n".join([*filler, XLOG_LINES[0]]) + "\n")
    assert os.path.getsize(path) > 4096 * 5
    assert last_xlog_record(str(path), truncate=False)["death"] == "killed by a newt"


def test_last_xlog_record_reads_only_what_came_after_a_mark(tmp_path) -> None:
    # A savedir xlogfile is shared by the envs of a process: a game that wrote
    # no line of its own must not take another game's record.
    path = tmp_path / "xlogfile"
    path.write_text("death=killed by a newt\n")
    mark = os.path.getsize(path)
    assert last_xlog_record(str(path), truncate=False, since=mark) == {}
    with open(path, "a") as xlog:
        xlog.write("death=killed by a jackal\n")
    assert last_xlog_record(str(path), truncate=False, since=mark)["death"] == "killed by a jackal"


def test_last_xlog_record_of_nothing(tmp_path) -> None:
    assert last_xlog_record(str(tmp_path / "missing"), truncate=False) == {}
    assert last_xlog_record(str(tmp_path / "missing"), truncate=True) == {}
    (tmp_path / "empty").write_text("")
    assert last_xlog_record(str(tmp_path / "empty"), truncate=False) == {}
