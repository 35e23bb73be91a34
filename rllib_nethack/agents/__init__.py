"""Agents on the seeded keystroke suite, and the benchmark that measures them side by side.

* :mod:`.protocol` - what an agent is (:class:`Agent`: result -> keystroke;
  :class:`ToolAgent`: an MCP-style tool-calling loop) and :func:`load_agent`;
* :mod:`.baselines` - ``random`` and ``explorer``;
* :mod:`.checkpoint` - an RLlib checkpoint as an agent;
* :mod:`.progression` - BALROG's progression measure;
* :mod:`.bench` - ``python -m rllib_nethack.agents.bench agent=... seeds=[0,99]``, from
  :mod:`.settings` (its settings), :mod:`.episodes` (one game), :mod:`.player` (a seed's row),
  :mod:`.workers` (processes) and :mod:`.summary` (``bench.json``, ``episodes.csv``);
* :mod:`.record` - the same agents' games written as NLE savedirs (``nle.dataset`` reads them);
* :mod:`.deadline` - the per-episode wall-clock limit (``episode_timeout_s``).
"""

from rllib_nethack.agents.progression import progression
from rllib_nethack.agents.protocol import (
    Agent,
    FunctionAgent,
    ToolAgent,
    ToolCall,
    ToolReply,
    as_agent,
    load_agent,
)

__all__ = [
    "Agent",
    "FunctionAgent",
    "ToolAgent",
    "ToolCall",
    "ToolReply",
    "as_agent",
    "load_agent",
    "progression",
]
