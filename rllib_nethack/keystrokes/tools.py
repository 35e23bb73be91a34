"""The keystroke tools an agent calls: ``step(keystroke)``, ``commands()``, ``reset(seed)``.

One implementation for every way an agent reaches them: the MCP server
(:mod:`rllib_nethack.keystrokes.mcp_server`) registers these methods as MCP
tools, and the agent benchmark (:mod:`rllib_nethack.agents.bench`) hands the
same object to tool-calling agents in-process, so a tool-calling loop sees
the results it would see over MCP (an error's line there comes after the
SDK's "Error executing tool step: "). Nothing here imports the ``mcp``
package.

Validation is :class:`~rllib_nethack.keystrokes.Session`'s own: a keystroke
that is not one of NLE's keys, a seed outside 0-999 or a step after the game
ended raises :class:`ToolCallError` with one line for the agent to read, and
the game is left exactly as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from rllib_nethack.envs.options import MAX_EPISODE_STEPS
from rllib_nethack.errors import RllibNethackError, suggestion
from rllib_nethack.keystrokes.commands import commands_as_json
from rllib_nethack.keystrokes.session import (
    Session,
    StepResult,
    check_max_steps,
    check_seed,
)

#: The tools, in the order a client lists them.
TOOL_NAMES = ("step", "commands", "reset")
#: The game a ``step`` plays when no ``reset`` chose one.
DEFAULT_SEED = 0

STEP_DESCRIPTION = (
    "Send one keystroke to the NetHack game and get the new screen. `keystroke` is a single "
    "character ('k' moves north, ',' picks up, '>' goes down stairs), a control or meta key "
    "('ctrl+d' kicks, 'meta+p' prays), 'enter', 'escape', 'space', or an action name "
    "('kick'). Returns the 24-line screen, the top-line message, named stats (hp, depth, "
    "xl, score, turn, ...), the reward (change in score), done and how the game ended "
    "(reason). A keystroke NLE cannot send is an error and costs nothing."
)
COMMANDS_DESCRIPTION = (
    "List every keystroke the game accepts (NLE's 121 actions), grouped by category "
    "(movement, combat, items, magic, navigation, misc, meta), each with what it does."
)
RESET_DESCRIPTION = (
    "Start game `seed` (0-999) of the seeded suite from its first screen; each seed is one "
    "fixed dungeon, character and inventory. `max_steps` (optional) sets the keystroke "
    "budget before the game is cut off (default: keep the current one, at first 1,000,000)."
)


class ToolCallError(RllibNethackError):
    """A tool call the game refused; the message is one line for the agent to read."""


class KeystrokeTools:
    """The three tools on one seeded game, safe to call from several threads.

    Args:
        seed: The game a first ``step`` plays if ``reset`` was never called.
        max_steps: The keystroke budget of each game (at most 1,000,000).
        savedir: Record the games as NLE does (see :class:`Session`).
        suite: Keep seeds to the suite (0-999), as the MCP tools promise; False
            admits any seed of the seeded task (``agents.bench`` past the suite).

    The game starts on the first call that needs it, so listing tools or
    commands costs no NetHack start-up.
    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        max_steps: int = MAX_EPISODE_STEPS,
        savedir: str | None = None,
        *,
        suite: bool = True,
    ) -> None:
        self._suite = suite
        self._seed = _checked(check_seed, seed, suite=suite)
        self._max_steps = _checked(check_max_steps, max_steps)
        self._savedir = savedir
        self._session: Session | None = None
        # MCP runs synchronous tools on worker threads; one game admits one move at a time.
        self._lock = threading.Lock()

    @property
    def session(self) -> Session | None:
        """The game in play (``None`` before the first step or reset)."""
        return self._session

    def step(self, keystroke: str) -> dict[str, Any]:
        """Send ``keystroke``; the step result as a JSON-ready dict."""
        with self._lock:
            session = self._game()
            return _checked(session.step, keystroke).to_dict()

    def commands(self) -> dict[str, list[dict[str, Any]]]:
        """Every accepted keystroke by category."""
        return commands_as_json()

    def reset(self, seed: int, max_steps: int | None = None) -> dict[str, Any]:
        """Start game ``seed``; every argument is checked before the running game ends."""
        seed = _checked(check_seed, seed, suite=self._suite)
        budget = self._max_steps if max_steps is None else _checked(check_max_steps, max_steps)
        with self._lock:
            current = self._session
            if current is not None and current.max_steps == budget:
                return _checked(current.reset, seed).to_dict()
            session = _checked(Session, seed, budget, self._savedir, suite=self._suite)
            if current is not None:
                current.close()
            self._session, self._seed, self._max_steps = session, seed, budget
            return session.last.to_dict()

    def call(self, name: str, arguments: Mapping[str, Any] | None = None) -> Any:
        """Call tool ``name`` with ``arguments`` as an MCP client would (for in-process agents).

        Raises:
            ToolCallError: unknown tool, unknown or missing argument, or a call the game refused.
        """
        arguments = dict(arguments or {})
        if name not in TOOL_NAMES:
            raise ToolCallError(
                f"unknown tool {name!r}{suggestion(name, TOOL_NAMES)} "
                f"(tools: {', '.join(TOOL_NAMES)})"
            )
        accepted = {"step": ("keystroke",), "commands": (), "reset": ("seed", "max_steps")}[name]
        for key in arguments:
            if key not in accepted:
                raise ToolCallError(
                    f"tool {name!r} takes no argument {key!r}{suggestion(key, accepted)} "
                    f"(arguments: {', '.join(accepted) or 'none'})"
                )
        if name == "step":
            if "keystroke" not in arguments:
                raise ToolCallError('step needs a keystroke, e.g. {"keystroke": "k"}')
            return self.step(arguments["keystroke"])
        if name == "reset":
            if "seed" not in arguments:
                raise ToolCallError("reset needs a seed (0-999)")
            return self.reset(arguments["seed"], arguments.get("max_steps"))
        return self.commands()

    def close(self) -> None:
        """End the game in play (the next step starts a new one)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _game(self) -> Session:
        if self._session is None:
            self._session = _checked(Session, self._seed, self._max_steps, self._savedir)
        return self._session


def _checked(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, with any user error turned into a :class:`ToolCallError`."""
    try:
        return fn(*args, **kwargs)
    except ToolCallError:
        raise
    except RllibNethackError as err:
        raise ToolCallError(str(err)) from err


def step_text(result: Mapping[str, Any]) -> str:
    """A step result as the text a language model reads: the screen, then one status line.

    The full result (screen lines, named stats, cursor) also travels as the
    tool's structured content; this text is what chat-style clients show.
    """
    stats = result["stats"]
    status = (
        f"reward={result['reward']:g} done={str(result['done']).lower()}"
        f" reason={result['reason'] or '-'} steps={result['steps']}"
        f" | hp={stats['hp']}/{stats['max_hp']} depth={stats['depth']} xl={stats['xl']}"
        f" turn={stats['turn']} score={stats['score']}"
    )
    if result.get("death_cause"):
        status += f" | {result['death_cause']}"
    return "\n".join([*result["screen"], status])


def result_from_dict(data: Mapping[str, Any]) -> StepResult:
    """A :class:`StepResult` back from its ``to_dict`` form (what a tool returned)."""
    from rllib_nethack.keystrokes.session import PlayerStats

    stats = dict(data["stats"])
    stats["conditions"] = tuple(stats["conditions"])
    fields = dict(data)
    fields["stats"] = PlayerStats(**stats)
    fields["screen"] = tuple(data["screen"])
    fields["cursor"] = tuple(data["cursor"])
    return StepResult(**fields)
