"""``agent-console db``: create or migrate the schema, back up a SQLite database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.output import out
from console.cli.parser import Commands, common, group
from console.cli.session import with_database

if TYPE_CHECKING:
    from console.data.db import Database


def register(commands: Commands) -> None:
    """``db upgrade``, ``db backup`` and ``db secure``."""
    db_commands = group(commands, "db", "database upkeep", "db_command")
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the schema")
    common(upgrade)
    upgrade.set_defaults(run=with_database(_upgrade))
    backup = db_commands.add_parser(
        "backup", help="a consistent copy of the SQLite database, taken while others work"
    )
    common(backup)
    backup.add_argument("path", help="file (or folder) to write the copy to")
    backup.set_defaults(run=with_database(_backup))
    secure = db_commands.add_parser(
        "secure",
        help="PostgreSQL: a role per agent, and row-level security giving each its scope",
    )
    common(secure)
    secure.set_defaults(run=with_database(_secure))


async def _upgrade(args: argparse.Namespace, db: Database) -> int:
    # Opening a database migrates it (console.session.open_database): nothing is left to do.
    out(f"{db.label} is at the current schema.")
    return 0


async def _backup(args: argparse.Namespace, db: Database) -> int:
    from console.data.backup import backup

    pages = await backup(db, Path(args.path))
    out(f"Backed up {db.label} to {args.path} ({pages:,} pages).")
    return 0


async def _secure(args: argparse.Namespace, db: Database) -> int:
    from console.data.secure import secure

    created = await secure(db)
    roles = f"roles created: {', '.join(created)}" if created else "no new roles"
    out(
        f"Row-level security is on for {db.label} ({roles}): each agent's role sees and "
        "changes only the tickets the console gives that agent. Give the new roles a "
        "password (ALTER ROLE name PASSWORD ...) or another way to log in."
    )
    return 0
