"""Small MiniHack levels for tests and benchmarks that must show exploration at work."""

from __future__ import annotations

from pathlib import Path

#: How far east of the start the benchmark's corridor puts the stairs, and its step limit.
CORRIDOR_EAST = 28
CORRIDOR_STEPS = 60


def corridor_level(east: int = CORRIDOR_EAST) -> str:
    """A one-cell-wide lit corridor, the down stairs ``east`` steps east of the start.

    Only two of the eight compass moves go anywhere (the other six bump into
    a wall, and take no game time), so a uniform random walk drifts about
    ``sqrt(t) / 2`` cells in ``t`` steps: with a limit well under ``east**2``
    steps it almost never reaches the stairs, and without an exploration bonus
    the only reward to follow is the bump penalty. Each new cell is a step east,
    which the count bonus pays for. MiniHack compiles a custom level only under
    the name ``mylevel``; a des-file it cannot parse silently gives a random
    level instead, so tests check the map they get.
    """
    if east < 1:
        raise ValueError(f"east must be >= 1, got {east}")
    wall = "-" * (east + 4)
    return "\n".join(
        [
            "MAZE: \"mylevel\", ' '",
            "FLAGS:hardfloor",
            "INIT_MAP: solidfill,' '",
            "GEOMETRY:center,center",
            "MAP",
            wall,
            "|" + "." * (east + 2) + "|",
            wall,
            "ENDMAP",
            f'REGION:(0,0,{east + 3},2),lit,"ordinary"',
            "BRANCH:(1,1,1,1),(0,0,0,0)",
            f"STAIR:({east + 1},1),down",
            "",
        ]
    )


def corridor_overrides(
    directory: Path, east: int = CORRIDOR_EAST, steps: int = CORRIDOR_STEPS
) -> list[str]:
    """Run-config overrides for the corridor task (its level file written into ``directory``)."""
    des = directory / f"corridor{east}.des"
    des.write_text(corridor_level(east))
    return [
        "+task=MiniHack-Navigation-Custom-v0",
        f"+task.options.env_kwargs.des_file={des}",
        f"task.options.max_episode_steps={steps}",
    ]


#: The short corridor the count bonus learns in a slow test: the stairs 12 steps
#: east, a 30-step limit, and the four orthogonal moves only (N, E, S, W), so a
#: uniform random walk never got there in 1,000 episodes.
SHORT_EAST, SHORT_STEPS = 12, 30
ORTHOGONAL_MOVES = (107, 108, 106, 104)  # k l j h: nle's CompassDirection N E S W


def short_corridor_overrides(directory: Path) -> list[str]:
    """The short corridor with settings that learn it in seconds on 2 CPUs.

    A small feed-forward model (the hero's position is all the count bonus
    needs), 256-step batches and sampling in the learner's process
    (``num_env_runners=0``: no actor to start): ``explore=count`` reached a mean
    return of 0.5 in 5.7k-10.8k env steps, plain APPO stayed at the bump
    penalty (``benchmarks/explore_corridor.py --short``).
    """
    return [
        *corridor_overrides(directory, SHORT_EAST, SHORT_STEPS),
        f"+task.options.env_kwargs.actions=[{','.join(map(str, ORTHOGONAL_MOVES))}]",
        "model.glyph_embedding=8",
        "model.map_channels=[8]",
        "model.crop_channels=[8]",
        "model.hidden=[64]",
        "model.rnn_size=0",
        "model.use_message=false",
        "algo.lr=1e-3",
        "algo.train_batch_size_per_learner=256",
        "algo.min_time_s_per_iteration=1",
        "cluster.rllib.num_env_runners=0",
        "cluster.rllib.num_envs_per_env_runner=8",
    ]
