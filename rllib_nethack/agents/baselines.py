"""Two reference agents for the benchmark: random keys, and a small scripted explorer.

Both are plain keystroke agents (:class:`rllib_nethack.agents.protocol.Agent`):
they read only what any agent reads (the screen text, the message and the
named stats of a :class:`~rllib_nethack.keystrokes.StepResult`) and answer a
keystroke, so their figures are a floor that any LLM or RL agent on the same
seeds should clear.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from rllib_nethack.keystrokes.keymap import accepted_keys
from rllib_nethack.keystrokes.session import StepResult


class RandomAgent:
    """Uniformly random keys among NLE's 118, seeded by the game's seed (reproducible).

    With every key allowed it also opens menus, answers prompts and
    occasionally quits: that is the point of a floor.
    """

    def __init__(self) -> None:
        self._keys = accepted_keys()
        self._rng = random.Random(0)

    def start(self, seed: int) -> None:
        """Reseed, so that game ``seed`` gets the same keys whatever ran before it."""
        self._rng = random.Random(seed)

    def act(self, result: StepResult) -> str:
        """A random key."""
        return self._rng.choice(self._keys)


# The map occupies screen rows 1-21; row y of the map is screen row y + 1.
_MAP_ROWS = range(1, 22)
_MAP_COLS = 79
#: vi-keys and the (dy, dx) step each makes.
_MOVES = {
    "h": (0, -1),
    "j": (1, 0),
    "k": (-1, 0),
    "l": (0, 1),
    "y": (-1, -1),
    "u": (-1, 1),
    "b": (1, -1),
    "n": (1, 1),
}
_ORTHOGONAL = frozenset("hjkl")
# Floor, corridor, stairs, fountain, altar, throne, sink/tree, open doorway, items.
_WALKABLE = frozenset('.#<>{_\\%$?!/="()[*,')
#: Map characters of monsters besides letters: humans and elves, lizards and
#: newts, sea monsters, demons, golems.
_MONSTER_MARKS = frozenset("@:;&'")
_DOOR = "+"
_UNKNOWN = " "
_BLOCKED_LIMIT = 3  # failed moves toward a square before it is given up
_SEARCHES = 10  # searches at a dead end before wandering on
_PRAYER_GAP = 1000  # turns between prayers (a safe prayer needs a long timeout)
# The prayer timeout starts near 300 and falls about one a turn; in major
# trouble a prayer is answered once it is below 200.
_FIRST_PRAYER = 110


class ExplorerAgent:
    """A small scripted explorer: dismiss prompts, walk to unexplored squares, go down stairs.

    Each step it reads the screen as a map (``.`` floor, ``#`` corridor, ``+``
    doors, ``|``/``-`` between two walkable squares as an open door, blank as
    unexplored) and:

    * answers ``--More--`` with enter, a y/n question with ``n`` (``y`` when it
      asked to pray), and closes menus and item or direction prompts with escape;
    * prays when hit points fall below 6 or 1/7 or it grows weak from hunger
      (at most once per 1,000 turns), rests (``20s``) below half its hit points
      when no monster is near, and hits back at adjacent monsters after taking damage;
    * presses ``>`` on a down staircase, walks to one it has seen, else to the
      nearest unvisited square next to unexplored space (breadth-first search,
      no diagonal steps through doors), kicks locked doors, and when nothing
      is left searches for hidden passages and wanders to a random square.

    Its random choices are seeded by the game's seed, so a game is reproducible.
    """

    def __init__(self) -> None:
        self._rng = random.Random(0)
        self.start(0)

    def start(self, seed: int) -> None:
        """Forget everything: a new game."""
        self._rng = random.Random(seed)
        self._visited: dict[tuple[int, int], set[tuple[int, int]]] = {}
        self._under: dict[tuple[int, int], dict[tuple[int, int], str]] = {}
        self._failures: dict[tuple[int, int, int, int], int] = {}
        self._last_pos: tuple[int, int] | None = None
        self._last_move: str | None = None
        self._last_pray = -_PRAYER_GAP
        self._confirm = False
        self._pending: deque[str] = deque()
        self._searches = 0
        self._wander: tuple[int, int] | None = None
        self._goal: tuple[tuple[int, int], tuple[int, int]] | None = None
        self._hp: int | None = None
        self._pet: str | None = None
        self._fight = 0  # moves left in which to hit back after taking damage

    def act(self, result: StepResult) -> str:
        """The next key for ``result``."""
        prompt = self._prompt(result)
        if prompt is not None:
            return prompt
        if self._pending:
            return self._pending.popleft()
        stats = result.stats
        if stats.turn - self._last_pray >= _PRAYER_GAP and stats.turn > _FIRST_PRAYER:
            weak = stats.hunger in ("Weak", "Fainting", "Fainted")
            # NetHack's "major trouble": fewer than 6 hit points or under 1/7 of the maximum.
            if weak or stats.hp < 6 or stats.hp * 7 < stats.max_hp:
                self._last_pray, self._confirm = stats.turn, True
                return "meta+p"
        if stats.hp * 2 < stats.max_hp and self._fight <= 0 and not self._monster_near(result):
            self._pending.extend(("0", "s"))  # "20s": rest 20 turns (a monster interrupts it)
            return "2"
        return self._explore(result)

    def _monster_near(self, result: StepResult) -> bool:
        y, x = result.stats.y + 1, result.stats.x
        top = max(1, y - 2)
        return any(
            _is_monster(row[c])
            for r, row in enumerate(result.screen[top : y + 3], start=top)
            for c in range(max(0, x - 2), min(len(row), x + 3))
            if (r, c) != (y, x)
        )

    # ------------------------------------------------------------------ prompts
    def _prompt(self, result: StepResult) -> str | None:
        top = result.screen[0] if result.screen else ""
        if any("--More--" in line for line in result.screen):
            return "enter"
        if "[yn" in top or "(yes/no)" in top or "[ynq]" in top:
            answer = "y" if self._confirm else "n"
            self._confirm = False
            return answer
        if any(_is_menu_footer(line) for line in result.screen):
            return "escape"
        if top.rstrip().endswith("?") or "What do you want" in top or "In what direction" in top:
            if self._pending:  # the second key of a kick
                return None
            return "escape"
        return None

    # ---------------------------------------------------------------- exploring
    def _explore(self, result: StepResult) -> str:
        stats = result.stats
        level = (stats.dungeon, stats.level)
        pos = (stats.y, stats.x)
        grid = map_grid(result)
        under = self._under.setdefault(level, {})
        for y, row in enumerate(grid):
            for x, ch in enumerate(row):
                if _is_feature(ch):
                    under[(y, x)] = ch
        visited = self._visited.setdefault(level, set())
        visited.add(pos)
        self._note_failure(level, pos, result.message)
        self._last_pos = pos

        if under.get(pos) == ">" or "staircase down here" in result.message:
            return ">"
        if "This door is locked" in result.message and self._last_move is not None:
            self._pending.append(self._last_move)
            return "ctrl+d"
        attack = self._hit_back(grid, pos, stats.hp)
        if attack is not None:
            self._last_move = attack
            return attack

        def walkable(cell: tuple[int, int]) -> bool:
            return self._walkable(grid, under, cell) and not self._given_up(level, pos, cell)

        def frontier(cell: tuple[int, int]) -> bool:
            return cell not in visited and any(grid[y][x] == _UNKNOWN for y, x in _neighbours(cell))

        stairs = {c for c, ch in under.items() if ch == ">"}
        move = None
        if self._goal is not None and self._goal[0] == level and self._goal[1] != pos:
            goal = self._goal[1]  # keep to one goal, or two goals can pull turn about
            if goal in stairs or frontier(goal):
                move = self._path_to(grid, pos, walkable, lambda c: c == goal)
        for wanted in ((lambda c: c in stairs) if stairs else None, frontier):
            if move is not None or wanted is None:
                continue
            found = self._path_to(grid, pos, walkable, wanted, want_goal=True)
            if found is not None:
                move, goal = found
                self._goal = (level, goal)
        if move is not None and self._goal is not None:
            move = self._toward_goal(grid, pos, move, walkable, frontier)
        if move is None:
            if self._searches < _SEARCHES:
                return self._search()
            if self._wander is None or self._wander == pos:
                cells = [
                    (y, x)
                    for y, row in enumerate(grid)
                    for x, ch in enumerate(row)
                    if ch in _WALKABLE and (y, x) != pos
                ]
                self._wander = self._rng.choice(cells) if cells else None
                self._searches = 0
            target = self._wander
            move = (
                self._path_to(grid, pos, walkable, lambda c: c == target)
                if target is not None
                else None
            )
            self._goal = None
            if move is None:
                self._wander = None
                move = self._rng.choice(list(_MOVES))
        self._last_move = move
        return move

    def _search(self) -> str:
        """The key of one search for hidden passages (of ``_SEARCHES`` at a dead end)."""
        self._searches += 1
        return "s"

    def _toward_goal(
        self,
        grid: list[str],
        pos: tuple[int, int],
        move: str,
        walkable: Callable[[tuple[int, int]], bool],
        frontier: Callable[[tuple[int, int]], bool],
    ) -> str:
        """The key that heads for the current goal: here one step, ``move``.

        A hook for agents that reach the same goals by other keys (travel).
        """
        return move

    def _hit_back(self, grid: list[str], pos: tuple[int, int], hp: int) -> str | None:
        """A move into an adjacent monster, for a few moves after losing hit points.

        Walking into a monster attacks it; a pet never hurts the hero, so
        fighting only after damage leaves the pet (the letter next to the hero
        at the start) alone unless nothing else is adjacent.
        """
        if self._pet is None:
            near = [grid[y][x] for y, x in _neighbours(pos) if _is_monster(grid[y][x])]
            self._pet = near[0] if near else ""
        if self._hp is not None and hp < self._hp:
            self._fight = 4
        self._hp = hp
        if self._fight <= 0:
            return None
        self._fight -= 1
        targets = [
            (grid[ny][nx] == self._pet, key)
            for key, (ny, nx) in _steps(grid, pos)
            if _is_monster(grid[ny][nx])
        ]
        return min(targets)[1] if targets else None

    def _walkable(
        self, grid: list[str], under: dict[tuple[int, int], str], cell: tuple[int, int]
    ) -> bool:
        y, x = cell
        ch = grid[y][x]
        if ch in _WALKABLE or ch == _DOOR or _is_monster(ch):
            return True
        return _is_open_door(grid, cell)

    def _given_up(
        self, level: tuple[int, int], pos: tuple[int, int], cell: tuple[int, int]
    ) -> bool:
        return self._failures.get((*level, *cell), 0) >= _BLOCKED_LIMIT

    def _note_failure(self, level: tuple[int, int], pos: tuple[int, int], message: str) -> None:
        # A move that left the hero where it was (a boulder, a peaceful monster,
        # a wall that only looked like a door) counts against the square it aimed at.
        if self._last_pos != pos or self._last_move is None or self._last_move not in _MOVES:
            return
        dy, dx = _MOVES[self._last_move]
        key = (*level, pos[0] + dy, pos[1] + dx)
        self._failures[key] = self._failures.get(key, 0) + 1

    def _path_to(
        self,
        grid: list[str],
        start: tuple[int, int],
        walkable: Callable[[tuple[int, int]], bool],
        goal: Callable[[tuple[int, int]], bool],
        want_goal: bool = False,
    ) -> Any:
        """The first move of a shortest path from ``start`` to a square where ``goal`` holds
        (with ``want_goal``: the move and that square), or ``None``."""
        route = shortest_route(grid, start, walkable, goal)
        if route is None:
            return None
        move = next(key for key, cell in _steps(grid, start) if cell == route[1])
        return (move, route[-1]) if want_goal else move


def map_grid(result: StepResult) -> list[str]:
    """The map rows of the screen, each padded to the map's width: ``grid[y][x]``."""
    return [result.screen[r].ljust(_MAP_COLS)[:_MAP_COLS] for r in _MAP_ROWS]


