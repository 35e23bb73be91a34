"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- test-command -->", 1)[1]
    return re.search(r"```bash\n(.+?)\n```", block, re.S).group(1).strip()  # type: ignore[union-attr]


def test_ci_runs_the_readme_test_command() -> None:
    # `python3 -m venv .venv && pip install ...`, then one command per test lane.
    parts = readme_test_command().split(" && ")
    install, lanes = " && ".join(parts[:2]), parts[2:]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install in ci, "the install line of .ci/run differs from the README's"
    assert lanes, "the README's test command runs no tests"
    for lane in lanes:
        assert lane in ci, f"{lane!r}: a test line of .ci/run differs from the README's"
    positions = [ci.index(line) for line in (install, *lanes)]
    assert positions == sorted(positions)


def test_readme_main_job_names_a_real_task_and_override() -> None:
    from rllib_nethack.config import compose_config

    text = (ROOT / "README.md").read_text()
    main_job = re.search(r"python -m rllib_nethack\.run (\+task=\S+.*)", text).group(1)  # type: ignore[union-attr]
    overrides = main_job.split()
    cfg = compose_config(overrides)
    assert cfg.task.name
