"""Print whether importing the package imported MiniHack and Ray (it should do neither;
tests/envs/test_registration.py)."""

import sys

import rllib_nethack  # noqa: F401  # the import is what is measured

print("minihack" in sys.modules, "ray" in sys.modules)
