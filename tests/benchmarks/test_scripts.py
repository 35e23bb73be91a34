"""Every ``benchmarks/*.py`` script starts: ``--help`` prints its usage (which imports the
helper modules the scripts share), each run as ``__main__`` with its own imports; none
does any work, so a script that broke on a moved import shows here, not in a benchmark
run hours later."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from commands import ROOT, run_program

BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))
#: What some scripts' help must name besides its usage line.
HELP_NAMES = {
    "minihack_suite.py": (
        *("--tasks", "--settings", "--seeds", "--budget", "--out"),
        *("appo+rnd", "MiniHack-Corridor-R2-v0"),
    ),
    "soak.py": ("--task", "--minutes", "--every", "--warmup"),
}


def is_script(path: Path) -> bool:
    """A script has an entry point; the rest are helpers the scripts import."""
    return 'if __name__ == "__main__":' in path.read_text()


SCRIPTS_WITH_MAIN = [p for p in SCRIPTS if is_script(p)]


def test_the_folder_has_scripts_and_helpers() -> None:
    # The glob found the folder: an empty parametrisation would pass unseen.
    assert sum(map(is_script, SCRIPTS)) >= 10 and not all(map(is_script, SCRIPTS))


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Every script's ``--help``, all in one fresh interpreter (each script's imports
    run at its top; torch and Ray load once: one interpreter each cost the quick lane
    a minute), from an empty folder."""
    cwd = tmp_path_factory.mktemp("helps")
    done = run_program("benchmark_helps", *map(str, SCRIPTS_WITH_MAIN), cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return cwd, json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("script", SCRIPTS_WITH_MAIN, ids=lambda p: p.stem)
def test_script_help_prints_its_usage(
    script: Path, helps: tuple[Path, dict[str, dict[str, Any]]]
) -> None:
    cwd, results = helps
    done = results[script.name]
    assert done["code"] == 0, done["stderr"][-3000:]
    assert done["stdout"].startswith(f"usage: {script.name}"), done["stdout"][:500]
    for name in HELP_NAMES.get(script.name, ()):
        assert name in done["stdout"], f"{script.name} --help does not name {name}"
    assert list(cwd.iterdir()) == []  # --help wrote nothing


def test_every_helper_is_imported_by_a_script_at_its_top() -> None:
    # So the scripts' --help above imports each helper too (no interpreter of its own).
    tops = [p.read_text() for p in SCRIPTS if is_script(p)]
    for helper in (p for p in SCRIPTS if not is_script(p)):
        assert any(f"\nfrom {helper.stem} import " in top for top in tops), helper.name
