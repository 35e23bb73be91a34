"""The console: a pipe whose reader has gone (`run ... | head`), and a run's own lines only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from commands import run_cli

from rllib_nethack.console import PipeSafeStream


def test_a_closed_pipe_drops_output_instead_of_raising() -> None:
    read_end, write_end = os.pipe()
    raw = os.fdopen(write_end, "w")
    stream = PipeSafeStream(raw)  # type: ignore[arg-type]
    try:
        print("read", file=stream, flush=True)
        assert os.read(read_end, 100) == b"read\n"
        os.close(read_end)  # the reader leaves
        print("into the void", file=stream, flush=True)
        assert stream.broken
        print("and more", file=stream, flush=True)
        # The descriptor now discards too: writes straight to it (Ray, C code) succeed.
        assert os.write(raw.fileno(), b"direct") == len(b"direct")
        assert stream.fileno() == write_end  # everything else is the wrapped stream's
    finally:
        raw.close()


#: A line of Ray's or RLlib's Python loggers, or of a worker's output streamed to the driver.
RAY_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+(INFO|WARNING)|\bpid=\d+")


@pytest.mark.slow
def test_the_main_job_prints_its_own_lines_and_files_rays(tmp_path: Path) -> None:
    done = run_cli(
        "+task=room5x5",
        "debug=smoke",
        "cluster.num_cpus=2",
        "stop.iterations=1",
        "experiment.root_dir=runs",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stdout = done.stdout.splitlines()
    first_row = next(i for i, line in enumerate(stdout) if line.startswith("iter "))
    before = stdout[:first_row] + done.stderr.splitlines()
    noise = [line for line in before if "Warning" in line or "Deprecat" in line]
    noise += [line for line in before if RAY_LINE.search(line) or "[HYDRA]" in line]
    assert noise == [], before
    # Ray's core worker writes straight to stderr: env runners take the config
    # by value (runs/env_runners.py), so it has no restart to warn about.
    core = [line for line in stdout + done.stderr.splitlines() if "core_worker" in line]
    assert core == []
    (run_dir,) = (tmp_path / "runs" / "MiniHack-Room-5x5-v0-minihack-appo").iterdir()
    log = run_dir / "ray.log"
    assert f"ray log  {log}" in done.stdout
    text = log.read_text()
    assert "new API stack" in text  # RLlib's own note, logged in the driver
    assert "(LeanEnvRunner pid=" in text  # a worker's output
    # Ours: RLlib's deprecated alias for APPO's module is no longer imported anywhere.
    assert "APPOTorchRLModule" not in text
