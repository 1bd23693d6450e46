"""``agent-console ticket``: create, list and show by hand; every action on a ticket is made
from the table of actions (``console.cli.ticket_actions``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.cli import bulk, ticket_actions
from console.cli.output import detail_json, out, print_json, print_ticket, refuse, row_json, table
from console.cli.parser import Commands, group, positive, text_option, ticket_command
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.records import StageCounts
from console.data.queries import VIEWS
from console.data.workflow import STAGES

VIEW_CHOICES = tuple(VIEWS)
STAGE_CHOICES = tuple(stage.lower() for stage in STAGES)


def register(commands: Commands) -> None:
    """The ``ticket`` command and its sub-commands."""
    actions = group(commands, "ticket", "tickets: create, list, show and every action", "action")

    create = ticket_command(actions, "create", "open a ticket", numbered=False)
    text_option(create, "--subject", required=True)
    create.add_argument("--contact-name", required=True)
    create.add_argument("--contact-email")
    create.add_argument("--contact-phone")
    create.add_argument("--account")
    text_option(create, "--description", default="")
    create.add_argument("--priority", default="Medium", metavar="High|Medium|Low")
    create.add_argument("--channel", default="Email")
    create.add_argument("--department")
    create.add_argument("--category")
    create.add_argument("--subcategory")
    create.add_argument("--product")
    create.add_argument("--due", metavar="WHEN")
    said = create.add_mutually_exclusive_group()
    said.add_argument(
        "--ack",
        dest="ack",
        action="store_true",
        default=None,
        help="mail the department's acknowledgement to the contact (the default when the "
        "contact has an address)",
    )
    said.add_argument("--no-ack", dest="ack", action="store_false", help="send no acknowledgement")
    create.set_defaults(run=in_session(_create))

    listing = ticket_command(actions, "list", "list a queue view", numbered=False)
    listing.add_argument("--view", choices=VIEW_CHOICES, default="all")
    listing.add_argument("--stage", type=str.lower, choices=STAGE_CHOICES, default="all")
    listing.add_argument("--sort", choices=("updated", "due", "priority"), default="updated")
    listing.add_argument("--limit", type=positive, default=50)
    listing.add_argument(
        "--counts", action="store_true", help="how many tickets in each stage of the view"
    )
    listing.add_argument(
        "--filter",
        metavar="FILTER",
        help="the filter language, as typed at / in the console "
        "(e.g. 'status:new prio:high -owner:none printer'; see `agent-console filters`)",
    )
    listing.set_defaults(run=in_session(_list))

    show = ticket_command(actions, "show", "a ticket with every tab")
    show.set_defaults(run=in_session(_show))

    bulk.register(actions, in_session)
    customer = ticket_command(
        actions,
        "customer-message",
        "record a message from the customer by hand (a phone call confirmed by mail)",
    )
    customer.add_argument("--from", dest="from_addr", metavar="ADDR", required=True)
    customer.add_argument("--body-file", type=Path, metavar="FILE", required=True)
    customer.set_defaults(run=in_session(_customer_message))

    ticket_actions.register(actions)


async def _customer_message(args: argparse.Namespace, session: Session) -> int:
    from console.data.errors import BadValue
    from console.data.records import looks_like_email

    if not looks_like_email(args.from_addr):
        raise BadValue(f"{args.from_addr!r} is not an email address (name@example.com).")
    try:
        body = args.body_file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BadValue(f"Cannot read {args.body_file}: {exc.strerror}.") from None
    record = await session.tickets().customer_message(
        args.number, body, contact_email=args.from_addr
    )
    print_ticket(record, as_json=args.json)
    return 0


async def _create(args: argparse.Namespace, session: Session) -> int:
    from console.data.when import parse_when

    record = await session.tickets().create(
        subject=ticket_actions.typed(args, "subject"),
        contact_name=args.contact_name,
        contact_email=args.contact_email,
        contact_phone=args.contact_phone,
        account=args.account,
        description=ticket_actions.typed(args, "description"),
        priority=args.priority,
        channel=args.channel,
        department=args.department,
        category=args.category,
        subcategory=args.subcategory,
        product=args.product,
        due=parse_when(args.due) if args.due else None,
        acknowledge=args.ack,
    )
    print_ticket(record, as_json=args.json)
    return 0


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.filters import FilterError, render_error
    from console.data.queries import Queries, QueueQuery

    filters = (args.filter,) if args.filter is not None else ()
    query = QueueQuery(args.view, args.stage, args.sort, filters=filters)
    try:
        if args.counts:
            return _counts(args, await Queries(session.db, session.actor).counts(query))
        rows = await Queries(session.db, session.actor).window(query, limit=args.limit)
    except FilterError as exc:
        return refuse(render_error(args.filter or "", exc), as_json=args.json)
    if args.json:
        print_json([row_json(row) for row in rows])
    else:
        table(
            ("NUMBER", "PRIORITY", "STATUS", "OWNER", "SUBJECT"),
            ((f"#{r.number}", r.priority, r.status, r.owner or "-", r.subject) for r in rows),
        )
    return 0


def _counts(args: argparse.Namespace, counts: StageCounts) -> int:
    """``ticket list --counts``: the view's stage counts, as the console's stage bar."""
    if args.json:
        print_json({stage: counts[stage] for stage in STAGES})
    else:
        table(("STAGE", "TICKETS"), ((stage, f"{counts[stage]:,}") for stage in STAGES))
    return 0


async def _show(args: argparse.Namespace, session: Session) -> int:
    from console.data.queries import Queries

    detail = await Queries(session.db, session.actor).detail(args.number)
    if args.json:
        print_json(detail_json(detail))
    else:
        out(detail_text(detail))
    return 0


def detail_text(detail: Any) -> str:
    """A ticket with every tab, as ``ticket show`` prints it."""
    from console.data.when import show_local

    t = detail.ticket
    lines = [
        f"#{t.number} {t.subject}",
        f"  status {t.status}   priority {t.priority}   channel {t.channel}",
        f"  owner {t.owner or '-'}   creator {t.creator or '-'}   department {t.department or '-'}",
        f"  contact {t.contact or '-'} <{t.contact_email or ''}>   account {t.account or '-'}"
        f"   AMC {t.amc_state}",
        f"  due {show_local(t.due)}   scheduled {show_local(t.planned_for) or '-'}"
        f"   updated {show_local(t.updated_at)}   version {t.version}",
    ]
    if t.description:
        lines += ["", t.description]
    lines += ["", "Conversation:"]
    lines += [f"  [{m.kind}] {m.author} {show_local(m.at)}: {m.body}" for m in detail.messages]
    lines += ["", "History:"]
    for e in detail.history:
        change = f" {e.field}: {e.old or '-'} -> {e.new or '-'}" if e.field else f" {e.new or ''}"
        lines.append(f"  {show_local(e.at)} {e.actor} {e.action}{change}")
    if detail.approvals:
        lines += ["", "Approvals:"]
        for a in detail.approvals:
            lines.append(
                f"  {a.id}: {a.subject} [{a.state}] by {a.requester} -> {', '.join(a.approvers)}"
            )
    if detail.resolution:
        lines += ["", "Resolution:", f"  {detail.resolution.text}"]
    if detail.activities:
        lines += ["", "Activities:"]
        for act in detail.activities:
            mark = "x" if act.done else " "
            lines.append(f"  [{mark}] {act.id}: {act.kind} {act.title} ({act.owner or '-'})")
    if detail.time_entries:
        lines += ["", f"Time log: {detail.total_minutes} min, {detail.billable_minutes} billable"]
    if detail.attachments:
        lines += ["", "Attachments:"]
        lines += [
            f"  {a.id}: {a.file_name} ({a.media_type}, {a.size} bytes)" for a in detail.attachments
        ]
    return "\n".join(lines)
