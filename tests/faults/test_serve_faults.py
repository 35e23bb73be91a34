"""``serve --stdio`` under hostile input and a reader that goes away (real processes)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading

import pytest
from commands import run_command

from rllib_nethack.keystrokes.jsonlines import MAX_REQUEST_CHARS

SERVE = [sys.executable, "-m", "rllib_nethack.serve", "--stdio"]


def serve(lines: list[str], timeout: float = 120) -> tuple[list[dict], str]:
    done = run_command("rllib_nethack.serve", "--stdio", stdin="".join(lines), timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def request(method: str, **params: object) -> str:
    return json.dumps({"method": method, "params": params}) + "\n"


def test_deep_nesting_and_long_lines_are_errors_and_the_server_goes_on() -> None:
    replies, _ = serve(
        [
            "[" * 2000 + "\n",  # a RecursionError in json.loads
            '{"method": "step", "params": {"key": "' + "k" * (2 * MAX_REQUEST_CHARS) + '"}}\n',
            "9" * 5000 + "\n",  # past Python's int digit limit
            request("reset", seed=3),
            request("step", key="x" * 1000),
            request("step", key="k"),
        ]
    )
    assert len(replies) == 6
    assert replies[0]["error"]["type"] == "parse_error"
    assert "nested too deeply" in replies[0]["error"]["message"]
    assert replies[1]["error"]["type"] == "invalid_request"
    assert f"{MAX_REQUEST_CHARS:,}" in replies[1]["error"]["message"]
    assert replies[2]["error"]["type"] == "parse_error"
    assert replies[3]["result"]["seed"] == 3
    assert replies[4]["error"]["type"] == "bad_key"
    assert len(replies[4]["error"]["message"]) < 400  # the key is not echoed back whole
    assert replies[5]["result"]["steps"] == 1


def test_a_reader_that_goes_away_ends_the_server_quietly() -> None:
    """`serve --stdio | head -c 100`: exit 0, no BrokenPipeError traceback."""
    lines = [request("reset", seed=1)] + [request("step", key="k")] * 2000
    proc = subprocess.Popen(
        SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError):  # the server stops reading: the point
            stdin.write("".join(lines).encode())
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert len(proc.stdout.read(100)) == 100
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    writer.join(timeout=10)
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr


@pytest.mark.slow
def test_many_pipelined_steps_are_all_answered() -> None:
    """10,000 steps sent without waiting for replies (a new game every 200 steps)
    are answered in order; the only errors are steps into a game already lost."""
    keys = ["k", "j", "h", "l", "y", "u", "b", "n", "s", "escape"]
    lines = []
    for i in range(10_000):
        if i % 200 == 0:
            lines.append(request("reset", seed=i // 200 % 1000))
        lines.append(request("step", key=keys[i % len(keys)]))
    numbered = [json.dumps({"id": i, **json.loads(line)}) + "\n" for i, line in enumerate(lines)]
    replies, _ = serve(numbered, timeout=600)
    assert [r["id"] for r in replies] == list(range(len(lines)))
    errors = [r["error"] for r in replies if "error" in r]
    assert all(e["type"] == "session" and "is over" in e["message"] for e in errors), errors[:3]
    played = [r for r in replies if "result" in r and r["result"].get("key") is not None]
    assert len(played) + len(errors) == 10_000 and len(played) > 9_000
