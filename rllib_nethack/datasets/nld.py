"""Human and agent demonstrations through the field's own loader, ``nle.dataset``.

The NetHack Learning Dataset (NLD-AA: NLE savedirs; NLD-NAO: alt.org ttyrecs)
is read with NLE's ``nle.dataset`` (an sqlite index of games and their
ttyrecs, and ``TtyrecDataset`` to decode them), so a user's copy of NLD-AA or
NLD-NAO, and the games :mod:`rllib_nethack.agents.record` writes, work
unchanged::

    db = open_db("runs/nld/ttyrecs.db")                   # created on first use
    add_directory(db, "/data/nld-aa/nle_data", "nld-aa")  # once per dataset
    demos = Demonstrations(db, "nld-aa", task="challenge",
                           games=GameFilter(role="Val", min_score=10_000))
    for batch in demos:          # DemoBatch: [batch_size, seq_length, ...] arrays
        ...
    print(demos.report())        # keypresses the task's actions cannot send

Each batch holds the observations as the model reads them in the env
(``tty_chars``, ``tty_colors``, ``tty_cursor``: the keys a ttyrec has, with
the env's dtypes and shapes), the action index of the key pressed on that
screen (:mod:`.keypresses`), and ``reset`` where a new game starts.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from nle import dataset as nld
from numpy.typing import NDArray

from rllib_nethack.datasets.keypresses import UNMAPPED, KeypressMap
from rllib_nethack.errors import ConfigError, suggestion

#: Terminal size of NLE's games and of NLD.
ROWS, COLS = 24, 80


def open_db(path: str | os.PathLike[str]) -> Path:
    """The sqlite index at ``path``, created empty (with its folder) if it does not exist."""
    db = Path(path).expanduser()
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        nld.db.create(str(db))
    return db


def dataset_names(db: Path) -> list[str]:
    """The datasets in the index ``db``."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return [row[0] for row in conn.execute("SELECT dataset_name FROM roots ORDER BY 1")]


def add_directory(
    db: Path, directory: str | os.PathLike[str], name: str, altorg: bool = False
) -> int:
    """Index the games under ``directory`` as dataset ``name``; how many games it holds.

    ``directory`` is the *parent* of NLE savedirs (NLD-AA's ``nle_data``, or the
    ``out=`` of a recording), or with ``altorg=True`` an alt.org tree (NLD-NAO:
    one folder per player, ``xlogfile.*``, ``blacklist.txt``). nle.dataset keeps
    only the games an xlogfile line names. Its progress lines go to stderr.

    Raises:
        ConfigError: no such directory, nothing in it to index, ttyrecs without
            keypresses where NLE ones are expected, or ``name`` already in ``db``.
    """
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise ConfigError(f"dataset directory {str(root)!r} does not exist")
    if name in dataset_names(db):
        raise ConfigError(f"dataset {name!r} is already in {db}; choose another name")
    if altorg:
        if not glob.glob(str(root / "xlogfile.*")) or not (root / "blacklist.txt").exists():
            raise ConfigError(
                f"{root} is not an alt.org (NLD-NAO) tree: it needs xlogfile.* and blacklist.txt"
            )
        add = nld.add_altorg_directory
    else:
        _check_nle_savedirs(root)
        add = nld.add_nledata_directory
    with contextlib.redirect_stdout(sys.stderr):
        add(str(root), name, filename=str(db))
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return int(nld.db.count_games(name, conn=conn))


def _check_nle_savedirs(root: Path) -> None:
    xlogfiles = glob.glob(str(root / "*" / "*.xlogfile"))
    if not xlogfiles:
        raise ConfigError(
            f"{root} holds no NLE savedirs (DIR/<savedir>/nle.<pid>.xlogfile): give the parent "
            "of the savedirs (NLD-AA's nle_data, a recording's out=), or altorg=true for NLD-NAO"
        )
    for xlogfile in xlogfiles:
        stem = xlogfile[: -len(".xlogfile")]
        if glob.glob(stem + ".*.ttyrec.bz2"):
            raise ConfigError(
                f"{stem}.*.ttyrec.bz2 are version-1 ttyrecs, which hold no keypresses; "
                "NLE savedirs need ttyrec2/ttyrec3 files"
            )
        if not glob.glob(stem + ".*.ttyrec*.bz2"):
            raise ConfigError(f"{xlogfile} names games but its savedir holds no ttyrecs")


