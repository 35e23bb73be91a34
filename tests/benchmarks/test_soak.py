"""``benchmarks/soak.py``: its help, and the growth fit against known lines."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from commands import ROOT

SCRIPT = ROOT / "benchmarks" / "soak.py"


def _soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_growth_fit_recovers_a_known_slope_after_the_warmup() -> None:
    soak = _soak()
    # 500 MiB, then +12 MiB per hour from t=300 s, with a start-up spike before it.
    samples = [(0.0, 900.0), (60.0, 1500.0)] + [
        (t, 500.0 + 12.0 * t / 3600) for t in range(300, 3600, 60)
    ]
    assert soak.growth_per_hour(samples, warmup_s=300) == pytest.approx(12.0)
    flat = [(float(t), 700.0 + (1 if t % 120 else -1)) for t in range(0, 1800, 60)]
    assert abs(soak.growth_per_hour(flat, warmup_s=0)) < 1.0
    assert soak.growth_per_hour(samples, warmup_s=10_000) is None
    assert soak.growth_per_hour([(5.0, 1.0), (5.0, 2.0)], warmup_s=0) is None
