"""``python -m rllib_nethack.serve --stdio`` (JSON lines) or ``--mcp [--http PORT]``.

Serves seeded NetHack keystroke sessions to agent harnesses. The protocol and
the server are :mod:`rllib_nethack.keystrokes.jsonlines` (JSON lines) and
:mod:`rllib_nethack.keystrokes.mcp_server` (MCP tools).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m rllib_nethack.serve``."""
    parser = argparse.ArgumentParser(
        prog="python -m rllib_nethack.serve",
        description="Serve seeded NetHack keystroke sessions as JSON lines.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--stdio",
        action="store_true",
        help="read requests from stdin and write replies to stdout (one JSON object per line)",
    )
    mode.add_argument(
        "--mcp",
        action="store_true",
        help="serve the step/commands/reset tools over MCP instead (needs the [mcp] extra)",
    )
    parser.add_argument(
        "--http", type=int, metavar="PORT", help="with --mcp: streamable HTTP on 127.0.0.1:PORT"
    )
    args = parser.parse_args(argv)
    if args.http is not None and not args.mcp:
        parser.error("--http needs --mcp")
    if args.mcp:
        from rllib_nethack.keystrokes.mcp_server import run

        return run(http_port=args.http)
    from rllib_nethack.keystrokes.jsonlines import serve_stdio

    return serve_stdio()


if __name__ == "__main__":
    sys.exit(main())
