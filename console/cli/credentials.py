"""``agent-console credentials``: a database's password in the keyring, set or deleted."""

from __future__ import annotations

import argparse
import sys

from console.cli.output import err, out
from console.cli.parser import EXIT_REFUSED, Commands, group
from console.config import Settings


def register(commands: Commands) -> None:
    """``credentials set URL`` and ``credentials delete URL``."""
    credential_commands = group(
        commands, "credentials", "database passwords in the keyring", "credentials_command"
    )
    for name in ("set", "delete"):
        sub = credential_commands.add_parser(name, help=f"{name} the password for a URL")
        sub.add_argument("url")
        sub.set_defaults(run=_credentials)


def _credentials(args: argparse.Namespace, settings: Settings) -> int:
    from console.credentials import KeyringUnavailable, delete_password, store_password
    from console.data.db import password_account

    if args.url.startswith(("imap://", "imaps://")):
        from console.mail.imap import imap_target

        url: str | None = imap_target(args.url).account
    else:
        url = password_account(args.url)
    if url is None:
        err(
            "That database needs no password from the keyring (a SQLite file, or a URL "
            "that carries its password)."
        )
        return EXIT_REFUSED
    try:
        if args.credentials_command == "set":
            if sys.stdin.isatty():
                import getpass

                password = getpass.getpass("Password: ")
            else:
                password = sys.stdin.readline().rstrip("\n")
            if not password:
                err("No password given; nothing was stored.")
                return EXIT_REFUSED
            store_password(url, password)
            out("Stored the password in the keyring (service agent-console).")
        elif delete_password(url):
            out("Deleted the password from the keyring.")
        else:
            out("There was no password stored for that database.")
    except KeyringUnavailable as exc:
        err(
            f"Cannot use the keyring: {exc}. This is common over SSH; set "
            "AGENT_CONSOLE_DB_PASSWORD in the environment instead."
        )
        return EXIT_REFUSED
    return 0
