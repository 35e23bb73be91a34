"""Checking a config (the command line's every mistake) imports neither Ray nor torch."""

from __future__ import annotations

import json

from commands import run_program


def test_config_check_leaves_ray_and_torch_unimported() -> None:
    out = run_program("check_imports_no_ray_torch")
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert len(report["errors"]) == 5  # each bad config gave its ConfigError
    assert all("\n" not in line for line in report["errors"])
    assert report["errors"][0].startswith("unknown task 'chalenge'; did you mean 'challenge'?")
    # The model's observations are derived without building it.
    assert "tty_chars" in report["reads"]
    assert report["cli_lines"] > 0
