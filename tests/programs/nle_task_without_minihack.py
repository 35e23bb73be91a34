"""An NLE task's env imports no MiniHack; a MiniHack task's does (tests/envs/test_catalog.py).

Env runners of NLE tasks should not pay MiniHack's import (and its MiniGrid
registrations): MiniHack is looked up only on an NLE miss.
"""

import sys

import rllib_nethack

rllib_nethack.make_env("challenge").close()
assert "minihack" not in sys.modules, "minihack imported"
rllib_nethack.make_env("room5x5").close()
assert "minihack" in sys.modules
