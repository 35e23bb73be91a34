"""The README and docs/ say only what holds: every internal link resolves, and every
shell or Python block either runs here or says, right before it, why it cannot.

A block is marked with an HTML comment on the line before its fence:
``<!-- not run: needs a GPU -->`` (a reason is required) or ``<!-- test-command -->``
(the README's test command, which CI runs: ``tests/test_readme.py``). Every
unmarked block is run by :func:`test_unmarked_blocks_run`, so a block is run or
marked by construction; this file also refuses markers it does not know.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The pages this file checks: the README, every page of docs/, the results log.
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "benchmarks" / "RESULTS.md",
]

#: Fence languages that are shell; a shell block must say ``bash``.
SHELL = {"bash", "sh", "shell", "console", "zsh"}
RUNNABLE = {"bash", "python"}
NOT_RUN = re.compile(r"<!-- not run: \S.* -->")
TEST_COMMAND = "<!-- test-command -->"

FENCE = re.compile(r"^```(\S*)\s*$")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """A fenced code block: where it is, its language, its code and the marker before it."""

    page: Path
    line: int
    lang: str
    code: str
    marker: str | None

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``; ``marker`` is the HTML comment on the line
    before its opening fence, if there is one."""
    lines = page.read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = lines[i - 1].strip() if i else ""
        marker = before if before.startswith("<!--") else None
        found.append(Block(page, i + 1, opening.group(1), "\n".join(lines[i + 1 : end]), marker))
        i = end + 1
    return found


def without_code(text: str) -> str:
    """``text`` without its fenced blocks, where ``#`` lines are not headings."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation (backticks, colons, ``=``)
    dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of ``page``'s headings (a repeated heading gets ``-1``, ``-2``, ...)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_code(page.read_text()), flags=re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """``page``'s links to files that do not exist or to anchors no heading has
    (links inside code, fenced or inline, are not links)."""
    text = re.sub(r"`[^`\n]*`", "", without_code(page.read_text()))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        where = page.relative_to(root)
        if not dest.exists():
            broken.append(f"{where}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{where}: {target} (no such heading)")
    return broken


def test_every_internal_link_resolves() -> None:
    broken = [line for page in PAGES for line in broken_links(page)]
    assert not broken, "\n".join(broken)


def test_the_link_checker_finds_a_missing_file_and_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title: `code`\n\n## Again\n\n## Again\n\n"
        "[a](page.md#title-code) [b](gone.md) [c](#nothing) [d](#again-1) `[e](gone.md)`\n"
    )
    assert broken_links(page, tmp_path) == [
        "page.md: gone.md (no such file)",
        "page.md: #nothing (no such heading)",
    ]


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def test_every_block_is_run_or_says_why_not() -> None:
    wrong = []
    for block in all_blocks():
        if block.lang in SHELL - {"bash"}:
            wrong.append(f"{block.name}: shell blocks are ```bash, not ```{block.lang}")
        if block.marker is None:
            continue
        if block.lang not in RUNNABLE:
            wrong.append(
                f"{block.name}: a marker before a ```{block.lang} block, which is never run"
            )
        elif not (NOT_RUN.fullmatch(block.marker) or block.marker == TEST_COMMAND):
            wrong.append(
                f"{block.name}: {block.marker!r} is not '<!-- not run: why -->' or {TEST_COMMAND!r}"
            )
    assert not wrong, "\n".join(wrong)


def unmarked() -> list[Block]:
    return [block for block in all_blocks() if block.lang in RUNNABLE and block.marker is None]


def test_the_docs_run_some_blocks() -> None:
    # The cheap ones (a task listing, --help, a config print, a few env steps) are run.
    assert len(unmarked()) >= 5


@pytest.mark.slow(seconds=100)
def test_unmarked_blocks_run(tmp_path: Path) -> None:
    """Each unmarked block, in a fresh directory, with this interpreter as ``python``."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    failed = []
    for i, block in enumerate(unmarked()):
        where = tmp_path / str(i)
        where.mkdir()
        command = (
            ["bash", "-euo", "pipefail", "-c", block.code]
            if block.lang == "bash"
            else [sys.executable, "-c", block.code]
        )
        done = subprocess.run(
            command, cwd=where, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            failed.append(f"{block.name} exited {done.returncode}:\n{done.stderr[-2000:]}")
    assert not failed, "\n\n".join(failed)


def test_every_docs_page_is_in_the_index_and_has_one_title() -> None:
    index = (ROOT / "docs" / "index.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        titles = re.findall(r"^# .+$", without_code(page.read_text()), flags=re.M)
        assert len(titles) == 1, f"docs/{page.name}: {len(titles)} '# ' titles, not one"
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md does not list {page.name}"


def test_the_readme_stays_about_one_screen() -> None:
    # What it is, the two commands, the results, links: the rest belongs in docs/.
    assert len((ROOT / "README.md").read_text().splitlines()) <= 70