@dataclass(frozen=True)
class GameFilter:
    """Which games to read, by their xlogfile fields (``None``: any).

    Attributes:
        role, race, gender, align: xlogfile abbreviations (``Val``, ``Hum``, ``Fem``, ``Law``).
        min_score: The least final score (``points``).
        min_turns: The least game length in turns.
        death: ``death`` must contain this text (``"ascended"``, ``"killed by"``).
    """

    role: str | None = None
    race: str | None = None
    gender: str | None = None
    align: str | None = None
    min_score: int | None = None
    min_turns: int | None = None
    death: str | None = None

    def sql(self) -> tuple[str | None, tuple[Any, ...]]:
        """The ``subselect_sql`` and its arguments for ``TtyrecDataset`` (None: every game)."""
        where: list[str] = []
        args: list[Any] = []
        for name in ("role", "race", "gender", "align"):
            value = getattr(self, name)
            if value is not None:
                where.append(f"lower({name}) = lower(?)")
                args.append(value)
        if self.min_score is not None:
            where.append("points >= ?")
            args.append(self.min_score)
        if self.min_turns is not None:
            where.append("turns >= ?")
            args.append(self.min_turns)
        if self.death is not None:
            where.append("death LIKE ?")
            args.append(f"%{self.death}%")
        if not where:
            return None, ()
        return "SELECT gameid FROM games WHERE " + " AND ".join(where), tuple(args)


@dataclass(frozen=True)
class DemoBatch:
    """``[batch_size, seq_length, ...]`` arrays of one stretch of play (copies, yours to keep).

    Attributes:
        tty_chars, tty_colors, tty_cursor: The screen the key was pressed on,
            as the env observes it (uint8 [24, 80], int8 [24, 80], uint8 [2]).
        action: The task's action index of that key, ``-1`` if the task has none.
        keypress: The raw key byte.
        reset: The frame starts a new game (nle.dataset calls this ``done``).
        valid: A frame of a game, not padding after the last one.
        gameid: The game's id in the index (0 for padding).
        score: The in-game score (ttyrec3 only, else 0).
    """

    tty_chars: NDArray[np.uint8]
    tty_colors: NDArray[np.int8]
    tty_cursor: NDArray[np.uint8]
    action: NDArray[np.int64]
    keypress: NDArray[np.uint8]
    reset: NDArray[np.bool_]
    valid: NDArray[np.bool_]
    gameid: NDArray[np.int32]
    score: NDArray[np.int32]

    def frames(self) -> int:
        """How many frames are real (not padding)."""
        return int(self.valid.sum())


