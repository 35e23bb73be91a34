"""A keystroke session as JSON lines, so any agent harness can play.

How to run (the entry point is :mod:`rllib_nethack.serve`)::

    python -m rllib_nethack.serve stdio

Each line on stdin is one request; each gets exactly one line of JSON on stdout
(blank lines are skipped). Requests and replies::

    {"id": 1, "method": "reset", "params": {"seed": 7}}     -> {"id": 1, "result": <step result>}
    {"method": "step", "params": {"key": "ctrl+d"}}         -> {"result": <step result>}
    {"method": "observe"}                                   -> {"result": <current step result>}
    {"method": "commands"}                                  -> {"result": {"movement": [...], ...}}
    {"method": "close"}                                     -> {"result": {"closed": true}}

``reset`` takes ``seed`` (0-999; optional once a game is running: it replays
the current seed) and ``max_steps``. A step result carries ``screen`` (24
lines), ``cursor``, ``message``, ``stats``, ``reward``, ``done``, ``reason``,
``death_cause`` and ``steps`` (see :class:`rllib_nethack.keystrokes.StepResult`).
``close`` ends the game; the server keeps reading until end of input, then
exits 0. A request's ``"id"``, if any, is echoed in its reply.

Errors never end the server: malformed JSON (nested too deeply included), a
request line over :data:`MAX_REQUEST_CHARS`, an unknown method, bad params, a
bad keystroke or a step with no game running each get
``{"error": {"type": ..., "message": ...}}`` and the game is left as it was.
Only JSON goes to stdout; logs and anything NetHack prints go to stderr. When
the reader goes away (``serve stdio | head -c 100``) the server ends its game
and exits 0, quietly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

from rllib_nethack.envs.options import MAX_EPISODE_STEPS
from rllib_nethack.errors import ConfigError, RllibNethackError, suggestion
from rllib_nethack.keystrokes.commands import commands_as_json
from rllib_nethack.keystrokes.keymap import KeystrokeError
from rllib_nethack.keystrokes.session import Session, SessionError, check_max_steps, check_seed

log = logging.getLogger("rllib_nethack.serve")

Reply = dict[str, Any]
#: Longest request line read (characters). A step request is under 100; the cap
#: keeps a runaway client from making the server hold an unbounded line.
MAX_REQUEST_CHARS = 64 * 1024


class RequestError(RllibNethackError):
    """A request the server cannot carry out; ``kind`` is the reply's error type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _error(kind: str, message: str) -> Reply:
    return {"error": {"type": kind, "message": message}}


