"""``agent-console department``: add a department (a queue)."""

from __future__ import annotations

import argparse

from console.cli.output import out, print_json
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``department add``."""
    department_commands = group(
        commands, "department", "departments (queues)", "department_command"
    )
    add = department_commands.add_parser("add", help="add a department (admins)")
    common(add)
    add.add_argument("name")
    add.add_argument("--email", metavar="E")
    json_flag(add)
    add.set_defaults(run=in_session(_add))


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    await Directory(session.db, session.actor).add_department(args.name, email=args.email)
    if args.json:
        print_json({"name": args.name, "email": args.email})
    else:
        out(f"Added department {args.name}.")
    return 0