def shortest_route(
    grid: list[str],
    start: tuple[int, int],
    walkable: Callable[[tuple[int, int]], bool],
    goal: Callable[[tuple[int, int]], bool],
) -> list[tuple[int, int]] | None:
    """The squares of a shortest walk (breadth-first, :func:`_steps`) from ``start`` to the
    nearest other square where ``goal`` holds, both ends included; ``None`` if none is reached."""
    came: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell != start and goal(cell):
            route = [cell]
            while (prev := came[route[-1]]) is not None:
                route.append(prev)
            return route[::-1]
        for _key, nxt in _steps(grid, cell):
            if nxt in came or not walkable(nxt):
                continue
            came[nxt] = cell
            queue.append(nxt)
    return None


def _is_menu_footer(line: str) -> bool:
    text = line.strip()
    return text.endswith("(end)") or (
        text.startswith("(") and " of " in text and text.endswith(")")
    )


def _is_feature(ch: str) -> bool:
    """A map character that is the square itself, not a monster or the hero on it."""
    return not _is_monster(ch) and ch != _UNKNOWN


def _is_monster(ch: str) -> bool:
    return ch.isalpha() or ch in _MONSTER_MARKS


def _at(grid: list[str], y: int, x: int) -> str:
    return grid[y][x] if 0 <= y < len(grid) and 0 <= x < _MAP_COLS else _UNKNOWN


