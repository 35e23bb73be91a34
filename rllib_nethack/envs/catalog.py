"""The one list of tasks.

A task is a named, frozen description of a base environment: which gymnasium
id builds it, which family of observations and defaults it belongs to, and the
constructor arguments that make it what it is. Every other part of the package
(``make_env``, RLlib registration, the Hydra ``task`` group, the keystroke
interface) looks tasks up here, so a name means the same thing everywhere.

NLE tasks have short names (``challenge``, ``score``, ...). MiniHack tasks are
discovered from what the installed ``minihack`` registers, so a newer MiniHack
release brings its new tasks with it; each is reachable by its own id and, for
the common ones, by a short alias (``room5x5``). Discovery imports ``minihack``
lazily: importing this package has no side effects.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from rllib_nethack.errors import UnknownTaskError, suggestion

Family = Literal["nethack", "minihack"]

#: The seeded, full-keyboard NetHack suite shared with keystroke-level agents.
SEEDED_TASK = "nethack_seeded"
#: How many seeds the seeded suite has (seeds ``0 .. SEEDED_SUITE_SIZE - 1``).
SEEDED_SUITE_SIZE = 1000
#: Reward of a MiniHack step on which game time does not pass (a menu, a prompt,
#: a bump into a wall). MiniHack's own baselines (``minihack/agent/polybeast/config.yaml``)
#: and NLE's train with -0.001, which their published curves assume; the
#: environments default to -0.01. At -0.01 a young policy's no-time keys cost
#: so much that ending the episode pays: APPO on MiniHack-Eat-v0 learned to pray
#: until its god killed it (benchmarks/RESULTS.md, "MiniHack suite").
#: ``task.options.penalty_step=-0.01`` restores MiniHack's own default.
MINIHACK_PENALTY_STEP = -0.001


@dataclass(frozen=True)
class TaskSpec:
    """Everything that defines one task.

    Attributes:
        name: The canonical name, as listed by :func:`list_tasks`.
        env_id: The gymnasium id whose entry point builds the base environment.
        family: ``"nethack"`` (full-game tasks, terminal observations) or
            ``"minihack"`` (small levels, glyph observations). Picks the
            default observations, models and hyper-parameters.
        description: One line for task listings.
        aliases: Other names that resolve to this task.
        defaults: Option defaults that make the task what it is (they apply
            before user options, which may override them).
        required: Options the task cannot be built without.
        full_keyboard: The task's class always uses all 121 keys.
    """

    name: str
    env_id: str
    family: Family
    description: str
    aliases: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    required: tuple[str, ...] = ()
    full_keyboard: bool = False

    @property
    def seeded(self) -> bool:
        """Whether this is the seeded suite (every episode is one of a fixed set of games)."""
        return self.name == SEEDED_TASK


def _frozen(**kwargs: Any) -> Mapping[str, Any]:
    return MappingProxyType(dict(kwargs))


NLE_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("staircase", "NetHackStaircase-v0", "nethack", "reach the down staircase (>)"),
    TaskSpec("score", "NetHackScore-v0", "nethack", "maximise the in-game score"),
    TaskSpec(
        "pet",
        "NetHackStaircasePet-v0",
        "nethack",
        "reach the down staircase with the pet next to you",
        aliases=("staircase_pet",),
    ),
    TaskSpec("oracle", "NetHackOracle-v0", "nethack", "find the Oracle"),
    TaskSpec("gold", "NetHackGold-v0", "nethack", "collect gold"),
    TaskSpec("eat", "NetHackEat-v0", "nethack", "eat (reward: nutrition gained)"),
    TaskSpec("scout", "NetHackScout-v0", "nethack", "explore (reward: newly seen map cells)"),
    TaskSpec(
        "challenge",
        "NetHackChallenge-v0",
        "nethack",
        "the NeurIPS 2021 NetHack Challenge: random character, full keyboard, score",
        full_keyboard=True,
    ),
    TaskSpec(
        SEEDED_TASK,
        "NetHackScore-v0",
        "nethack",
        "seeded full games 0-999 (one dungeon, character and items each), "
        "121 keys, reward = score delta",
        aliases=("seeded",),
        defaults=_frozen(
            actions="full",
            character="@",
            penalty_step=0.0,
            penalty_time=0.0,
            max_episode_steps=1_000_000,
            seeds=(0, SEEDED_SUITE_SIZE - 1),
            env_kwargs=_frozen(allow_all_yn_questions=True, allow_all_modes=True),
        ),
    ),
)

#: Short names for the MiniHack tasks people reach for first.
MINIHACK_SHORT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "room5x5": "MiniHack-Room-5x5-v0",
        "room15x15": "MiniHack-Room-15x15-v0",
        "room_random5x5": "MiniHack-Room-Random-5x5-v0",
        "room_dark5x5": "MiniHack-Room-Dark-5x5-v0",
        "room_monster5x5": "MiniHack-Room-Monster-5x5-v0",
        "room_trap5x5": "MiniHack-Room-Trap-5x5-v0",
        "room_ultimate5x5": "MiniHack-Room-Ultimate-5x5-v0",
        "room_ultimate15x15": "MiniHack-Room-Ultimate-15x15-v0",
        "corridor_r2": "MiniHack-Corridor-R2-v0",
        "corridor_r3": "MiniHack-Corridor-R3-v0",
        "corridor_r5": "MiniHack-Corridor-R5-v0",
        "keyroom_s5": "MiniHack-KeyRoom-S5-v0",
        "keyroom_s15": "MiniHack-KeyRoom-S15-v0",
        "mazewalk9x9": "MiniHack-MazeWalk-9x9-v0",
        "mazewalk15x15": "MiniHack-MazeWalk-15x15-v0",
        "mazewalk45x19": "MiniHack-MazeWalk-45x19-v0",
        "corridor_battle": "MiniHack-CorridorBattle-v0",
        "multiroom_n2": "MiniHack-MultiRoom-N2-v0",
        "multiroom_n4": "MiniHack-MultiRoom-N4-v0",
        "multiroom_n6": "MiniHack-MultiRoom-N6-v0",
        "lavacrossing_s9n1": "MiniHack-LavaCrossingS9N1-v0",
        "simplecrossing_s9n1": "MiniHack-SimpleCrossingS9N1-v0",
        "memento_f2": "MiniHack-Memento-F2-v0",
        "river": "MiniHack-River-v0",
        "river_narrow": "MiniHack-River-Narrow-v0",
        "river_monster": "MiniHack-River-Monster-v0",
        "hidenseek": "MiniHack-HideNSeek-v0",
        "labyrinth_small": "MiniHack-Labyrinth-Small-v0",
        "explore_maze_easy": "MiniHack-ExploreMaze-Easy-v0",
        "boxoban_unfiltered": "MiniHack-Boxoban-Unfiltered-v0",
        "minihack_eat": "MiniHack-Eat-v0",
        "pray": "MiniHack-Pray-v0",
        "wield": "MiniHack-Wield-v0",
        "wear": "MiniHack-Wear-v0",
        "zap": "MiniHack-Zap-v0",
        "closed_door": "MiniHack-ClosedDoor-v0",
        "locked_door": "MiniHack-LockedDoor-v0",
        "wod_easy": "MiniHack-WoD-Easy-Full-v0",
        "wod_medium": "MiniHack-WoD-Medium-Full-v0",
        "wod_hard": "MiniHack-WoD-Hard-Full-v0",
        "levitate_boots": "MiniHack-Levitate-Boots-Full-v0",
        "freeze_wand": "MiniHack-Freeze-Wand-Full-v0",
        "lavacross": "MiniHack-LavaCross-Full-v0",
        "quest_easy": "MiniHack-Quest-Easy-v0",
        "quest_medium": "MiniHack-Quest-Medium-v0",
        "quest_hard": "MiniHack-Quest-Hard-v0",
        "sokoban1a": "MiniHack-Sokoban1a-v1",
        "sokoban1b": "MiniHack-Sokoban1b-v1",
        "sokoban2a": "MiniHack-Sokoban2a-v1",
        "sokoban2b": "MiniHack-Sokoban2b-v1",
        "sokoban3a": "MiniHack-Sokoban3a-v1",
        "sokoban3b": "MiniHack-Sokoban3b-v1",
        "sokoban4a": "MiniHack-Sokoban4a-v1",
        "sokoban4b": "MiniHack-Sokoban4b-v1",
    }
)

# MiniHack ids whose entry point needs a level description from the user.
_CUSTOM_MINIHACK = re.compile(r"^MiniHack-(Navigation|Skill)-Custom-v\d+$")
_MINIHACK_ID = re.compile(r"^MiniHack-.+-v\d+$")


def import_minihack() -> None:
    """Import ``minihack`` so its environments exist in gymnasium's registry.

    MiniHack ids only exist after this import; every process that builds a
    MiniHack env (remote env runners included) goes through here. The
    ``pkg_resources`` deprecation warning minihack triggers is not actionable
    for our users, so it is silenced.
    """
    from rllib_nethack.envs.minigrid_compat import register_minigrid_for_minihack

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import minihack  # noqa: F401

        register_minigrid_for_minihack()


@functools.cache
def _minihack_specs() -> tuple[TaskSpec, ...]:
    import gymnasium as gym

    import_minihack()
    aliases: dict[str, list[str]] = {}
    for short, env_id in MINIHACK_SHORT_NAMES.items():
        aliases.setdefault(env_id, []).append(short)
    specs = []
    for env_id in sorted(k for k in gym.registry if _MINIHACK_ID.match(k)):
        custom = bool(_CUSTOM_MINIHACK.match(env_id))
        specs.append(
            TaskSpec(
                name=env_id,
                env_id=env_id,
                family="minihack",
                description=(
                    "MiniHack level from your own des-file (needs env_kwargs.des_file)"
                    if custom
                    else "MiniHack " + env_id[len("MiniHack-") :].rsplit("-v", 1)[0]
                ),
                aliases=tuple(aliases.get(env_id, ())),
                defaults=_frozen(penalty_step=MINIHACK_PENALTY_STEP),
                required=("des_file",) if custom else (),
            )
        )
    return tuple(specs)


def all_task_specs() -> tuple[TaskSpec, ...]:
    """Every task: the NLE ones first, then MiniHack's in id order."""
    return NLE_TASKS + _minihack_specs()


