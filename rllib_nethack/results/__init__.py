"""The vocabulary every per-episode result shares: ``evaluate`` (a checkpoint's policy)
and ``agents.bench``/``record`` (keystroke and tool-calling agents) speak it alike.

Standard library and numpy only, so that agent worker processes import it cheaply.
"""
