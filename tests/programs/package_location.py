"""Print where ``rllib_nethack`` is imported from (tests/test_packaging.py: the installed
wheel, not the source tree)."""

import rllib_nethack

print(rllib_nethack.__file__)
