"""A run's large CPU tensors land on transparent huge pages: far fewer page faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rllib_nethack.runs.huge_pages import THP_ENV

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
pytestmark = pytest.mark.skipif(
    not THP.is_file() or "[never]" in THP.read_text(), reason="transparent huge pages are off"
)

#: As ``run`` and ``tune`` start: huge pages asked for before torch is imported, then
#: a 256 MB activation-sized tensor written once; the page faults that cost.
PROGRAM = """
import json, resource
from rllib_nethack.runs.huge_pages import prefer_huge_pages
prefer_huge_pages()
import torch
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
torch.ones(64, 1024, 1024)
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before))
"""


def faults(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout.strip().splitlines()[-1]))


def test_huge_pages_cut_the_page_faults_of_a_large_tensor_and_can_be_turned_off() -> None:
    env = {k: v for k, v in os.environ.items() if k != THP_ENV}
    on = faults(env)  # prefer_huge_pages() set it
    off = faults({**env, THP_ENV: "0"})  # the user's own setting wins
    assert off > 60_000  # 256 MB in 4 KiB pages
    assert on * 10 < off, (on, off)
