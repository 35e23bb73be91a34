"""The package works as users install it: from a wheel, from any directory."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest
import tomllib
from commands import run_cli, run_command, run_program

ROOT = Path(__file__).resolve().parent.parent


def source_packages() -> set[str]:
    found = {"rllib_nethack.conf"}
    for init in (ROOT / "rllib_nethack").rglob("__init__.py"):
        found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_pyproject_lists_every_package() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    assert listed == source_packages()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = run_command(
        "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("rllib_nethack-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_ships_configs_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "rllib_nethack/py.typed" in names
    for yaml in (ROOT / "conf").rglob("*.yaml"):
        assert f"rllib_nethack/conf/{yaml.relative_to(ROOT / 'conf')}" in names
    for package in source_packages():
        assert f"{package.replace('.', '/')}/" in {n.rsplit("/", 1)[0] + "/" for n in names}


@pytest.mark.slow
def test_installed_wheel_runs_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    installed = run_command("pip", "install", "--no-deps", "-q", f"--target={target}", str(wheel))
    assert installed.returncode == 0, installed.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target)}
    where = run_program("package_location", cwd=elsewhere, env=env)
    assert where.returncode == 0, where.stderr[-3000:]
    assert where.stdout.strip().startswith(str(target))
    composed = run_cli("+task=room5x5", "algo=ppo", "--cfg", "job", cwd=elsewhere, env=env)
    assert composed.returncode == 0, composed.stderr
    assert "name: MiniHack-Room-5x5-v0" in composed.stdout
    assert "name: ppo" in composed.stdout
    # The console script pip installed (bin/ beside the package with --target).
    listed = subprocess.run(
        [str(target / "bin" / "rllib-nethack"), "tasks", "family=nethack"],
        cwd=elsewhere,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    assert "challenge" in listed.stdout and "MiniHack" not in listed.stdout
