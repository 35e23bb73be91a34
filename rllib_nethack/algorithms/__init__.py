"""Algorithms of our own, built on RLlib's current API stack (MuZero)."""
