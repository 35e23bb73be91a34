"""``serve --mcp`` with the MCP SDK missing: one error line, exit 2 (``main`` exits)
(tests/keystrokes/test_mcp_server.py)."""

import sys

sys.modules["mcp"] = None  # type: ignore[assignment]  # as if it were not installed

from rllib_nethack.serve import main  # noqa: E402  # after the SDK is hidden

main(["--mcp"])
