"""``python -m rllib_nethack.tasks``: list every task (name, family, description, aliases)."""

from __future__ import annotations

import argparse
import json

from rllib_nethack.config.cli import task_table
from rllib_nethack.envs.catalog import all_task_specs


def main() -> None:
    """Entry point of ``python -m rllib_nethack.tasks``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--family", choices=["nethack", "minihack"], help="only this family")
    parser.add_argument("--json", action="store_true", help="one JSON object per task")
    args = parser.parse_args()
    specs = [s for s in all_task_specs() if args.family in (None, s.family)]
    if args.json:
        for s in specs:
            print(
                json.dumps(
                    {
                        "name": s.name,
                        "family": s.family,
                        "aliases": list(s.aliases),
                        "description": s.description,
                    }
                )
            )
        return
    print(task_table(specs))


if __name__ == "__main__":
    main()
