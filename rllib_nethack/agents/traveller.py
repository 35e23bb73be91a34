"""The explorer with NetHack's travel command: its long walks in a few keys the screen explains.

Behavioural cloning of :class:`~rllib_nethack.agents.baselines.ExplorerAgent`
stalls on level 1 (benchmarks/RESULTS.md, "Behavioural cloning of the
explorer"): the explorer walks step by step to squares it picked from its own
memory of where it has been, which the terminal never shows, so a clone that
reads the terminal drifts and seldom finds the stairs. :class:`TravellerAgent`
goes to the same places by NetHack's travel command (``_``), whose cursor keys
name the target by what the screen shows:

* a down staircase on the screen: ``_`` ``>`` ``.`` (travel to it), then ``>``;
* an unexplored part of the level: ``_``, then ``x`` (NetHack's next "possibly
  unexplored" square, nearest first) until the cursor sits on a square the
  explorer has not visited and that is not next to the hero, then ``.``; after
  six ``x`` without one it escapes and steps there as the explorer does.

Each travel is one key for many squares, so the decisions a clone must learn
are fewer and each is visible: the staircase on the map, the cursor on the
square it is about to travel to. Goals one or two steps away are stepped to.
A dead end's ten searches are one counted command, ``10s`` (:meth:`TravellerAgent._search`).
"""

from __future__ import annotations

from collections.abc import Callable

from rllib_nethack.agents.baselines import _SEARCHES, ExplorerAgent, map_grid, shortest_route
from rllib_nethack.keystrokes.session import StepResult

#: ``x`` presses in one travel prompt before giving up on it.
_MAX_CANDIDATES = 6
#: Goals at most this many steps away are stepped to: a travel costs three keys or more.
_STEP_RANGE = 2

Cell = tuple[int, int]


class TravellerAgent(ExplorerAgent):
    """:class:`ExplorerAgent`'s goals, reached by NetHack's travel command (module docstring)."""

    def start(self, seed: int) -> None:
        """Forget everything: a new game."""
        super().start(seed)
        self._choosing: int | None = None  # ``x`` presses so far in an open travel prompt
        self._travel_from: Cell | None = None
        self._is_frontier: Callable[[Cell], bool] = lambda cell: False
        self._stepped_goal: Cell | None = None  # a goal travel failed to pick: stepped to

    def act(self, result: StepResult) -> str:
        """The next key for ``result``: inside a travel prompt, the cursor keys."""
        if self._choosing is not None:
            return self._choose(result)
        return super().act(result)

    def _explore(self, result: StepResult) -> str:
        if self._travel_from is not None:
            if self._travel_from == (result.stats.y, result.stats.x) and self._goal is not None:
                self._stepped_goal = self._goal[1]  # the travel went nowhere: step instead
            self._mark_route(result, self._travel_from)
            self._travel_from = None
        return super()._explore(result)

    def _toward_goal(
        self,
        grid: list[str],
        pos: Cell,
        move: str,
        walkable: Callable[[Cell], bool],
        frontier: Callable[[Cell], bool],
    ) -> str:
        assert self._goal is not None
        goal = self._goal[1]
        route = shortest_route(grid, pos, walkable, lambda c: c == goal)
        if route is None or len(route) <= _STEP_RANGE or goal == self._stepped_goal:
            return move
        self._travel_from = pos
        if grid[goal[0]][goal[1]] == ">":
            self._pending.extend((">", "."))
            return "_"
        self._is_frontier = frontier
        self._choosing = 0
        self._stepped_goal = goal  # unless a candidate is taken (below)
        return "_"

    def _search(self) -> str:
        """All of a dead end's searches as one counted command (``10s``).

        Ten ``s`` in a row teach a clone that the key after ``s`` is ``s``: fed
        its own last key, it searches for the rest of the game. After a counted
        search the next key follows from the screen again.
        """
        count = str(_SEARCHES - self._searches)
        self._searches = _SEARCHES
        self._pending.extend((*count[1:], "s"))
        return count[0]

    def _choose(self, result: StepResult) -> str:
        """``x`` until the cursor marks an unvisited square next to unexplored space."""
        assert self._choosing is not None
        row, col = result.cursor
        cell = (row - 1, col)
        hero = (result.stats.y, result.stats.x)
        far = max(abs(cell[0] - hero[0]), abs(cell[1] - hero[1])) > 1
        if self._choosing > 0 and far and self._is_frontier(cell):
            self._choosing = None
            self._stepped_goal = None
            return "."
        if self._choosing < _MAX_CANDIDATES:
            self._choosing += 1
            return "x"
        self._choosing = None
        self._travel_from = None
        return "escape"

    def _mark_route(self, result: StepResult, start: Cell) -> None:
        """Count the squares a travel crossed as visited: the shortest route it took."""
        stats = result.stats
        level = (stats.dungeon, stats.level)
        pos = (stats.y, stats.x)
        grid = map_grid(result)
        under = self._under.get(level, {})
        route = shortest_route(
            grid, start, lambda c: c == pos or self._walkable(grid, under, c), lambda c: c == pos
        )
        self._visited.setdefault(level, set()).update(route or ())
