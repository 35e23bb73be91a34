"""The keystroke tools as a Model Context Protocol server (the official ``mcp`` SDK).

How to run::

    pip install 'rllib-nethack[mcp]'
    python -m rllib_nethack.serve mcp                # stdio, for a client that starts it
    python -m rllib_nethack.serve mcp http=8765      # streamable HTTP on 127.0.0.1:8765/mcp

Tools (see :mod:`rllib_nethack.keystrokes.tools`): ``step(keystroke)``,
``commands()`` and ``reset(seed, max_steps?)``, with typed input schemas and,
for ``step``/``reset``, an output schema derived from
:class:`~rllib_nethack.keystrokes.StepResult`. Each result is the step result
as structured content plus the screen and a status line as text. A refused
call (a bad keystroke, a seed out of range, a step after the game ended) is a
tool error (``isError``) with one line naming the problem; the game does not
move. A ``step`` before any ``reset`` plays seed 0.

The server plays one game: every client of one server (over HTTP there may
be several) shares it, so run one server per agent. The HTTP transport binds
127.0.0.1 only: the game is a local tool, not a network service.
"""

# No `from __future__ import annotations`: the SDK reads the tool signatures at
# registration, and their types are imported inside build_server.
import logging
import sys
from typing import Annotated, Any

from pydantic import Field

from rllib_nethack.errors import ConfigError, check_int
from rllib_nethack.keystrokes.session import StepResult
from rllib_nethack.keystrokes.tools import (
    COMMANDS_DESCRIPTION,
    RESET_DESCRIPTION,
    STEP_DESCRIPTION,
    KeystrokeTools,
    ToolCallError,
    step_text,
)

#: The optional dependency group that installs the SDK.
MCP_EXTRA = "mcp"
#: Where the HTTP transport listens (never another interface).
HTTP_HOST = "127.0.0.1"
SERVER_NAME = "nethack"
INSTRUCTIONS = (
    "Play NetHack one keystroke at a time. Call commands() once to learn the keys, then "
    "step(keystroke) repeatedly; reset(seed) starts one of the 1,000 seeded games (0-999). "
    "The reward is the change in in-game score."
)


def _require_sdk() -> None:
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the MCP server needs the official MCP SDK: pip install 'rllib-nethack[mcp]' "
            f"(the [{MCP_EXTRA}] extra, mcp>=2.3)"
        ) from None


def build_server(tools: KeystrokeTools | None = None) -> Any:
    """An ``MCPServer`` whose ``step``, ``commands`` and ``reset`` tools play ``tools``' game.

    Raises:
        ConfigError: the ``mcp`` package is not installed.
    """
    _require_sdk()
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import CallToolResult, TextContent, ToolAnnotations

    game = tools if tools is not None else KeystrokeTools()
    server: Any = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, log_level="WARNING")

    def result(data: dict[str, Any]) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=step_text(data))], structured_content=data
        )

    @server.tool(
        description=STEP_DESCRIPTION,
        annotations=ToolAnnotations(title="Send a keystroke", destructive_hint=False),
    )
    def step(
        keystroke: Annotated[
            str, Field(description="one key: 'k', ',', '>', 'ctrl+d', 'meta+p', 'enter', 'escape'")
        ],
    ) -> Annotated[CallToolResult, StepResult]:
        try:
            return result(game.step(keystroke))
        except ToolCallError as err:
            raise ToolError(str(err)) from None

    @server.tool(
        description=COMMANDS_DESCRIPTION,
        annotations=ToolAnnotations(title="List the keys", read_only_hint=True),
    )
    def commands() -> dict[str, list[dict[str, Any]]]:
        return game.commands()

    @server.tool(
        description=RESET_DESCRIPTION,
        annotations=ToolAnnotations(title="Start a seeded game", destructive_hint=True),
    )
    def reset(
        seed: Annotated[int, Field(ge=0, le=999, description="which seeded game (0-999)")],
        max_steps: Annotated[
            int | None,
            Field(ge=1, le=1_000_000, description="keystroke budget (default: unchanged)"),
        ] = None,
    ) -> Annotated[CallToolResult, StepResult]:
        try:
            return result(game.reset(seed, max_steps))
        except ToolCallError as err:
            raise ToolError(str(err)) from None

    return server


def run(http_port: int | None = None) -> int:
    """Serve the tools over stdio, or over streamable HTTP on 127.0.0.1:``http_port``.

    Returns:
        The exit status: 0, or 130 after Ctrl-C.

    Raises:
        ConfigError: a port out of range, or the SDK missing (the command's one line).
    """
    if http_port is not None:
        check_int("http", http_port, 1, 65535)
    server = build_server()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        if http_port is None:
            server.run("stdio")
        else:
            server.run("streamable-http", host=HTTP_HOST, port=http_port)
    except KeyboardInterrupt:
        return 130
    return 0
