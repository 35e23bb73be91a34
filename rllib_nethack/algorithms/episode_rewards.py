"""Rewriting an RLlib episode's rewards (reward clipping, intrinsic bonuses)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def set_rewards(episode: Any, rewards: np.ndarray) -> None:
    """Replace ``episode``'s rewards (its lookback excluded) with ``rewards`` (float32).

    RLlib checks a finalized (numpy) episode's first new reward against the
    reward space as a numpy scalar, which gymnasium answers with "Casting input
    x to numpy array" on every call; the values are fine, so that one warning is
    silenced here rather than shown on every training console.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Casting input x to numpy array")
        episode.set_rewards(new_data=np.asarray(rewards, dtype=np.float32))
