"""The parser's common parts: usage errors on exit code 2, the options every command takes
(``--db``, ``--as``, ``--json``), the numbers people type, and the shape of a command on one
ticket."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

#: Refused (workflow, permission, conflict, not found, bad value, database unavailable).
EXIT_REFUSED = 1
#: The command line was not understood.
EXIT_USAGE = 2

#: argparse's sub-parsers action (a private class): where a command adds its sub-commands.
Commands = Any


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on exit code 2 and a hint to --help; an option a
    sub-command does not know is reported with that sub-command's usage."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the problem, and exit with ``EXIT_USAGE``."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n(see `{self.prog} --help`)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse, refusing what is left over here rather than in the top-level parser
        (argparse hands a sub-command's unknown options up, to be reported with the
        top-level usage, which does not list them)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


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


def text_option(
    parser: argparse.ArgumentParser,
    flag: str,
    *,
    required: bool = False,
    default: Any = None,
    metavar: str = "TEXT",
    help: str = "",
) -> argparse.Action:
    """``--X TEXT`` and, instead of it, ``--X-file PATH`` (``-``: standard input), for text
    too long for a command line; one of them is needed when the text is.  The file's
    path is kept under ``<dest>_file`` (read by ``read_text_file`` when the command runs)."""
    either = parser.add_mutually_exclusive_group(required=required)
    action = either.add_argument(flag, default=default, metavar=metavar, help=help or None)
    either.add_argument(
        f"{flag}-file",
        dest=f"{action.dest}_file",
        metavar="PATH",
        help=f"read {flag.lstrip('-')} from a file (- for standard input)",
    )
    return action


def takes_text(option: Any) -> bool:
    """Whether an action's option is text a person writes (a body, a title, a comment),
    not a name or a choice: the options that also take ``--X-file``."""
    return (
        option.kind == "text"
        and option.flag.startswith("--")
        and not option.choices
        and not option.many
        and not option.repeat
        and option.metavar not in ("USER", "NUMBER", "WHEN", "WHEN|none")
        and option.flag not in _WORDS
    )


#: Text options that take a word, not writing: no file for them.
_WORDS = ("--priority", "--channel", "--department")


def read_text_file(path: str) -> str:
    """The text of ``--X-file PATH``: the file's, or standard input's for ``-`` (UTF-8)."""
    from console.data.errors import BadValue

    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise BadValue(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        where = "standard input" if path == "-" else path
        raise BadValue(f"{where} is not UTF-8 text (byte {exc.start + 1}).") from None


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
