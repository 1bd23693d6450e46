"""``agent-console tasks``: my open tasks, calls and events across every ticket I may see,
soonest due first (``--all-open``: everyone's, for task administration)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from console.cli.output import out, print_json, table
from console.cli.parser import Commands, common, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``tasks [--json] [--all-open]``."""
    parser = commands.add_parser(
        "tasks", help="my open tasks, calls and events by due time (--all-open: everyone's)"
    )
    common(parser)
    json_flag(parser)
    parser.add_argument(
        "--all-open",
        action="store_true",
        help="every open activity on the tickets you may see, whoever owns it",
    )
    parser.set_defaults(run=in_session(_tasks))


async def _tasks(args: argparse.Namespace, session: Session) -> int:
    from console.data.queries import Queries
    from console.data.tasks import open_tasks
    from console.data.when import show_local

    tasks = await open_tasks(Queries(session.db, session.actor), everyone=args.all_open)
    now = datetime.now(UTC)
    if args.json:
        print_json(
            [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "title": t.title,
                    "owner": t.owner,
                    "ticket": t.ticket,
                    "subject": t.subject,
                    "due": t.due_at,
                    "reminder": t.reminder_at,
                    "overdue": t.overdue(now),
                    "created_by": t.created_by,
                }
                for t in tasks
            ]
        )
        return 0
    if not tasks:
        out("No open activities." if args.all_open else "No open tasks, calls or events of yours.")
        return 0
    table(
        ("ID", "KIND", "DUE", "REMINDER", "TICKET", "OWNER", "TITLE"),
        (
            (
                t.id,
                t.kind,
                (f"! {show_local(t.due_at)} overdue" if t.overdue(now) else show_local(t.due_at))
                or "-",
                show_local(t.reminder_at) or "-",
                f"#{t.ticket} {t.subject}",
                t.owner or "-",
                t.title,
            )
            for t in tasks
        ),
    )
    return 0
