"""MuZero on RLlib's API stack: batched search, value scaling, targets, and the algorithm."""
