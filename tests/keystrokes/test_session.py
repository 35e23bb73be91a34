"""Session: the seeded game played by keystrokes (real NLE), and the terminal player on top."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from commands import run_command

import rllib_nethack
from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes import KeystrokeError, Session, SessionError, StepResult, commands
from rllib_nethack.keystrokes.terminal import end_summary, play_loop, render

SEED = 7
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# (key, dx, dy) for the eight one-square moves.
_MOVES = (
    ("k", 0, -1),
    ("j", 0, 1),
    ("h", -1, 0),
    ("l", 1, 0),
    ("y", -1, -1),
    ("u", 1, -1),
    ("b", -1, 1),
    ("n", 1, 1),
)


@pytest.fixture
def session() -> Iterator[Session]:
    with Session(seed=SEED) as game:
        yield game


def _play(game: Session, keys: list[str]) -> list[StepResult]:
    return [game.step(key) for key in keys]


@pytest.mark.parametrize("seed", [0, SEED, 999])
def test_first_screen_is_the_rllib_task_seed(seed: int) -> None:
    env = rllib_nethack.make_env("nethack_seeded", observation_keys=["tty_chars"])
    try:
        obs, _ = env.reset(options={"task_seed": seed})
    finally:
        env.close()
    expected = tuple(bytes(row).decode("latin-1").rstrip() for row in obs["tty_chars"])
    with Session(seed=seed) as game:
        assert game.last.screen == expected
        assert game.last.seed == seed


def test_same_seed_and_keys_give_the_same_screens(session: Session) -> None:
    keys = ["i", "escape", "s", "j", "l", "2", "0", "s", "ctrl+d", "k", "y", ","]
    first = [session.last, *_play(session, keys)]
    session.reset()
    second = [session.last, *_play(session, keys)]
    assert [r.screen for r in first] == [r.screen for r in second]
    assert [r.stats for r in first] == [r.stats for r in second]
    assert first[-1].stats.turn > first[0].stats.turn  # the keys did play the game
    with Session(seed=SEED + 1) as other:
        assert other.last.screen != first[0].screen  # and the seed matters


def test_inventory_opens_and_escape_closes_it(session: Session) -> None:
    start = session.last
    shown = session.step("i")
    assert shown.screen != start.screen
    assert re.search(r"\ba - ", shown.text), shown.text
    assert shown.stats.turn == start.stats.turn  # looking costs no time
    closed = session.step("escape")
    assert not re.search(r"\ba - ", closed.text)
    assert closed.screen[1:] == start.screen[1:]  # the map is back as it was


def test_a_move_moves_the_hero_on_the_screen(session: Session) -> None:
    start = session.last
    row, col = start.cursor
    assert start.screen[row][col] == "@"
    assert (start.stats.x, start.stats.y + 1) == (col, row)  # map row y is screen row y + 1
    key, dx, dy = next(
        (key, dx, dy) for key, dx, dy in _MOVES if start.screen[row + dy][col + dx] == "."
    )
    moved = session.step(key)
    assert (moved.stats.x, moved.stats.y) == (start.stats.x + dx, start.stats.y + dy)
    assert moved.cursor == (row + dy, col + dx)
    assert moved.screen[row + dy][col + dx] == "@"
    assert moved.stats.turn == start.stats.turn + 1
    assert moved.key == key and moved.steps == 1


@pytest.mark.parametrize("bad", ["tab", "ctrl+p", "ctlr+d", "%", "", 3])
def test_bad_keystrokes_do_not_touch_the_game(session: Session, bad: object) -> None:
    before = session.last
    with pytest.raises(KeystrokeError):
        session.step(bad)  # type: ignore[arg-type]
    assert session.last is before
    # The game itself did not move: the next real key gives what it gives on a fresh game.
    after = session.step("s")
    with Session(seed=SEED) as fresh:
        expected = fresh.step("s")
    assert after.screen == expected.screen
    assert after.stats.turn == before.stats.turn + 1
    assert after.steps == 1


def test_stats_match_the_status_line(session: Session) -> None:
    stats = session.last.stats
    bottom = " ".join(session.last.screen[22:24])
    assert f"St:{stats.strength} " in bottom
    assert f"Dx:{stats.dexterity} " in bottom
    assert f"HP:{stats.hp}({stats.max_hp})" in bottom
    assert f"Pw:{stats.energy}({stats.max_energy})" in bottom
    assert f"AC:{stats.ac} " in bottom
    assert f"Xp:{stats.xl}/{stats.experience}" in bottom
    assert f"T:{stats.turn}" in bottom
    assert f"Dlvl:{stats.depth} " in bottom
    assert f"${stats.gold}" in bottom.replace("$:", "$")
    assert stats.alignment in bottom
    assert stats.hunger == "Not hungry" and stats.encumbrance == "Unencumbered"
    assert stats.turn == 1 and stats.conditions == ()


def test_quitting_ends_the_episode(session: Session) -> None:
    asked = session.step("meta+q")
    assert "Really quit?" in asked.message and not asked.done
    over = session.step("y")
    assert over.done and over.reason == "quit" and over.death_cause is None
    assert over.episode_stats is not None and over.episode_stats["steps"] == 2
    assert over.stats.hp > 0  # the last in-game stats, not NetHack's cleared ones
    with pytest.raises(SessionError, match="reset"):
        session.step("s")
    with pytest.raises(KeystrokeError):  # a bad key is still reported as such
        session.step("tab")
    again = session.reset()
    assert not again.done and again.steps == 0


def test_step_limit_truncates() -> None:
    with Session(seed=SEED, max_steps=3) as game:
        results = _play(game, ["s", "s", "s"])
    assert [r.done for r in results] == [False, False, True]
    assert results[-1].reason == "truncated"


def test_reset_to_another_seed(session: Session) -> None:
    session.step("s")
    other = session.reset(seed=3)
    assert other.seed == session.seed == 3 and other.steps == 0
    with Session(seed=3) as fresh:
        assert fresh.last.screen == other.screen


@pytest.mark.parametrize("seed", [-1, 1000, 7.5, "7", True, None])
def test_seed_must_be_in_the_suite(seed: object) -> None:
    with pytest.raises(ConfigError, match="between 0 and 999"):
        Session(seed=seed)  # type: ignore[arg-type]


def test_seeds_past_the_suite_are_other_games_when_asked_for() -> None:
    with Session(seed=5000, suite=False) as held_out, Session(seed=5000, suite=False) as again:
        assert held_out.seed == 5000 and held_out.last.screen == again.last.screen
        with Session(seed=SEED) as in_suite:
            assert in_suite.last.screen != held_out.last.screen
        assert held_out.reset(seed=5001).seed == 5001


def test_bad_reset_seed_leaves_the_game_running(session: Session) -> None:
    moved = session.step("s")
    with pytest.raises(ConfigError, match="between 0 and 999"):
        session.reset(seed=1000)
    assert session.last is moved and session.seed == SEED


@pytest.mark.parametrize("max_steps", [0, 1_000_001, 2.5])
def test_max_steps_range(max_steps: object) -> None:
    with pytest.raises(ConfigError, match="max_steps"):
        Session(seed=0, max_steps=max_steps)  # type: ignore[arg-type]


def test_closed_session_refuses_steps() -> None:
    with Session(seed=0) as game:
        pass
    assert game.closed
    with pytest.raises(SessionError, match="closed"):
        game.step("s")
    game.close()  # twice is fine


def test_results_are_json_ready(session: Session) -> None:
    data = json.loads(json.dumps(session.step("i").to_dict()))
    assert data["key"] == "i" and len(data["screen"]) == 24
    assert data["stats"]["hunger"] == "Not hungry"
    assert session.commands() is commands()


def test_render_draws_the_screen_and_cursor(session: Session) -> None:
    frame = render(session.terminal(), "status here")
    row, col = session.last.cursor
    assert frame.endswith(f"\x1b[{row + 1};{col + 1}H")
    rows = [_ANSI.sub("", part).rstrip() for part in re.split(r"\x1b\[\d+;1H", frame)[1:]]
    assert rows[:24] == list(session.last.screen)
    assert rows[24] == "status here"


def test_play_loop_sends_keys_and_leaves_on_ctrl_c(session: Session) -> None:
    typed = iter([b"i", b"\x1b", b"%", b"s\x03s"])
    frames: list[str] = []
    result = play_loop(session, lambda: next(typed), frames.append)
    assert (result.key, result.steps) == ("s", 3)  # i, escape, s; not after ^C
    assert len(frames) == 4
    assert "% is not a key NLE can send" in frames[3]
    assert end_summary(result) == "left the game at step 3"


def test_play_loop_stops_at_game_over(session: Session) -> None:
    typed = iter([b"\x1bq", b"y", b"s"])
    result = play_loop(session, lambda: next(typed), lambda _: None)
    assert result.done and result.reason == "quit"
    assert end_summary(result).startswith("game over (quit)")


def test_play_without_a_terminal_fails_cleanly() -> None:
    proc = run_command("rllib_nethack.play", "seed=7", timeout=60)
    assert proc.returncode == 2, proc.stderr  # keystrokes/terminal.py: a user error
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "terminal" in lines[0]
    assert "Traceback" not in proc.stderr


def test_a_session_with_a_savedir_records_its_games_as_nle_does(tmp_path: Path) -> None:
    with Session(seed=3, max_steps=50) as plain:
        assert plain.recording is None
    with Session(seed=3, max_steps=50, savedir=str(tmp_path)) as game:
        game.step("s")
        recording = game.recording
        assert recording is not None
        assert Path(recording.ttyrec).parent == tmp_path
        assert re.fullmatch(r"nle\.\d+\.\d+\.ttyrec3\.bz2", Path(recording.ttyrec).name)
        assert Path(recording.xlogfile).name.endswith(".xlogfile")
    assert Path(recording.ttyrec).stat().st_size > 0  # closing the game finished the file
