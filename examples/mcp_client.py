"""Play a seeded game through the MCP server, with the official SDK's client.

How to run::

    pip install 'rllib-nethack[mcp]'
    python examples/mcp_client.py 7

The script starts ``python -m rllib_nethack.serve --mcp`` as a subprocess
(stdio), lists its tools, starts game 7, sends a few keys (one of them
refused) and prints what an LLM would read.

Results to expect: the three tool names (step, commands, reset); the first
screen of seed 7 (the same on every run); the refused key's one-line error;
the status line after the last key, e.g. ``reward=0 done=false reason=-
steps=4 | hp=.. depth=1 ...``.
"""

from __future__ import annotations

import sys

import anyio
from mcp import Client, StdioServerParameters


async def main(seed: int) -> None:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "rllib_nethack.serve", "--mcp"]
    )
    async with Client(server) as client:
        tools = await client.list_tools()
        print("tools:", ", ".join(tool.name for tool in tools.tools))
        first = await client.call_tool("reset", {"seed": seed})
        print(first.content[0].text)
        for key in ("i", "escape", "tab", "s", "l"):
            reply = await client.call_tool("step", {"keystroke": key})
            if reply.is_error:
                print("refused:", reply.content[0].text)
        print(reply.content[0].text.splitlines()[-1])


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 7)