def _params(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for name in params:
        if name not in allowed:
            what = ", ".join(allowed) if allowed else "none"
            raise RequestError(
                "invalid_params",
                f"unknown param {name!r}{suggestion(name, allowed)} (accepted: {what})",
            )


class SessionServer:
    """Carries out requests on one :class:`Session` (created by the first ``reset``).

    The transport is separate (:func:`serve`), so the request logic is testable
    with plain dicts.
    """

    def __init__(self) -> None:
        self.session: Session | None = None
        self._methods: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            "reset": self.reset,
            "step": self.step,
            "observe": self.observe,
            "commands": self.commands,
            "close": self.close,
        }

    @property
    def methods(self) -> tuple[str, ...]:
        """The method names this server answers."""
        return tuple(self._methods)

    def handle_line(self, line: str) -> Reply | None:
        """The reply to one request line, or ``None`` for a blank line."""
        if not line.strip():
            return None
        try:
            request = json.loads(line)
        except ValueError as err:  # JSONDecodeError, and numbers past Python's digit limit
            return _error("parse_error", f"request is not valid JSON: {err}")
        except RecursionError:
            return _error("parse_error", "request is not valid JSON: nested too deeply")
        return self.handle(request)

    def handle(self, request: Any) -> Reply:
        """The reply to one decoded request (never raises for a bad request)."""
        if not isinstance(request, dict):
            return _error(
                "invalid_request",
                'a request must be a JSON object like {"method": "step", "params": {"key": "k"}}',
            )
        reply: Reply
        try:
            reply = {"result": self._dispatch(request)}
        except RequestError as err:
            reply = _error(err.kind, str(err))
        except KeystrokeError as err:
            reply = _error("bad_key", str(err))
            reply["error"]["suggestions"] = list(err.suggestions)
        except ConfigError as err:
            reply = _error("invalid_params", str(err))
        except SessionError as err:
            reply = _error("session", str(err))
        except Exception as err:  # a bug must not take the agent's game down with it
            log.exception("internal error while handling %r", request)
            reply = _error("internal", f"{type(err).__name__}: {err}")
        if "id" in request:
            reply = {"id": request["id"], **reply}
        return reply

    def _dispatch(self, request: Mapping[str, Any]) -> Any:
        unknown = sorted(set(request) - {"id", "method", "params"})
        if unknown:
            raise RequestError(
                "invalid_request", f"unknown request field(s) {unknown}; use id, method, params"
            )
        method = request.get("method")
        if not isinstance(method, str):
            raise RequestError(
                "invalid_request", f"'method' must be one of {', '.join(self.methods)}"
            )
        handler = self._methods.get(method)
        if handler is None:
            raise RequestError(
                "unknown_method",
                f"unknown method {method!r}{suggestion(method, self.methods)} "
                f"(methods: {', '.join(self.methods)})",
            )
        params = request.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RequestError("invalid_params", "'params' must be a JSON object")
        return handler(params)

    def _session(self) -> Session:
        if self.session is None or self.session.closed:
            raise RequestError("no_session", 'no game is running: send {"method": "reset", ...}')
        return self.session

    def reset(self, params: Mapping[str, Any]) -> Any:
        """Start (or restart) a game; see the module docstring for params.

        Every param is checked before anything changes, so a bad reset leaves
        the running game as it was.
        """
        _params(params, ("seed", "max_steps"))
        current = self.session if self.session is not None and not self.session.closed else None
        if "seed" in params:
            seed = check_seed(params["seed"])
        elif current is not None:
            seed = current.seed
        else:
            raise RequestError("invalid_params", "reset needs params.seed (0-999) to start a game")
        if "max_steps" in params:
            max_steps = check_max_steps(params["max_steps"])
        else:
            max_steps = current.max_steps if current is not None else MAX_EPISODE_STEPS
        if current is not None and current.max_steps == max_steps:
            return current.reset(seed).to_dict()
        session = Session(seed, max_steps)  # the running game ends only once this stands
        if current is not None:
            current.close()
        self.session = session
        return session.last.to_dict()

    def step(self, params: Mapping[str, Any]) -> Any:
        """Send ``params.key`` to the game."""
        _params(params, ("key",))
        if "key" not in params:
            raise RequestError("invalid_params", 'step needs params.key, e.g. {"key": "k"}')
        return self._session().step(params["key"]).to_dict()

    def observe(self, params: Mapping[str, Any]) -> Any:
        """The current state of the game, without advancing it."""
        _params(params, ())
        return self._session().last.to_dict()

    def commands(self, params: Mapping[str, Any]) -> Any:
        """Every accepted command by category (needs no game)."""
        _params(params, ())
        return commands_as_json()

    def close(self, params: Mapping[str, Any]) -> Any:
        """End the running game (if any)."""
        _params(params, ())
        if self.session is not None:
            self.session.close()
            self.session = None
        return {"closed": True}


def read_requests(requests: TextIO, limit: int = MAX_REQUEST_CHARS) -> Iterator[str | None]:
    """The lines of ``requests``; ``None`` for a line longer than ``limit``
    characters, whose rest is read and dropped without being held."""
    while True:
        line = requests.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while line and not line.endswith("\n"):
            line = requests.readline(limit)
        yield None


def serve(requests: TextIO, replies: TextIO) -> int:
    """Answer request lines from ``requests`` on ``replies`` until end of input
    (or until nobody reads the replies any more).

    Returns:
        The exit status (0).
    """
    server = SessionServer()
    too_long = _error(
        "invalid_request", f"request line longer than {MAX_REQUEST_CHARS:,} characters"
    )
    try:
        for line in read_requests(requests):
            reply = too_long if line is None else server.handle_line(line)
            if reply is not None:
                replies.write(json.dumps(reply) + "\n")
                replies.flush()
    except BrokenPipeError:
        log.info("the reader of the replies went away: stopping")
    finally:
        server.close({})
    return 0


@contextlib.contextmanager
def _private_stdout() -> Iterator[TextIO]:
    """A stream on the real stdout, with fd 1 (and ``sys.stdout``) pointed at stderr.

    NetHack is C code that may write to fd 1 directly; sending those bytes to
    stderr keeps the reply stream pure JSON. Both are restored on the way out.
    """
    sys.stdout.flush()
    saved_fd, saved_stdout = os.dup(1), sys.stdout
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        yield replies
    finally:
        with contextlib.suppress(OSError):  # the reader may be gone: nothing to flush to
            replies.close()
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
        sys.stdout = saved_stdout


def serve_stdio() -> int:
    """Serve requests on stdin, replies on stdout (logs on stderr) until end of
    input; the exit status (0, or 130 after Ctrl-C)."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="serve: %(message)s")
    with _private_stdout() as replies:
        try:
            return serve(sys.stdin, replies)
        except KeyboardInterrupt:
            return 130
