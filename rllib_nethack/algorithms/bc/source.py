"""Find, index and open the games a BC run trains on, through ``nle.dataset``.

:func:`prepare_dataset` runs before Ray starts: it indexes ``dataset.path``
into an ``nle.dataset`` database once (NetHack's xlogfile names the games) and
checks what a run needs, so a missing folder, an empty dataset or ttyrecs
without keypresses are one line, not a failure inside the learner.
:func:`open_minibatches` then reads them as ``TtyrecDataset`` minibatches.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rllib_nethack.errors import ConfigError

#: ``nle.dataset``'s ttyrec version from which each frame has its keypress.
KEYPRESS_VERSION = 2
DB_NAME = "nld.db"


def _default_db(path: Path) -> Path:
    return path / DB_NAME


def prepare_dataset(dataset: Mapping[str, Any], action_keys: list[int]) -> dict[str, Any]:
    """The data source's settings for the run config's ``dataset`` section.

    Args:
        dataset: ``path``, ``db``, ``name``, ``sql``, ``batch_size``, ``seq_len``, ``threads``.
        action_keys: The key code of each of the task's actions, by index.

    Raises:
        ConfigError: no path, a path that is not a folder, no games, or games
            whose ttyrecs have no keypresses.
    """
    import nle.dataset as nld

    if not dataset.get("path"):
        raise ConfigError(
            "algo=bc needs demonstrations: dataset.path=DIR (a folder of NLE savedirs)"
        )
    path = Path(str(dataset["path"])).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(f"dataset.path: {path} is not a folder")
    db = Path(str(dataset["db"])).expanduser().resolve() if dataset.get("db") else _default_db(path)
    name = str(dataset.get("name") or path.name)
    quiet = contextlib.redirect_stdout(io.StringIO())  # nle.dataset prints its progress
    try:
        if not db.exists():
            with quiet:
                nld.db.create(str(db))
        with nld.db.connect(str(db)) as conn:
            known = name in {row[0] for row in conn.execute("SELECT dataset_name FROM roots")}
        if not known:
            with quiet:
                nld.populate_db.add_nledata_directory(str(path), name, str(db))
        with nld.db.connect(str(db)) as conn:
            games = nld.db.count_games(name, conn=conn)
            version = nld.db.get_ttyrec_version(name, conn=conn)
            if dataset.get("sql"):
                games = len(conn.execute(str(dataset["sql"])).fetchall())
    except OSError as err:
        raise ConfigError(f"dataset.db: cannot write {db}: {err.strerror or err}") from None
    except Exception as err:  # sqlite3 errors: a bad dataset.sql, a damaged database
        raise ConfigError(f"dataset: {type(err).__name__}: {err}") from None
    if games == 0:
        raise ConfigError(
            f"dataset.path: no finished games under {path} (nle.dataset keeps the games "
            f"an xlogfile names{'; and dataset.sql selects none' if dataset.get('sql') else ''})"
        )
    if version < KEYPRESS_VERSION:
        raise ConfigError(
            f"dataset.path: the ttyrecs under {path} are version {version}, without "
            f"keypresses: BC needs ttyrec version {KEYPRESS_VERSION} or later"
        )
    return {
        "db": str(db),
        "name": name,
        "sql": dataset.get("sql"),
        "batch_size": int(dataset.get("batch_size") or 32),
        "seq_len": int(dataset.get("seq_len") or 32),
        "threads": int(dataset.get("threads") or 2),
        "games": int(games),
        "action_keys": [int(k) for k in action_keys],
    }


def open_minibatches(settings: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Minibatches of the prepared dataset, each lane cycling through its share
    of the games for ever (``TtyrecDataset`` with ``loop_forever``)."""
    import nle.dataset as nld

    # TtyrecDataset shuffles with numpy's global RNG.
    np.random.seed(int(settings.get("seed") or 0))
    lanes = int(settings["batch_size"])
    dataset = nld.TtyrecDataset(
        settings["name"],
        batch_size=lanes,
        seq_length=int(settings["seq_len"]),
        dbfilename=str(settings["db"]),
        threadpool=ThreadPoolExecutor(max_workers=int(settings["threads"])),
        shuffle=True,
        loop_forever=True,
        subselect_sql=settings.get("sql"),
    )
    # Each lane takes every B-th game: with fewer games than lanes, list each
    # game again so that no lane is left without one.
    games = list(dataset._gameids)
    if games and len(games) < lanes:
        dataset._gameids = [games[i % len(games)] for i in range(lanes)]
    return iter(dataset)
