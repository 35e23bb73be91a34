"""``python -m rllib_nethack.serve stdio`` (JSON lines) or ``mcp [http=PORT]``.

Serves seeded NetHack keystroke sessions to agent harnesses. The protocol and
the server are :mod:`rllib_nethack.keystrokes.jsonlines` (JSON lines) and
:mod:`rllib_nethack.keystrokes.mcp_server` (MCP tools). The command line is
the ``key=value`` style of every other command (:mod:`rllib_nethack.cli.settings`);
``--stdio``, ``--mcp`` and ``--http PORT``, its earlier spelling that agent
harness configurations hold, still read as ``transport=stdio``,
``transport=mcp`` and ``http=PORT``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from rllib_nethack.cli.settings import run_command
from rllib_nethack.errors import ConfigError

USAGE = "python -m rllib_nethack.serve stdio|mcp [http=PORT]"

Transport = Literal["stdio", "mcp"]
#: The earlier flags, as the settings they stand for.
FLAGS = {"--stdio": "transport=stdio", "--mcp": "transport=mcp", "--http": "http"}


@dataclass(frozen=True)
class ServeSettings:
    """The ``key=value`` settings of ``python -m rllib_nethack.serve``.

    Attributes:
        transport: stdio (one JSON request per line on stdin, replies on stdout;
            also --stdio) or mcp (the step/commands/reset tools over MCP, needs
            the [mcp] extra; also --mcp).
        http: With transport=mcp: streamable HTTP on 127.0.0.1:PORT instead of stdio.
    """

    transport: str
    http: int | None = None


def check(settings: ServeSettings) -> ServeSettings:
    """A known transport, and ``http`` only where it means something."""
    if settings.transport not in get_args(Transport):
        raise ConfigError(
            f"transport must be one of {', '.join(get_args(Transport))}, got {settings.transport!r}"
        )
    if settings.http is not None and settings.transport != "mcp":
        raise ConfigError("http=PORT serves MCP over HTTP: it needs transport=mcp")
    return settings


def serve(settings: ServeSettings) -> int:
    """Run the chosen server until its input ends; its exit status."""
    if settings.transport == "mcp":
        from rllib_nethack.keystrokes.mcp_server import run

        return run(http_port=settings.http)
    from rllib_nethack.keystrokes.jsonlines import serve_stdio

    return serve_stdio()


def as_settings(argv: Sequence[str]) -> list[str]:
    """``argv`` with the earlier flags as settings (``--http 8765`` -> ``http=8765``)."""
    args: list[str] = []
    for arg in argv:
        if args and args[-1] == FLAGS["--http"]:
            args[-1] = f"http={arg}"
        else:
            args.append(FLAGS.get(arg, arg))
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m rllib_nethack.serve``."""
    args = sys.argv[1:] if argv is None else argv
    run_command(ServeSettings, serve, USAGE, as_settings(args), "transport", check)


if __name__ == "__main__":
    main()
