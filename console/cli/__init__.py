"""`agent-console`: the console, and a scriptable command line over the same services.

Exit codes: 0 done; 1 refused (workflow, permission, conflict, not found, bad value,
database unavailable) with the plain sentence on stderr and nothing changed; 2 usage.

Each command group is a module here that adds its sub-parsers and names the function each
one runs (``set_defaults(run=...)``); ``main`` parses, then runs it.  The ``ticket``
actions are made from the table of actions (``console.cli.ticket_actions``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from console.cli import (
    accounts,
    agents,
    audit,
    canned,
    contacts,
    credentials,
    database,
    demo,
    departments,
    filters,
    inbox,
    kb,
    keys,
    locate,
    mail,
    reports,
    tasks,
    tickets,
    views,
    worker,
)
from console.cli.output import err, refuse
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
    contacts,
    departments,
    credentials,
    locate,
    keys,
    views,
    reports,
    tickets,
    tasks,
    inbox,
    mail,
    kb,
    canned,
    worker,
)


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog="agent-console",
        description="A keyboard-first terminal help desk. Without a command, opens the console.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"agent-console {_version()}",
        help="print the version",
    )
    common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in GROUPS:
        module.register(commands)
    return parser


def _version() -> str:
    try:
        return metadata.version("agent-console")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _launch(settings: Settings, database: str, as_user: str | None) -> int:
    from console.app import run_console

    return run_console(settings, database, as_user)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `agent-console` command."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe is found here, not as Python exits
    except BrokenPipeError:
        # The reader went away (`agent-console keys | head`): stop quietly, as `cat` does.
        _quiet_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command ended by the pipe
    return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so Python's own flush at exit has nowhere to fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    from console.data.errors import ConsoleError

    parser = build_parser()
    args = parser.parse_args(argv)
    # This process's own command line (not a program calling ``main([...])``): only then
    # may a command change the process itself, as the worker lowers its priority.
    args.own_process = argv is None
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
        return refuse(str(exc), as_json=getattr(args, "json", False))
    except KeyboardInterrupt:
        err("Interrupted; nothing more was changed.")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
