"""``agent-console agent``: add an agent, list the agents with their open load."""

from __future__ import annotations

import argparse

from console.cli.output import err, out, print_json, table
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``agent add`` and ``agent list``."""
    agent_commands = group(commands, "agent", "agents", "agent_command")
    add = agent_commands.add_parser("add", help="add an agent (admins)")
    common(add)
    add.add_argument("username")
    add.add_argument("--role", choices=("agent", "lead", "admin"), default="agent")
    add.add_argument("--team", metavar="T")
    add.add_argument("--department", action="append", default=[], metavar="D")
    add.add_argument("--name", dest="display_name", metavar="NAME")
    add.add_argument("--email", metavar="E")
    json_flag(add)
    add.set_defaults(run=in_session(_add, owner=True))
    listing = agent_commands.add_parser("list", help="list agents with their open load")
    common(listing)
    json_flag(listing)
    listing.set_defaults(run=in_session(_list))
    status = agent_commands.add_parser(
        "status", help="set your availability: available, away or off"
    )
    common(status)
    status.add_argument("availability", choices=("available", "away", "off"))
    status.add_argument("--agent", metavar="USER", help="another agent's (leads and admins)")
    status.set_defaults(run=in_session(_status))
    deactivate = agent_commands.add_parser(
        "deactivate", help="an agent who left: keeps its history, cannot act (admins)"
    )
    common(deactivate)
    deactivate.add_argument("username")
    deactivate.set_defaults(run=in_session(_deactivate, owner=True))
    edit = agent_commands.add_parser("edit", help="change an agent (admins)")
    common(edit)
    edit.add_argument("username")
    edit.add_argument("--role", choices=("agent", "lead", "admin"))
    edit.add_argument("--team", metavar="T", help="the team ('' for none)")
    edit.add_argument("--name", dest="display_name", metavar="NAME")
    edit.add_argument("--email", metavar="E")
    edit.add_argument(
        "--department", action="append", metavar="D", help="the departments it works (replaces)"
    )
    json_flag(edit)
    edit.set_defaults(run=in_session(_edit))


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    record = await Directory(session.db, session.actor).add_agent(
        args.username,
        role=args.role,
        team=args.team,
        departments=args.department,
        display_name=args.display_name,
        email=args.email,
    )
    login = await _give_login(session, record.username)
    if args.json:
        print_json(record)
    else:
        out(f"Added {record.username} ({record.role}, team {record.team or '-'}).{login}")
    return 0


async def _give_login(session: Session, username: str) -> str:
    """On a secured PostgreSQL database, the new agent's own login role: what to add to
    the answer (nothing elsewhere)."""
    from console.data.errors import ConsoleError
    from console.data.secure import give_login, is_secured

    if not await is_secured(session.db):
        return ""
    try:
        await give_login(session.db, username)
    except ConsoleError as exc:
        err(f"{username} was added, but has no login role yet: {exc}")
        return ""
    return (
        f" Its PostgreSQL role {username} can log in; give it a password with "
        f"`agent-console db role-password {username}` (none with trust or peer auth)."
    )


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    agents = await Directory(session.db, session.actor).agents()
    if args.json:
        print_json(agents)
    else:
        table(
            ("AGENT", "ROLE", "TEAM", "OPEN", "DEPARTMENTS"),
            (
                (a.username, a.role, a.team or "-", a.open_load, ", ".join(a.departments) or "-")
                for a in agents
            ),
        )
    return 0


async def _status(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    who = args.agent or session.actor.username
    value = await DeskRecords(session.db, session.actor).set_availability(
        args.availability, args.agent
    )
    out(f"{who} is {value}.")
    return 0


async def _deactivate(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords
    from console.data.secure import end_login, is_secured

    await DeskRecords(session.db, session.actor).deactivate_agent(args.username)
    ended = await is_secured(session.db) and await end_login(session.db, args.username)
    login = f" Its PostgreSQL role {args.username} can no longer log in." if ended else ""
    out(f"{args.username} is deactivated: its history stays, it can no longer act.{login}")
    return 0


async def _edit(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    records = DeskRecords(session.db, session.actor)
    await records.edit_agent(
        args.username,
        role=args.role,
        team=args.team,
        display_name=args.display_name,
        email=args.email,
        departments=args.department,
    )
    agent = next(a for a in await records.agents() if a.username == args.username)
    if args.json:
        print_json(agent)
    else:
        out(
            f"{agent.username}: {agent.role}, team {agent.team or '-'}, "
            f"departments {', '.join(agent.departments) or '-'}."
        )
    return 0
