"""BALROG's NetHack progression: how far a game got, as the chance that a human who got there wins.

The in-game score rewards gold, kills and identification as much as getting
anywhere; BALROG (Paglieri et al., 2024, "BALROG: Benchmarking Agentic LLM and
VLM Reasoning On Games", https://github.com/balrog-ai/BALROG) measures
progress instead by the deepest dungeon level and the highest experience level
reached. Each level maps to the fraction of human games that reached it and
went on to ascend, and an episode scores the larger of its two values:
reaching Dlvl 1 / XL 1 (the start) is 0, ascending is 1.

Source of the numbers below: BALROG's table
``balrog/environments/nle/achievements.json`` (keys ``Dlvl:N`` and ``Xp:N``),
as in the repository at commit ``af7d1f1`` (the file is unchanged since the
initial commit ``fba89e2``, 2024-11-21); its use is
``balrog/environments/nle/progress.py`` (the maximum over the ``Dlvl`` and
``Xp`` entries reached, 0 for anything missing from the table). BALROG's
documentation (``docs/envs/nle.md``) says only that the table was built from
"a dataset of human-played NetHack games", recording the levels reached and
whether each game ascended; which server's games (e.g. nethack.alt.org) it
does not state there, so neither do we. The values are copied as published,
rounded to 6 decimals; the table's other entries (quest home levels, the
Astral Plane, named items and monsters) are not used by BALROG's progress
measure and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: P(ascend | deepest dungeon level reached), Dlvl 1-50 (BALROG's ``Dlvl:N``).
DEPTH_PROGRESSION: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0,
        2: 0.015392,
        3: 0.017540,
        4: 0.021221,
        5: 0.026482,
        6: 0.035429,
        7: 0.048461,
        8: 0.069581,
        9: 0.097709,
        10: 0.125586,
        11: 0.161268,
        12: 0.206129,
        13: 0.256604,
        14: 0.292472,
        15: 0.308812,
        16: 0.324907,
        17: 0.340079,
        18: 0.352646,
        19: 0.365488,
        20: 0.378957,
        21: 0.392937,
        22: 0.408323,
        23: 0.425836,
        24: 0.445181,
        25: 0.466376,
        26: 0.506761,
        27: 0.554357,
        28: 0.601565,
        29: 0.646505,
        30: 0.691311,
        31: 0.710109,
        32: 0.717646,
        33: 0.723212,
        34: 0.728441,
        35: 0.732776,
        36: 0.736853,
        37: 0.742146,
        38: 0.747132,
        39: 0.753731,
        40: 0.761040,
        41: 0.767408,
        42: 0.772534,
        43: 0.777163,
        44: 0.781257,
        45: 0.785899,
        46: 0.789026,
        47: 0.792972,
        48: 0.796741,
        49: 0.801847,
        50: 0.806796,
    }
)
#: P(ascend | highest experience level reached), XL 1-30 (BALROG's ``Xp:N``).
XL_PROGRESSION: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0,
        2: 0.018478,
        3: 0.020812,
        4: 0.024160,
        5: 0.029109,
        6: 0.036888,
        7: 0.050758,
        8: 0.074536,
        9: 0.117050,
        10: 0.179100,
        11: 0.254804,
        12: 0.332649,
        13: 0.414426,
        14: 0.494039,
        15: 0.577882,
        16: 0.626122,
        17: 0.656282,
        18: 0.681022,
        19: 0.701533,
        20: 0.717449,
        21: 0.728698,
        22: 0.737100,
        23: 0.744345,
        24: 0.751345,
        25: 0.758554,
        26: 0.764215,
        27: 0.770338,
        28: 0.775981,
        29: 0.778335,
        30: 0.780456,
    }
)


def progression(max_depth: int, max_xl: int, ascended: bool = False) -> float:
    """BALROG's progression of one game: 1 for an ascension, else the larger table value.

    Args:
        max_depth: The deepest dungeon level reached (NetHack's depth, 1 at the top).
        max_xl: The highest experience level reached.
        ascended: Whether the game was won.
    """
    if ascended:
        return 1.0
    # Both tables rise with the level, so the deepest level reached stands for
    # every level visited on the way (BALROG takes the maximum over those);
    # Gehennom's few levels below 50 count as 50, the table's last entry.
    depth = min(max_depth, max(DEPTH_PROGRESSION))
    xl = min(max_xl, max(XL_PROGRESSION))
    return max(DEPTH_PROGRESSION.get(depth, 0.0), XL_PROGRESSION.get(xl, 0.0))
