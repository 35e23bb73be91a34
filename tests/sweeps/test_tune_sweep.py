"""Real sweeps on 2 CPUs through `python -m rllib_nethack.tune` (slow: Ray, NLE, torch).

A grid of two learning rates, interrupted and resumed, finishes and writes
summary.json with both trials and their checkpoints, and its best checkpoint
continues as a single run; PBT with two trials perturbs once, carrying the
checkpoint over.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from commands import IN_PROCESS, SMOKE, run_command
from omegaconf import OmegaConf

from rllib_nethack.metrics.episode_window import WINDOW_FILE


def cli(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = run_command(module, *args, cwd=cwd, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def only_sweep_dir(root: Path) -> Path:
    (found,) = list(root.glob("runs/*/sweeps/*"))
    return found


@pytest.mark.slow(seconds=170)
def test_an_interrupted_grid_sweep_resumes_and_its_best_checkpoint_continues_as_a_run(
    tmp_path: Path,
) -> None:
    """One grid sweep for three promises (a sweep costs a minute on 2 CPUs):
    Ctrl-C keeps what is done, ``resume=`` finishes it without a second sweep
    directory, and the summary's best checkpoint continues as a single run."""
    # One CPU per trial (sampling in the trial's process): both trials train side by side.
    args = [*SMOKE, *IN_PROCESS, "sweep=grid", "sweep.search.algo.lr.grid=[3e-4,1e-3]"]
    args.append("stop.iterations=3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rllib_nethack.tune", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 600
        while not list(tmp_path.glob("runs/*/sweeps/*/trial_*/checkpoint_*")):
            assert proc.poll() is None and time.monotonic() < deadline, "no trial checkpoint"
            time.sleep(2)
        proc.send_signal(signal.SIGINT)  # Ctrl-C: Tune saves the experiment state and stops
        interrupted, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "1 CPU per trial" in interrupted
    sweep = only_sweep_dir(tmp_path)
    before = json.loads((sweep / "summary.json").read_text())
    assert any(t["status"] != "TERMINATED" for t in before["trials"]) or len(before["trials"]) < 2

    done = cli("rllib_nethack.tune", *SMOKE, *IN_PROCESS, f"resume={sweep}", cwd=tmp_path)
    assert only_sweep_dir(tmp_path) == sweep  # no second sweep directory
    summary = json.loads((sweep / "summary.json").read_text())
    trials = summary["trials"]
    assert sorted(t["overrides"]["algo.lr"] for t in trials) == [3e-4, 1e-3]
    for t in trials:
        assert t["status"] == "TERMINATED" and t["iterations"] == 3 and t["env_steps"] > 0
        checkpoint = Path(t["checkpoint"])
        assert (checkpoint / "rllib_checkpoint.json").is_file()
        saved = OmegaConf.load(checkpoint / "run_config.yaml")
        assert saved.explore.name == "count"  # explore=auto as trained on MiniHack, not "auto"
        window = json.loads((checkpoint / WINDOW_FILE).read_text())  # the trial's last episodes
        assert window and all("episode_return" in record for record in window)
        assert list(Path(checkpoint.parent).glob("events.out.tfevents.*"))  # TensorBoard per trial
    assert (sweep / "summary.csv").read_text().count("\n") == 3
    assert (sweep / "learning_curves.png").stat().st_size > 0
    best = (
        next(t for t in trials if t["trial"] == summary["best"]) if summary["best"] else trials[0]
    )
    assert f"resume={best['checkpoint']}" in done.stdout or summary["best"] is None

    run = cli(
        "rllib_nethack.run",
        *SMOKE,
        *IN_PROCESS,
        f"resume={best['checkpoint']}",
        "stop.iterations=1",
        cwd=tmp_path,
    )
    # The trial's best checkpoint by the metric: any of its three iterations.
    resumed = re.search(r"^resumed .*\(iteration (\d)\)$", run.stdout, re.MULTILINE)
    assert resumed is not None and 1 <= int(resumed[1]) <= 3, run.stdout
    assert f"iter {int(resumed[1]) + 1:4d} " in run.stdout


@pytest.mark.slow(seconds=150)
def test_pbt_two_trials_perturb_once_and_finish(tmp_path: Path) -> None:
    # One CPU per trial, so both train side by side on 2 CPUs.
    cli(
        "rllib_nethack.tune",
        *SMOKE,
        "sweep=pbt",
        *IN_PROCESS,
        "sweep.num_samples=2",
        "sweep.scheduler.perturbation_interval=2",
        "sweep.scheduler.synch=true",
        "sweep.scheduler.quantile_fraction=0.5",
        "stop.iterations=4",
        cwd=tmp_path,
    )
    sweep = only_sweep_dir(tmp_path)
    summary = json.loads((sweep / "summary.json").read_text())
    assert len(summary["trials"]) == 2
    assert all(t["status"] == "TERMINATED" and t["checkpoint"] for t in summary["trials"])
    # Tune's PBT logs each exploit: (target, source, iterations, ..., old config, new config).
    policies = [line for p in sweep.glob("pbt_policy_*.txt") for line in p.read_text().splitlines()]
    assert policies, "PBT never perturbed a trial"
    exploited = json.loads(policies[0])
    assert exploited[-2]["algo"] != exploited[-1]["algo"]  # lr / entropy_coeff mutated
