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
    password = db_commands.add_parser(
        "role-password",
        help="PostgreSQL: set the password of an agent's own role (read from a prompt or a file)",
    )
    common(password)
    password.add_argument("username", help="the agent (its role has its name)")
    password.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password from the first line of FILE (- for stdin), not a prompt",
    )
    password.set_defaults(run=with_database(_role_password))


async def _upgrade(args: argparse.Namespace, db: Database) -> int:
    from console.data.secure import is_secured, secure

    # Opening a database migrates it (console.session.open_database): what is left is to
    # grant the agents' roles the tables a migration may have added.
    again = " Row-level security is on again for its new tables." if await is_secured(db) else ""
    if again:
        await secure(db)
    out(f"{db.label} is at the current schema.{again}")
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
        "password (`agent-console db role-password NAME`) or another way to log in, and "
        'put security = "database" in the agents\' config file.'
    )
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """The new password: from ``--password-file`` (``-``: stdin), else typed twice at the
    terminal; never from the command line, where other users' ``ps`` would see it."""
    import getpass
    import sys

    from console.data.errors import BadValue

    if args.password_file:
        try:
            if args.password_file == "-":
                line = sys.stdin.readline()
            else:
                with open(args.password_file, encoding="utf-8") as file:
                    line = file.readline()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise BadValue(
                f"Cannot read {args.password_file} ({reason}); nothing changed."
            ) from None
        password = line.rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"New password for {args.username}: ")
        if password and getpass.getpass("The same again: ") != password:
            raise BadValue("The two passwords differ; nothing changed.")
    else:
        raise BadValue(
            "No terminal to type the password at: give it with --password-file FILE "
            "(- for stdin); nothing changed."
        )
    if not password:
        raise BadValue("The password is empty; nothing changed.")
    return password


async def _role_password(args: argparse.Namespace, db: Database) -> int:
    import asyncio

    from console.credentials import KeyringUnavailable, store_password
    from console.data.db import shown_url
    from console.data.directory import os_login
    from console.data.secure import role_account, role_url, set_role_password

    if db.is_sqlite:
        from console.data.errors import Refused
        from console.data.secure import SQLITE_HAS_NO_ROLES

        raise Refused(SQLITE_HAS_NO_ROLES)
    password = _read_password(args)
    await set_role_password(db, args.username, password)
    own = role_url(db.url, args.username)
    said = f"The PostgreSQL role {args.username} has its new password."
    if args.username != os_login():
        out(
            f"{said} {args.username} keeps it in their own keyring with `agent-console "
            f"credentials set {shown_url(own)}` (or AGENT_CONSOLE_DB_PASSWORD)."
        )
        return 0
    account = role_account(db.url, args.username)
    try:
        await asyncio.to_thread(store_password, account, password)
    except KeyringUnavailable as exc:
        out(f"{said} It could not be kept in your keyring ({exc}): set AGENT_CONSOLE_DB_PASSWORD.")
        return 0
    out(f"{said} It is kept in your keyring for your own logins (account {account}).")
    return 0