def _is_open_door(grid: list[str], cell: tuple[int, int]) -> bool:
    """An open door: drawn ``-`` in a vertical wall and ``|`` in a horizontal one,
    so (unlike a wall) it has walkable squares on the two sides it joins."""
    y, x = cell
    ch = grid[y][x]
    if ch == "-":
        sides = (_at(grid, y, x - 1), _at(grid, y, x + 1))
    elif ch == "|":
        sides = (_at(grid, y - 1, x), _at(grid, y + 1, x))
    else:
        return False
    # One side may be still unexplored; a wall's neighbours along it are wall.
    return any(_passable(side) for side in sides) and not any(side in "-|" for side in sides)


def _passable(ch: str) -> bool:
    return ch in _WALKABLE or _is_monster(ch)


def _is_door(grid: list[str], cell: tuple[int, int]) -> bool:
    """A door or a doorway (a gap in a wall): NetHack forbids diagonal moves through doors."""
    y, x = cell
    if grid[y][x] == _DOOR or _is_open_door(grid, cell):
        return True
    walls = "|-+"
    vertical = _at(grid, y - 1, x) in walls and _at(grid, y + 1, x) in walls
    horizontal = _at(grid, y, x - 1) in walls and _at(grid, y, x + 1) in walls
    return vertical or horizontal


def _neighbours(cell: tuple[int, int]) -> Iterator[tuple[int, int]]:
    y, x = cell
    for dy, dx in _MOVES.values():
        ny, nx = y + dy, x + dx
        if 0 <= ny < len(_MAP_ROWS) and 0 <= nx < _MAP_COLS:
            yield ny, nx


def _steps(grid: list[str], cell: tuple[int, int]) -> Iterator[tuple[str, tuple[int, int]]]:
    """Legal one-square moves from ``cell``: doors are entered and left orthogonally only."""
    y, x = cell
    door_here = _is_door(grid, cell)
    for key, (dy, dx) in _MOVES.items():
        ny, nx = y + dy, x + dx
        if not (0 <= ny < len(_MAP_ROWS) and 0 <= nx < _MAP_COLS):
            continue
        if key not in _ORTHOGONAL and (door_here or _is_door(grid, (ny, nx))):
            continue
        yield key, (ny, nx)
