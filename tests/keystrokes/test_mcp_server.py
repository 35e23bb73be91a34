"""The MCP server: a real client of the official SDK talks to ``serve --mcp`` over stdio."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import pytest
from commands import run_program

from rllib_nethack.keystrokes import Session
from rllib_nethack.keystrokes.tools import KeystrokeTools, ToolCallError

mcp = pytest.importorskip("mcp", reason="the MCP server needs the [mcp] extra")

SEED = 7
KEYS = ("i", "escape", "l", "ctrl+d", "j", "s")


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


async def _conversation() -> dict[str, Any]:
    params = mcp.StdioServerParameters(
        command=sys.executable, args=["-m", "rllib_nethack.serve", "--mcp"]
    )
    seen: dict[str, Any] = {}
    async with mcp.Client(params, read_timeout_seconds=60) as client:
        listed = await client.list_tools()
        seen["tools"] = {tool.name: tool for tool in listed.tools}
        seen["first_step"] = await client.call_tool("step", {"keystroke": "s"})
        seen["reset"] = await client.call_tool("reset", {"seed": SEED})
        seen["steps"] = [await client.call_tool("step", {"keystroke": k}) for k in KEYS]
        seen["bad_key"] = await client.call_tool("step", {"keystroke": "tab"})
        seen["bad_seed"] = await client.call_tool("reset", {"seed": 1000})
        seen["after_bad"] = await client.call_tool("step", {"keystroke": "s"})
        seen["commands"] = await client.call_tool("commands", {})
    return seen


@pytest.fixture(scope="module")
def conversation() -> dict[str, Any]:
    return anyio.run(_conversation)


def test_lists_three_typed_tools(conversation: dict[str, Any]) -> None:
    tools = conversation["tools"]
    assert set(tools) == {"step", "commands", "reset"}
    step_schema = tools["step"].input_schema
    assert step_schema["required"] == ["keystroke"]
    assert step_schema["properties"]["keystroke"]["type"] == "string"
    seed = tools["reset"].input_schema["properties"]["seed"]
    assert (seed["type"], seed["minimum"], seed["maximum"]) == ("integer", 0, 999)
    assert tools["step"].output_schema is not None


def test_steps_match_a_session(conversation: dict[str, Any]) -> None:
    """Same seed and keys over MCP as through Session: the same screens and results."""
    first = conversation["first_step"]
    assert not first.is_error and first.structured_content["seed"] == 0  # no reset: game 0
    assert conversation["reset"].structured_content["steps"] == 0
    with Session(seed=SEED) as session:
        assert list(session.last.screen) == conversation["reset"].structured_content["screen"]
        for key, reply in zip(KEYS, conversation["steps"], strict=True):
            expected = session.step(key)
            assert not reply.is_error
            data = reply.structured_content
            assert data["screen"] == list(expected.screen)
            assert (data["key"], data["reward"], data["done"], data["message"]) == (
                expected.key,
                expected.reward,
                expected.done,
                expected.message,
            )
            assert data["stats"]["hp"] == expected.stats.hp
            assert _text(reply).startswith("\n".join(expected.screen))
        # The refused calls changed nothing: the next step continues the same game.
        after = session.step("s")
    data = conversation["after_bad"].structured_content
    assert data["screen"] == list(after.screen)
    assert data["steps"] == len(KEYS) + 1


def test_refused_calls_are_tool_errors(conversation: dict[str, Any]) -> None:
    bad_key = conversation["bad_key"]
    assert bad_key.is_error and "'tab'" in _text(bad_key) and "\n" not in _text(bad_key)
    bad_seed = conversation["bad_seed"]
    assert bad_seed.is_error and "999" in _text(bad_seed)


def test_commands_lists_every_key(conversation: dict[str, Any]) -> None:
    groups = conversation["commands"].structured_content
    assert sum(len(items) for items in groups.values()) == 121
    assert {"key": "ctrl+d", "name": "Command.KICK"}.items() <= next(
        c for c in groups["combat"] if c["name"] == "Command.KICK"
    ).items()


def test_tools_refuse_without_moving() -> None:
    """The in-process tools (what bench's tool-calling agents get) validate like Session."""
    tools = KeystrokeTools(seed=3, max_steps=5)
    try:
        start = tools.call("step", {"keystroke": "s"})
        for bad in (
            ("step", {"keystroke": "tab"}),
            ("step", {"key": "s"}),
            ("stp", {"keystroke": "s"}),
            ("reset", {"seed": -1}),
        ):
            with pytest.raises(ToolCallError):
                tools.call(*bad)
        assert tools.call("step", {"keystroke": "s"})["steps"] == start["steps"] + 1
    finally:
        tools.close()


def test_bad_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from rllib_nethack.serve import main

    with pytest.raises(SystemExit) as exited:
        main(["mcp", "http=70000"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "error: http must be an integer between 1 and 65535, got 70000"
    )


def test_missing_sdk_is_one_line() -> None:
    proc = run_program("serve_without_mcp", timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "rllib-nethack[mcp]" in lines[0]
