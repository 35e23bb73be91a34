"""The JSON-lines server: a scripted agent conversation over stdio, and the request logic."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from commands import run_command

from rllib_nethack.errors import ConfigError
from rllib_nethack.keystrokes import Session
from rllib_nethack.keystrokes.jsonlines import SessionServer, serve
from rllib_nethack.serve import ServeSettings, as_settings, check

SEED = 7


class Conversation:
    """Talks to ``python -m rllib_nethack.serve --stdio`` one line at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rllib_nethack.serve", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def send(self, line: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        assert reply, f"server died: {self.proc.stderr.read() if self.proc.stderr else ''}"
        return json.loads(reply)  # every stdout line must be JSON

    def request(self, method: str, **params: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"method": method}
        if params:
            message["params"] = params
        return self.send(json.dumps(message))

    def finish(self) -> tuple[int, str, str]:
        """Close the server's stdin and wait for it to exit."""
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err


@pytest.fixture
def conversation() -> Iterator[Conversation]:
    talk = Conversation()
    yield talk
    if talk.proc.poll() is None:
        talk.proc.kill()
        talk.proc.communicate()


def test_scripted_conversation(conversation: Conversation) -> None:
    talk = conversation
    with Session(seed=SEED) as reference:
        first = reference.last.to_dict()
        moved = reference.step("j").to_dict()

    reply = talk.send(json.dumps({"id": 1, "method": "reset", "params": {"seed": SEED}}))
    assert reply["id"] == 1
    assert reply["result"] == first  # the same game as the Python API

    listed = talk.request("commands")["result"]
    assert list(listed) == ["movement", "combat", "items", "magic", "navigation", "misc", "meta"]
    assert sum(len(v) for v in listed.values()) == 121

    reply = talk.send(json.dumps({"id": "move-1", "method": "step", "params": {"key": "j"}}))
    assert reply["id"] == "move-1"
    assert reply["result"] == moved
    state = reply["result"]

    # Mistakes: each gets one error line, and the game does not move.
    mistakes = [
        ("{not json", "parse_error"),
        ("[1, 2]", "invalid_request"),
        ('{"method": "stpe", "params": {"key": "k"}}', "unknown_method"),
        ('{"method": "step", "params": {"key": "ctlr+d"}}', "bad_key"),
        ('{"method": "step", "params": {"key": "tab"}}', "bad_key"),
        ('{"method": "step"}', "invalid_params"),
        ('{"method": "step", "params": {"key": "k", "extra": 1}}', "invalid_params"),
        ('{"method": "step", "params": ["k"]}', "invalid_params"),
        ('{"method": "reset", "params": {"seed": 1000}}', "invalid_params"),
    ]
    for line, kind in mistakes:
        reply = talk.send(line)
        assert set(reply) == {"error"}, line
        assert reply["error"]["type"] == kind, reply
        assert reply["error"]["message"]
        observed = talk.request("observe")["result"]
        assert observed["screen"] == state["screen"], line
        assert observed["stats"]["turn"] == state["stats"]["turn"], line

    unknown = talk.send('{"id": 9, "method": "stpe"}')
    assert unknown["id"] == 9 and "'step'" in unknown["error"]["message"]
    bad_key = talk.request("step", key="ctlr+d")["error"]
    assert "ctrl+d" in bad_key["suggestions"]

    # A blank line gets no reply: the next reply answers the next request.
    assert talk.send('\n{"id": 2, "method": "observe"}')["id"] == 2

    assert talk.request("close") == {"result": {"closed": True}}
    assert talk.request("step", key="s")["error"]["type"] == "no_session"

    code, rest, _ = talk.finish()  # closes stdin: EOF ends the server cleanly
    assert code == 0 and rest == ""


def test_serve_needs_a_transport() -> None:
    proc = run_command("rllib_nethack.serve", timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: missing setting transport=...: stdio")


def test_the_earlier_flags_read_as_settings() -> None:
    assert as_settings(["--stdio"]) == ["transport=stdio"]
    assert as_settings(["--mcp", "--http", "8765"]) == ["transport=mcp", "http=8765"]
    assert as_settings(["mcp", "http=8765"]) == ["mcp", "http=8765"]


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        (ServeSettings("tcp"), "transport must be one of stdio, mcp, got 'tcp'"),
        (ServeSettings("stdio", http=8765), "http=PORT serves MCP over HTTP: it needs transport"),
    ],
)
def test_a_bad_transport_is_one_line(settings: ServeSettings, error: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(error)):
        check(settings)


def _call(server: SessionServer, method: str, **params: Any) -> dict[str, Any]:
    return server.handle({"method": method, "params": params})


def test_step_before_reset_is_an_error() -> None:
    server = SessionServer()
    assert _call(server, "step", key="k")["error"]["type"] == "no_session"
    assert _call(server, "observe")["error"]["type"] == "no_session"
    assert _call(server, "reset")["error"]["type"] == "invalid_params"  # no seed, no game
    assert _call(server, "commands")["result"]  # needs no game


def test_reset_replays_and_changes_games() -> None:
    server = SessionServer()
    try:
        first = _call(server, "reset", seed=SEED)["result"]
        _call(server, "step", key="s")
        assert _call(server, "reset")["result"] == first  # no seed: replay this one
        other = _call(server, "reset", seed=SEED + 1)["result"]
        assert other["seed"] == SEED + 1 and other["screen"] != first["screen"]
        short = _call(server, "reset", seed=SEED, max_steps=2)["result"]
        assert short["screen"] == first["screen"]
        _call(server, "step", key="s")
        done = _call(server, "step", key="s")["result"]
        assert done["done"] and done["reason"] == "truncated"
        after = _call(server, "step", key="s")["error"]
        assert after["type"] == "session" and "reset" in after["message"]
        assert _call(server, "reset", max_steps=0)["error"]["type"] == "invalid_params"
        assert _call(server, "observe")["result"] == done  # the bad reset changed nothing
    finally:
        server.close({})


def test_serve_loop_writes_one_line_per_request() -> None:
    requests = io.StringIO(
        '{"id": 1, "method": "reset", "params": {"seed": 0}}\n'
        "\n"
        "garbage\n"
        '{"id": 3, "method": "step", "params": {"key": "escape"}}\n'
    )
    replies = io.StringIO()
    assert serve(requests, replies) == 0
    lines = [json.loads(line) for line in replies.getvalue().splitlines()]
    assert [r.get("id") for r in lines] == [1, None, 3]
    assert "result" in lines[0] and "error" in lines[1] and "result" in lines[2]
