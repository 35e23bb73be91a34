"""Summary statistics over episodes: the one place a mean, a spread or an interval is computed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: The normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation, 95% interval half-width, min and max of some values.

    ``ci95`` is the normal approximation ``Z_95 * std / sqrt(n)``: with the
    hundreds of seeds an evaluation plays it is the interval that matters, and
    it needs no t table (0 for one value, where there is no spread to measure).
    """

    count: int
    mean: float
    std: float
    ci95: float
    min: float
    max: float


def spread(values: Iterable[float]) -> Spread:
    """The :class:`Spread` of ``values`` (``math.fsum``, so the order they come in does not matter).

    Raises:
        ValueError: no values.
    """
    data = [float(v) for v in values]
    if not data:
        raise ValueError("no values to summarize")
    n = len(data)
    mean = math.fsum(data) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in data) / (n - 1)) if n > 1 else 0.0
    return Spread(n, mean, std, Z_95 * std / math.sqrt(n), min(data), max(data))


def rate(flags: Iterable[bool]) -> Spread:
    """The :class:`Spread` of a yes/no outcome (its mean is the rate: success, death, ...)."""
    return spread(1.0 if flag else 0.0 for flag in flags)
