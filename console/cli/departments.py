"""``agent-console department``: add, edit and list departments (queues), with their
address, acknowledgement and closing-notice templates and auto-close days."""

from __future__ import annotations

import argparse
from pathlib import Path

from console.cli.output import out, print_json, table
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``department add``, ``department edit`` and ``department list``."""
    department_commands = group(
        commands, "department", "departments (queues)", "department_command"
    )
    add = department_commands.add_parser("add", help="add a department (admins)")
    common(add)
    add.add_argument("name")
    add.add_argument("--email", metavar="E")
    json_flag(add)
    add.set_defaults(run=in_session(_add))
    listing = department_commands.add_parser(
        "list", help="departments: open tickets, address, mail settings, agents"
    )
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
    edit = department_commands.add_parser(
        "edit",
        help="change a department's address, mail templates, auto-close and auto-assign (admins)",
    )
    common(edit)
    edit.add_argument("name")
    edit.add_argument("--email", metavar="E", help="the address it receives and sends mail at")
    edit.add_argument(
        "--ack-template",
        type=Path,
        metavar="FILE",
        help="the acknowledgement ({number}, {subject}, {contact}, {department})",
    )
    edit.add_argument(
        "--closing-template", type=Path, metavar="FILE", help="the closing notice (same names)"
    )
    ack = edit.add_mutually_exclusive_group()
    ack.add_argument(
        "--no-ack", dest="ack", action="store_false", default=None, help="send no acknowledgement"
    )
    ack.add_argument("--ack", dest="ack", action="store_true", help="send the acknowledgement")
    edit.add_argument(
        "--auto-close-days",
        type=int,
        metavar="N",
        help="close tickets waiting on the customer after N days (-1: never)",
    )
    edit.add_argument(
        "--auto-assign",
        choices=("round-robin", "least-loaded", "off"),
        help="hand new unassigned tickets to available agents",
    )
    edit.set_defaults(run=in_session(_edit))


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    await Directory(session.db, session.actor).add_department(args.name, email=args.email)
    if args.json:
        print_json({"name": args.name, "email": args.email})
    else:
        out(f"Added department {args.name}.")
    return 0


def _read(path: Path | None) -> str | None:
    from console.data.errors import BadValue

    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BadValue(f"Cannot read the template {path}: {why}.") from None


async def _edit(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    await Directory(session.db, session.actor).edit_department(
        args.name,
        email=args.email,
        ack_template=_read(args.ack_template),
        closing_template=_read(args.closing_template),
        ack_enabled=args.ack,
        auto_close_days=args.auto_close_days,
        auto_assign=args.auto_assign,
    )
    out(f"Changed department {args.name}.")
    return 0


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    found = await Directory(session.db, session.actor).departments()
    if args.json:
        print_json(found)
        return 0
    default_days = session.settings.auto_close_days

    def auto_close(days: int | None) -> str:
        days = days if days is not None else default_days
        return "never" if days == -1 else f"after {days} days"

    table(
        (
            "DEPARTMENT",
            "OPEN",
            "EMAIL",
            "ACKNOWLEDGEMENT",
            "CLOSING",
            "AUTO-CLOSE",
            "AUTO-ASSIGN",
            "AGENTS",
        ),
        (
            (
                d.name,
                d.open_tickets,
                d.email or "-",
                ("own template" if d.ack_template else "default") if d.ack_enabled else "off",
                "own template" if d.closing_template else "default",
                auto_close(d.auto_close_days),
                d.auto_assign,
                ", ".join(d.agents) or "-",
            )
            for d in found
        ),
    )
    return 0


async def _remove(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    moved = await DeskRecords(session.db, session.actor).remove_department(
        args.name, move_to=args.move_to
    )
    out(f"Removed department {args.name}; {moved} tickets moved to {args.move_to}.")
    return 0
