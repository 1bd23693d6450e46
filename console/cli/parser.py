"""The parser's common parts: usage errors on exit code 2, the options every command takes
(``--db``, ``--as``, ``--json``), the numbers people type, and the shape of a command on one
ticket."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

#: Refused (workflow, permission, conflict, not found, bad value, database unavailable).
EXIT_REFUSED = 1
#: The command line was not understood.
EXIT_USAGE = 2

#: argparse's sub-parsers action (a private class): where a command adds its sub-commands.
Commands = Any


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on exit code 2 and a hint to --help."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the problem, and exit with ``EXIT_USAGE``."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n(see `{self.prog} --help`)\n")


def common(parser: argparse.ArgumentParser) -> None:
    """``--db`` and ``--as``, which every command on a database takes."""
    # SUPPRESS lets --db/--as stand before or after the subcommand.
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="database URL or SQLite file (env AGENT_CONSOLE_DB)",
    )
    parser.add_argument(
        "--as",
        dest="as_user",
        default=argparse.SUPPRESS,
        metavar="USER",
        help="act as another agent (admins and demo databases only)",
    )


def json_flag(parser: argparse.ArgumentParser) -> None:
    """``--json``: the answer as JSON, for scripts."""
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def number(text: str) -> int:
    """A ticket number as people type it: ``1042`` or ``#1042``."""
    value = text.strip().lstrip("#")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a ticket number (like 1042 or #1042)")
    return int(value)


def positive(text: str) -> int:
    """A whole number above 0 (a count, an id)."""
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def group(commands: Commands, name: str, help_text: str, dest: str) -> Commands:
    """A command with sub-commands of its own (`agent add`, `db upgrade` ...)."""
    parser = commands.add_parser(name, help=help_text)
    sub_commands = parser.add_subparsers(dest=dest, metavar="ACTION", parser_class=Parser)
    sub_commands.required = True
    return sub_commands


def ticket_command(
    commands: Commands, name: str, help_text: str, *, numbered: bool = True
) -> argparse.ArgumentParser:
    """A ``ticket`` sub-command: the common options, ``--json`` and, when it acts on one
    ticket, its NUMBER and ``--expect-version``."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    common(parser)
    json_flag(parser)
    if numbered:
        parser.add_argument("number", type=number, metavar="NUMBER")
        parser.add_argument(
            "--expect-version",
            type=int,
            metavar="V",
            help="refuse if the ticket changed since you saw version V",
        )
    return parser
