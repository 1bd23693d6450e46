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
    add.set_defaults(run=in_session(_add))
    listing = department_commands.add_parser("list", help="departments, agents, open tickets")
    common(listing)
    json_flag(listing)
    listing.set_defaults(run=in_session(_list))
    remove = department_commands.add_parser(
        "remove", help="remove a department, moving its tickets (admins)"
    )
    common(remove)
    remove.add_argument("name")
    remove.add_argument(
        "--move-to", required=True, metavar="D", help="the department its tickets go to"
    )
    remove.set_defaults(run=in_session(_remove))
    edit = department_commands.add_parser("edit", help="change a department (admins)")
    common(edit)
    edit.add_argument("name")
    edit.add_argument("--email", metavar="E", help="its inbound address ('' for none)")
    edit.add_argument(
        "--auto-assign",
        choices=("round-robin", "least-loaded", "off"),
        help="hand new unassigned tickets to available agents",
    )
    edit.set_defaults(run=in_session(_edit))


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    await Directory(session.db, session.actor).add_department(args.name, email=args.email)
    out(f"Added department {args.name}.")
    return 0


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    departments = await DeskRecords(session.db, session.actor).departments()
    if args.json:
        print_json(departments)
    else:
        out(f"{'department':<20} {'open':<6} {'auto-assign':<13} {'email':<28} agents")
        for d in departments:
            out(
                f"{d.name:<20} {d.open_tickets:<6} {d.auto_assign:<13} {d.email or '-':<28} "
                f"{', '.join(d.agents)}"
            )
    return 0


async def _remove(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    moved = await DeskRecords(session.db, session.actor).remove_department(
        args.name, move_to=args.move_to
    )
    out(f"Removed department {args.name}; {moved} tickets moved to {args.move_to}.")
    return 0


async def _edit(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords
    from console.data.errors import BadValue

    if args.email is None and args.auto_assign is None:
        raise BadValue("Nothing to change; give --email or --auto-assign.")
    await DeskRecords(session.db, session.actor).edit_department(
        args.name, email=args.email, auto_assign=args.auto_assign
    )
    out(f"Department {args.name} changed.")
    return 0
