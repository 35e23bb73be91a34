"""The pair of files every episode runner leaves: a JSON summary and its CSV table.

Both are written through :func:`rllib_nethack.runs.atomic.write_texts`, so they
replace an earlier run's pair together or not at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rllib_nethack.runs.atomic import write_texts

#: The per-episode table beside every summary.
EPISODES_CSV = "episodes.csv"


def csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows`` as CSV under a header of ``columns``; a missing value (None) is an empty cell."""
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for values in rows:
        writer.writerow({c: "" if values.get(c) is None else values[c] for c in columns})
    return table.getvalue()


def json_text(summary: Mapping[str, Any]) -> str:
    """A summary as its file holds it (indented, keys in the order given, a final newline)."""
    return json.dumps(summary, indent=2) + "\n"


def write_results(
    summary_path: Path,
    summary: Mapping[str, Any],
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    table_path: Path | None = None,
) -> tuple[Path, Path]:
    """Write ``summary`` as JSON and ``rows`` as CSV (beside it, ``episodes.csv``
    unless ``table_path``), both whole or neither; their paths.

    Raises:
        FileWriteError: a file could not be written; both are left as they were.
    """
    table_path = table_path or summary_path.with_name(EPISODES_CSV)
    write_texts({summary_path: json_text(summary), table_path: csv_text(columns, rows)})
    return summary_path, table_path