def _name_table(specs: tuple[TaskSpec, ...]) -> Mapping[str, TaskSpec]:
    table: dict[str, TaskSpec] = {}
    for spec in specs:
        for key in (spec.name, spec.env_id, *spec.aliases):
            # NLE's own ids (NetHackScore-v0) resolve to the plain NLE task, never
            # to a task derived from it such as the seeded suite.
            table.setdefault(key.lower(), spec)
    return MappingProxyType(table)


@functools.cache
def _nle_lookup() -> Mapping[str, TaskSpec]:
    return _name_table(NLE_TASKS)


@functools.cache
def _lookup() -> Mapping[str, TaskSpec]:
    return _name_table(all_task_specs())


def list_tasks() -> list[str]:
    """Return the canonical name of every task, NLE tasks first.

    Each name (and each alias, and each task's gymnasium id) can be passed to
    :func:`rllib_nethack.make_env`, ``+task=`` on the command line, and RLlib
    once :func:`rllib_nethack.register_envs` has run.
    """
    return [spec.name for spec in all_task_specs()]


def task_names_and_aliases() -> list[str]:
    """Every name a task answers to (canonical names, then aliases)."""
    names = list_tasks()
    names += [alias for spec in all_task_specs() for alias in spec.aliases]
    return names


def get_task(name: str) -> TaskSpec:
    """Resolve a task name, alias or gymnasium id (case-insensitive).

    Raises:
        UnknownTaskError: with the closest valid names, on one line.
    """
    key = str(name).lower()
    # NLE tasks first: an env runner of an NLE task need not import MiniHack.
    spec = _nle_lookup().get(key) or _lookup().get(key)
    if spec is not None:
        return spec
    raise UnknownTaskError(
        f"unknown task {name!r}{suggestion(str(name), task_names_and_aliases(), n=4)} "
        f"({len(list_tasks())} tasks; `python -m rllib_nethack.tasks` lists them all)"
    )
