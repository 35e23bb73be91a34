"""Keypress bytes <-> a task's action indices, and the count of keys a task cannot send."""

from __future__ import annotations

import numpy as np
import pytest
from nle import nethack

from rllib_nethack.datasets.keypresses import UNMAPPED, KeypressMap
from rllib_nethack.keystrokes.keymap import parse_action


@pytest.mark.parametrize(("task", "actions"), [("nethack_seeded", 121), ("score", 23)])
def test_every_action_round_trips_through_its_key(task: str, actions: int) -> None:
    keymap = KeypressMap.for_task(task)
    assert len(keymap.codes) == actions
    for code in keymap.codes:
        back = keymap.index(code)
        assert keymap.key(back) == code
        assert back == keymap.codes.index(code)  # a key listed twice: its first action
    assert not keymap.unmapped


def test_the_full_set_agrees_with_the_keystroke_interface() -> None:
    keymap = KeypressMap.for_task("nethack_seeded")
    for key in ("k", "ctrl+d", "meta+p", "enter", "escape", "space", "+", "$"):
        code = nethack.ACTIONS[parse_action(key)]
        assert keymap.index(int(code)) == parse_action(key)


def test_a_key_outside_the_action_set_is_counted_and_reported() -> None:
    keymap = KeypressMap.for_task("score")
    outside = next(c for c in range(256) if c not in keymap.codes)
    inside = keymap.codes[3]
    assert keymap.index(outside) == UNMAPPED and keymap.unmapped[outside] == 1

    keys = np.array([[inside, outside, outside, 0]], dtype=np.uint8)
    valid = np.array([[True, True, True, False]])  # the 0 is padding, not a keypress
    assert keymap.indices(keys, valid).tolist()[0][:3] == [3, UNMAPPED, UNMAPPED]
    assert keymap.unmapped[outside] == 3 and sum(keymap.unmapped.values()) == 3
    assert keymap.report().startswith("3 keypresses outside the task's 23 actions: ")


def test_vectorised_lookup_matches_the_plain_loop() -> None:
    keymap = KeypressMap.for_task("score")
    keys = np.arange(256, dtype=np.uint8).reshape(4, 64)
    loop = [[keymap.index(int(k)) for k in row] for row in keys]
    keymap.unmapped.clear()
    assert keymap.indices(keys, np.ones_like(keys, dtype=bool)).tolist() == loop
    assert sum(keymap.unmapped.values()) == 256 - len(set(keymap.codes))
