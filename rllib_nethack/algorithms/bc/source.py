"""Index, check and open the games a BC run trains on (:mod:`rllib_nethack.datasets`).

:func:`prepare_dataset` runs before Ray starts: it adds ``dataset.path`` to its
``nle.dataset`` index the first time (NetHack's xlogfile names the games) and
opens the selection once, so a missing folder, an empty dataset, ttyrecs
without keypresses or a filter no game passes are one line, not a failure
inside the learner. :func:`open_demonstrations` then reads them for training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from rllib_nethack.datasets import Demonstrations, GameFilter, KeypressMap, add_directory, open_db
from rllib_nethack.datasets.nld import dataset_names
from rllib_nethack.errors import ConfigError

#: The index's file name when ``dataset.db`` is not given: inside the dataset's folder.
DB_NAME = "nld.db"
FILTERS = tuple(f.name for f in fields(GameFilter))


def prepare_dataset(
    dataset: Mapping[str, Any],
    action_keys: list[int],
    who: str = "algo=bc",
    cluster_address: str | None = None,
) -> dict[str, Any]:
    """The data source's settings for the run config's ``dataset`` section.

    Args:
        dataset: ``path``, ``db``, ``name``, the game filters, ``batch_size``,
            ``seq_len``, ``threads``, ``reader``.
        action_keys: The key code of each of the task's actions, by index.
        who: What needs the demonstrations, for the message when there are none.
        cluster_address: ``cluster.address``: where ``reader=auto`` reads
            (:func:`reader_settings`).

    Raises:
        ConfigError: no path, no games, ttyrecs without keypresses, a filter
            that selects no game, an index that cannot be written.
    """
    if not dataset.get("path"):
        raise ConfigError(
            f"{who} needs demonstrations: dataset.path=DIR (the parent of NLE savedirs, "
            "as `python -m rllib_nethack.agents.record` writes them, or NLD-AA's nle_data)"
        )
    path = Path(str(dataset["path"])).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(f"dataset.path: {path} is not a folder")
    name = str(dataset.get("name") or path.name)
    try:
        db = open_db(Path(str(dataset["db"])) if dataset.get("db") else path / DB_NAME)
        if name not in dataset_names(db):
            add_directory(db, path, name)
    except OSError as err:
        where = dataset.get("db") or path / DB_NAME
        raise ConfigError(f"dataset.db: cannot write {where}: {err.strerror or err}") from None
    settings = {
        "db": str(db.resolve()),
        "name": name,
        "filter": {k: dataset.get(k) for k in FILTERS},
        "batch_size": int(dataset.get("batch_size") or 32),
        "seq_len": int(dataset.get("seq_len") or 32),
        "threads": int(dataset.get("threads") or 0),
        "action_keys": [int(k) for k in action_keys],
        **reader_settings(str(dataset.get("reader") or "auto"), cluster_address),
    }
    settings["games"] = len(open_demonstrations(settings, loop_forever=False).gameids)
    return settings


def reader_settings(reader: str, cluster_address: str | None) -> dict[str, Any]:
    """``reader`` (``dataset.reader``) resolved for a run, and the CPUs its actor holds.

    ``auto`` is ``actor`` when the run joins a cluster, else ``local``; also
    ``local`` through Ray Client (``ray://``), where the learner runs on the
    client's machine, which indexed the dataset and may be the only one that
    sees it. On a cluster the actor holds one CPU, so Ray places it where a core
    is free; on the embedded instance it holds none, so it never waits for the
    env runners'.
    """
    if reader == "auto":
        joins = bool(cluster_address) and not str(cluster_address).startswith("ray://")
        reader = "actor" if joins else "local"
    return {"reader": reader, "reader_cpus": 1.0 if cluster_address else 0.0}


def describe_dataset(settings: Mapping[str, Any]) -> str:
    """One line for the run's header: which games, and where they are read."""
    where = "by a Ray actor" if settings.get("reader") == "actor" else "in the learner"
    return f"{settings['name']}: {int(settings['games']):,} games, read {where}"


def open_demonstrations(settings: Mapping[str, Any], loop_forever: bool = True) -> Demonstrations:
    """The prepared selection as training batches: shuffled, each row going on
    to its next game for ever (``loop_forever``)."""
    return Demonstrations(
        settings["db"],
        settings["name"],
        games=GameFilter(**settings["filter"]),
        batch_size=int(settings["batch_size"]),
        seq_length=int(settings["seq_len"]),
        shuffle=True,
        keymap=KeypressMap(settings["action_keys"]),
        loop_forever=loop_forever,
        threads=int(settings["threads"]),
    )
