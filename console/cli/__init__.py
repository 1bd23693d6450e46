"""`agent-console`: the console, and a scriptable command line over the same services.

Exit codes: 0 done; 1 refused (workflow, permission, conflict, not found, bad value,
database unavailable) with the plain sentence on stderr and nothing changed; 2 usage.

Each command group is a module here that adds its sub-parsers and names the function each
one runs (``set_defaults(run=...)``); ``main`` parses, then runs it.  The ``ticket``
actions are made from the table of actions (``console.cli.ticket_actions``).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Sequence

from console.cli import (
    accounts,
    agents,
    audit,
    credentials,
    database,
    demo,
    departments,
    filters,
    keys,
    locate,
    mail,
    tickets,
    worker,
)
from console.cli.output import err
from console.cli.parser import EXIT_REFUSED, EXIT_USAGE, Parser, common
from console.cli.session import target
from console.config import Settings, create_config_file, load_settings

__all__ = ["EXIT_REFUSED", "EXIT_USAGE", "Parser", "build_parser", "main"]

#: The command groups, in the order ``agent-console --help`` lists them.
GROUPS = (
    demo,
    database,
    filters,
    audit,
    agents,
    accounts,
    departments,
    credentials,
    locate,
    keys,
    tickets,
    mail,
    worker,
)


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog="agent-console",
        description="A keyboard-first terminal help desk. Without a command, opens the console.",
    )
    common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in GROUPS:
        module.register(commands)
    return parser


def _launch(settings: Settings, database: str, as_user: str | None) -> int:
    from console.app import run_console

    return run_console(settings, database, as_user)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `agent-console` command."""
    from console.data.errors import ConsoleError

    parser = build_parser()
    args = parser.parse_args(argv)
    create_config_file()  # first run: the commented template, if none is there yet
    settings = load_settings()
    for problem in settings.problems:
        err(problem)
    if args.command is None:
        return _launch(settings, target(args, settings), getattr(args, "as_user", None))
    try:
        result = args.run(args, settings)
        # Commands on a database are coroutines, run on one event loop each.
        code: int = asyncio.run(result) if inspect.iscoroutine(result) else result
        launch = getattr(args, "launch_target", None)
        if code == 0 and launch:
            return _launch(settings, launch, getattr(args, "as_user", None))
        return code
    except ConsoleError as exc:
        err(str(exc))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        err("Interrupted; nothing more was changed.")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
