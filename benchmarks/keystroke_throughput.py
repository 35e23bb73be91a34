"""Keystrokes per second: through ``Session``, the in-process tools, and the MCP server.

How to run:
    pip install 'rllib-nethack[mcp]'
    python benchmarks/keystroke_throughput.py                # 1,000 keystrokes each
    python benchmarks/keystroke_throughput.py --steps 5000 --seed 3

The same keys (a fixed cycle of moves and searches) on the same seeded game,
three ways: ``Session.step`` in this process; ``KeystrokeTools.call("step")``
(what a tool-calling agent gets from the benchmark: the same plus the result
as a JSON-ready dict); and the ``step`` tool of ``python -m
rllib_nethack.serve --mcp`` called by the official SDK's client over stdio (a
real JSON-RPC round trip per key, the server in its own process). The MCP
server's start-up is not timed.

Results to expect (shared 2-core machine under load, so noisy): Session
5,000-15,000 keys/s, the tools 2,500-4,000 (building the result dict), MCP
over stdio 60-130 keys/s: 8-16 ms a call, about half of it the SDK checking
each result against the ``step`` tool's output schema on both ends; an LLM
agent's own latency (around a second a call) dwarfs all three. Prints a
table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

import anyio

from rllib_nethack.keystrokes import Session
from rllib_nethack.keystrokes.tools import KeystrokeTools

KEYS = ("l", "s", "j", "s", "h", "s", "k", "s")


def _keys(steps: int) -> list[str]:
    return [KEYS[i % len(KEYS)] for i in range(steps)]


def _timed(play: Callable[[], None], steps: int) -> float:
    start = time.perf_counter()
    play()
    return steps / (time.perf_counter() - start)


def session_rate(seed: int, steps: int) -> float:
    with Session(seed=seed) as session:

        def play() -> None:
            for key in _keys(steps):
                if session.step(key).done:
                    session.reset()

        return _timed(play, steps)


def tools_rate(seed: int, steps: int) -> float:
    tools = KeystrokeTools(seed=seed)
    tools.reset(seed)
    try:

        def play() -> None:
            for key in _keys(steps):
                if tools.call("step", {"keystroke": key})["done"]:
                    tools.reset(seed)

        return _timed(play, steps)
    finally:
        tools.close()


def mcp_rate(seed: int, steps: int) -> float:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "rllib_nethack.serve", "--mcp"]
    )

    async def run() -> float:
        async with Client(params, read_timeout_seconds=60) as client:
            await client.call_tool("reset", {"seed": seed})  # start-up, not timed
            start = time.perf_counter()
            for key in _keys(steps):
                reply = await client.call_tool("step", {"keystroke": key})
                if reply.is_error:
                    raise RuntimeError(reply.content)
                if (reply.structured_content or {}).get("done"):
                    await client.call_tool("reset", {"seed": seed})
            return steps / (time.perf_counter() - start)

    return anyio.run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rates = {
        "session": session_rate(args.seed, args.steps),
        "tools": tools_rate(args.seed, args.steps),
        "mcp_stdio": mcp_rate(args.seed, args.steps),
    }
    print(
        f"{'path':<12} {'keys/s':>10} {'vs Session':>11}"
        f"  ({args.steps} keystrokes, seed {args.seed})"
    )
    for name, rate in rates.items():
        print(f"{name:<12} {rate:>10.0f} {rate / rates['session']:>10.2f}x")
    print(
        json.dumps(
            {"steps": args.steps, "seed": args.seed, **{k: round(v, 1) for k, v in rates.items()}}
        )
    )


if __name__ == "__main__":
    main()
