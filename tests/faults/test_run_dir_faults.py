"""Where a run writes: an unusable ``experiment.root_dir`` is one line, and a
rejected command leaves no (empty) run directory behind."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import open_dict

from rllib_nethack import ConfigError
from rllib_nethack.config import compose_config
from rllib_nethack.training.trainer import train


def test_a_root_dir_under_a_file_is_one_line_before_ray_starts(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    cfg = compose_config(["+task=room5x5", "debug=smoke", f"experiment.root_dir={tmp_path}/file"])
    with open_dict(cfg):
        cfg.experiment.run_dir = f"{tmp_path}/file/runs/x"
    out = io.StringIO()
    with pytest.raises(ConfigError, match=r"experiment\.root_dir: cannot write") as error:
        train(cfg, out=out)
    assert "Not a directory" in str(error.value) and "\n" not in str(error.value)
    assert out.getvalue() == ""  # nothing started


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad",
    [
        "algo.lr=abc",
        "task.options.character=wizard",
        "resume=no/such/run",
        "experiment.root_dir=file/runs",
    ],
)
def test_a_rejected_command_leaves_no_run_directory(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    error_line: Callable[[str], str],
    tmp_path: Path,
    bad: str,
) -> None:
    (tmp_path / "file").write_text("")
    done = cli("+task=room5x5", "debug=smoke", bad, cwd=tmp_path)
    assert done.returncode == 2
    error_line(done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