class Demonstrations:
    """The games of dataset ``name`` in index ``db``, as batches for ``task``'s actions.

    Args:
        db: The index (:func:`open_db`).
        name: A dataset added with :func:`add_directory`.
        task: Whose action set the keypresses map to (``nethack_seeded``: all 121 keys).
        games: Which games (:class:`GameFilter`); default every game.
        batch_size: Games read side by side (rows of a batch).
        seq_length: Frames per row and batch.
        shuffle: Read the games in a random order (numpy's global RNG, as nle.dataset does).
        keymap: The keypress -> action map (default: the task's own).
        with_actions: Map keypresses to actions. Version-1 ttyrecs (alt.org's,
            NLD-NAO) hold no keypresses: read them with ``with_actions=False``
            (screens only; ``action`` is all ``-1``, nothing counted).
        loop_forever: Each row starts its next game when one ends, for ever
            (training); otherwise rows run out and are padded (``valid`` False).
        threads: Threads decompressing ttyrecs, one row each at a time (0: none).

    Raises:
        ConfigError: no index at ``db``, no dataset ``name``, actions asked of
            ttyrecs without keypresses, or no game passes ``games``.
    """

    def __init__(
        self,
        db: str | os.PathLike[str],
        name: str,
        task: str = "nethack_seeded",
        games: GameFilter | None = None,
        batch_size: int = 1,
        seq_length: int = 32,
        shuffle: bool = False,
        keymap: KeypressMap | None = None,
        with_actions: bool = True,
        loop_forever: bool = False,
        threads: int = 0,
    ) -> None:
        path = Path(db).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"no dataset index at {str(path)!r}: build it with open_db and add_directory"
            )
        names = dataset_names(path)
        if name not in names:
            raise ConfigError(
                f"no dataset {name!r} in {path}{suggestion(name, names)} "
                f"(datasets: {', '.join(names) or 'none yet'})"
            )
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            version = int(nld.db.get_ttyrec_version(name, conn=conn))
        if version < 2 and with_actions:
            raise ConfigError(
                f"dataset {name!r} holds version-1 ttyrecs (alt.org, NLD-NAO), which record no "
                "keypresses: read its screens with with_actions=False"
            )
        sql, args = (games or GameFilter()).sql()
        self._data = nld.TtyrecDataset(
            name,
            batch_size=batch_size,
            seq_length=seq_length,
            rows=ROWS,
            cols=COLS,
            dbfilename=str(path),
            shuffle=shuffle,
            loop_forever=loop_forever,
            subselect_sql=sql,
            subselect_sql_args=args or None,
            threadpool=ThreadPoolExecutor(max_workers=threads) if threads else None,
        )
        selected = self._data._gameids  # nle.dataset's selection (it has no public name)
        if not selected:
            raise ConfigError(f"no game of dataset {name!r} passes {games}")
        if loop_forever and len(selected) < batch_size:
            # Row i reads every batch_size-th game: with fewer games than rows,
            # list them again so that no row is left without one.
            self._data._gameids = [selected[i % len(selected)] for i in range(batch_size)]
        self.keymap: KeypressMap | None = None
        if with_actions:
            self.keymap = keymap if keymap is not None else KeypressMap.for_task(task)

    @property
    def gameids(self) -> list[int]:
        """The selected games, in reading order (without ``shuffle``)."""
        return list(self._data._gameids)

    def paths(self, gameid: int) -> list[str]:
        """The game's ttyrec files, relative to the dataset's root, in order."""
        return list(self._data.get_paths(gameid))

    def meta(self, gameid: int) -> dict[str, Any]:
        """The game's xlogfile fields as indexed (role, points, death, turns, ...)."""
        row = self._data.get_meta(gameid)
        return dict(zip(self._data.get_meta_columns(), row, strict=True)) if row else {}

    def __iter__(self) -> Iterator[DemoBatch]:
        previous: NDArray[np.int32] | None = None
        for raw in self._data:
            gameid = raw["gameids"].copy()
            valid = gameid != 0
            before = np.concatenate(
                [
                    (previous if previous is not None else np.zeros_like(gameid[:, :1])),
                    gameid[:, :-1],
                ],
                axis=1,
            )
            previous = gameid[:, -1:]
            if self.keymap is not None:
                keypress = raw["keypresses"].copy()
                action = self.keymap.indices(keypress, valid)
            else:
                keypress = np.zeros(gameid.shape, dtype=np.uint8)
                action = np.full(gameid.shape, UNMAPPED, dtype=np.int64)
            yield DemoBatch(
                tty_chars=raw["tty_chars"].copy(),
                tty_colors=raw["tty_colors"].copy(),
                tty_cursor=raw["tty_cursor"].astype(np.uint8),
                action=action,
                keypress=keypress,
                reset=valid & (gameid != before),
                valid=valid,
                gameid=gameid,
                score=raw["scores"].copy() if "scores" in raw else np.zeros_like(gameid),
            )

    def report(self) -> str:
        """One line on keypresses the task's actions cannot send, so far (empty if none)."""
        return self.keymap.report() if self.keymap is not None else ""


def read_ttyrec(ttyrec: str | os.PathLike[str], max_frames: int | None = None) -> dict[str, Any]:
    """Every frame of one ttyrec (version 2 or 3), decoded without an index.

    Returns the arrays ``TtyrecDataset`` gives (``tty_chars``, ``tty_colors``,
    ``tty_cursor``, ``timestamps``, ``keypresses``, ``scores``), one row per frame.
    """
    version = 3 if str(ttyrec).endswith("ttyrec3.bz2") else 2
    converter = nld.Converter(ROWS, COLS, version)
    converter.load_ttyrec(str(ttyrec), gameid=1, part=0)
    chunks: list[dict[str, Any]] = []
    total, chunk = 0, 1 if max_frames == 1 else 1024
    while max_frames is None or total < max_frames:
        arrays: dict[str, NDArray[Any]] = {
            "tty_chars": np.zeros((chunk, ROWS, COLS), dtype=np.uint8),
            "tty_colors": np.zeros((chunk, ROWS, COLS), dtype=np.int8),
            "tty_cursor": np.zeros((chunk, 2), dtype=np.int16),
            "timestamps": np.zeros(chunk, dtype=np.int64),
            "keypresses": np.zeros(chunk, dtype=np.uint8),
            "scores": np.zeros(chunk, dtype=np.int32),
        }
        filled = chunk - converter.convert(*arrays.values())
        chunks.append({k: v[:filled] for k, v in arrays.items()})
        total += filled
        if filled < chunk:
            break
    frames = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    return {k: v[:max_frames] for k, v in frames.items()} if max_frames else frames


def first_screen(ttyrec: str | os.PathLike[str]) -> str:
    """The first frame of a ttyrec (NLE's, version 2 or 3) as 24 lines of text.

    NetHack's welcome, which names the character, is on it even when a
    ``--More--`` hides it from the first screen an agent sees.
    """
    chars = read_ttyrec(ttyrec, max_frames=1)["tty_chars"]
    return (
        "\n".join(bytes(row).decode("latin-1").rstrip() for row in chars[0]) if len(chars) else ""
    )
