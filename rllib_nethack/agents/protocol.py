"""What the benchmark can run: keystroke agents, tool-calling agents, and how a spec names one.

Two shapes of agent play the seeded games, and the benchmark accepts both:

* :class:`Agent` - called once per step with the
  :class:`~rllib_nethack.keystrokes.StepResult` of the last key, returns the
  next keystroke. A plain function ``fn(result) -> str`` is one (its ``start``
  does nothing); so are the baselines and the checkpoint adapter
  (:mod:`rllib_nethack.agents.checkpoint`), which turns a policy's action id
  into the key that sends it.
* :class:`ToolAgent` - an MCP-style tool-calling loop: it sees each tool's
  reply (:class:`ToolReply`: the text and structured content an MCP client
  gets from ``serve mcp``)
  and answers the next :class:`ToolCall` (``step``, ``commands``). It is how an
  LLM harness is measured without a network hop.

:func:`load_agent` turns the ``agent=`` argument into an agent: ``random``,
``explorer``, ``traveller``, ``checkpoint:PATH`` or ``MODULE:ATTRIBUTE`` (a class is
instantiated with no arguments; anything else is used as it is).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.keystrokes.session import StepResult

#: Agents built in, by name.
BUILTIN_AGENTS = ("random", "explorer", "traveller")
CHECKPOINT_PREFIX = "checkpoint:"


@runtime_checkable
class Agent(Protocol):
    """A keystroke agent: one key per step, chosen from the last step's result."""

    def start(self, seed: int) -> None:
        """A new game (seed ``seed``) begins: forget the last one, reseed any randomness."""

    def act(self, result: StepResult) -> str:
        """The next keystroke (``"k"``, ``"ctrl+d"``, ``"enter"``, ...)."""
        ...


@dataclass(frozen=True)
class ToolCall:
    """A tool call, as a model emits it: ``ToolCall("step", {"keystroke": "k"})``."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolReply:
    """The answer to a tool call, as an MCP client receives it.

    Attributes:
        call: The call answered (the benchmark's own ``reset`` for the first reply).
        is_error: Whether the call was refused (the game did not move).
        text: The text content: screen and status line, the command list as JSON,
            or the one-line error.
        data: The structured content (the step result dict, the command groups);
            ``None`` for an error.
    """

    call: ToolCall
    is_error: bool
    text: str
    data: Any = None


@runtime_checkable
class ToolAgent(Protocol):
    """An MCP-style tool-calling agent: reads each tool reply, answers the next call."""

    def start(self, seed: int) -> None:
        """A new game (seed ``seed``) begins."""

    def call(self, reply: ToolReply) -> ToolCall:
        """The next tool call, given the reply to the last one."""
        ...


class FunctionAgent:
    """A plain ``fn(result) -> keystroke`` as an :class:`Agent` (it keeps no state to reset)."""

    def __init__(self, fn: Callable[[StepResult], str]) -> None:
        self.fn = fn

    def start(self, seed: int) -> None:
        """Nothing to forget."""

    def act(self, result: StepResult) -> str:
        """``fn(result)``."""
        return self.fn(result)


def load_agent(spec: str) -> Agent | ToolAgent:
    """The agent named by ``spec`` (see the module docstring), ready to play.

    Raises:
        ConfigError: the spec names nothing importable, or an object that is no agent.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(
            "agent= must name an agent: random, explorer, traveller, checkpoint:PATH or "
            "MODULE:CALLABLE"
        )
    spec = spec.strip()
    if spec in BUILTIN_AGENTS:
        from rllib_nethack.agents.baselines import ExplorerAgent, RandomAgent
        from rllib_nethack.agents.traveller import TravellerAgent

        builtin: dict[str, type[Agent]] = {
            "random": RandomAgent,
            "explorer": ExplorerAgent,
            "traveller": TravellerAgent,
        }
        return builtin[spec]()
    if spec.startswith(CHECKPOINT_PREFIX):
        from rllib_nethack.agents.checkpoint import CheckpointAgent

        return CheckpointAgent(spec[len(CHECKPOINT_PREFIX) :])
    if ":" not in spec:
        raise ConfigError(
            f"agent={spec!r} is not a built-in agent{suggestion(spec, BUILTIN_AGENTS)} and not "
            "MODULE:CALLABLE (e.g. agent=my_pkg.agents:act, agent=checkpoint:runs/x)"
        )
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"agent={spec!r}: cannot import module {module_name!r} ({err})") from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            names = [n for n in dir(target) if not n.startswith("_")]
            raise ConfigError(
                f"agent={spec!r}: {module_name} has no {attribute!r}{suggestion(part, names)}"
            )
        target = getattr(target, part)
    return as_agent(target() if isinstance(target, type) else target, spec)


def check_agent(spec: str) -> None:
    """Load agent ``spec`` once and let it go, so a bad spec fails in one line, not per worker.

    Raises:
        ConfigError: the agent cannot be loaded.
    """
    agent = load_agent(spec)
    close = getattr(agent, "close", None)
    if callable(close):
        close()


def as_agent(obj: Any, name: str = "agent") -> Agent | ToolAgent:
    """``obj`` as an agent: a :class:`ToolAgent` or :class:`Agent` as it is, a callable wrapped.

    Raises:
        ConfigError: ``obj`` is none of these.
    """
    if isinstance(obj, ToolAgent | Agent):
        return obj
    if hasattr(obj, "call") and callable(obj.call):
        return _WithStart(obj)
    if hasattr(obj, "act") and callable(obj.act):
        return _WithStart(obj)
    if callable(obj):
        return FunctionAgent(obj)
    raise ConfigError(
        f"{name} is a {type(obj).__name__}, not an agent: give a function result -> keystroke, "
        "or an object with act(result) or call(reply)"
    )


class _WithStart:
    """An agent object that has no ``start``: the missing method does nothing."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        if hasattr(inner, "act"):
            self.act = inner.act
        if hasattr(inner, "call"):
            self.call = inner.call

    def start(self, seed: int) -> None:
        """Nothing to forget."""


def is_tool_agent(agent: Agent | ToolAgent) -> bool:
    """Whether ``agent`` plays through tool calls rather than keystrokes."""
    return callable(getattr(agent, "call", None))
