"""A tool-calling agent loop, benchmarked the way an LLM harness would be.

How to run (from the repository root)::

    python -m rllib_nethack.agents.bench agent=examples.tool_calling_agent:SearchThenWalk \
        seeds=[0,4] max_steps=300 workers=1 out=runs/bench/tool_example
    python examples/tool_calling_agent.py          # one game, the replies printed

An LLM harness has the same shape: ``call(reply)`` appends ``reply.text``
(exactly what the ``step`` tool of ``python -m rllib_nethack.serve --mcp``
returns as text) to the conversation, asks the model for its next tool call
and returns it as a :class:`ToolCall`. Here a fixed rule stands in for the
model: list the commands once, then search three times and step in a circle.

Results to expect: ``bench`` writes runs/bench/tool_example/bench.json and
episodes.csv with 5 rows, ``refused`` 1 per game (the deliberate bad key);
the script prints the first reply's screen, then the refused call's one-line
error and the status line of the last step.
"""

from __future__ import annotations

from rllib_nethack.agents import ToolCall, ToolReply

MOVES = ("s", "s", "s", "l", "j", "h", "k")


class SearchThenWalk:
    """Lists the commands, sends one bad key to see the error, then cycles through MOVES."""

    def start(self, seed: int) -> None:
        self.turn = 0

    def call(self, reply: ToolReply) -> ToolCall:
        self.turn += 1
        if self.turn == 1:
            return ToolCall("commands")
        if self.turn == 2:
            return ToolCall("step", {"keystroke": "tab"})  # refused: NLE has no tab key
        return ToolCall("step", {"keystroke": MOVES[self.turn % len(MOVES)]})


if __name__ == "__main__":
    from rllib_nethack.agents.episodes import play_tools
    from rllib_nethack.keystrokes.tools import KeystrokeTools

    class Verbose(SearchThenWalk):
        def call(self, reply: ToolReply) -> ToolCall:
            if reply.call.name == "reset" or reply.is_error:
                print(reply.text)
            self.last = reply
            return super().call(reply)

    agent, tools = Verbose(), KeystrokeTools()
    try:
        record = play_tools(agent, tools, seed=0, max_steps=30)
    finally:
        tools.close()
    print(agent.last.text.splitlines()[-1])
    print(record)
