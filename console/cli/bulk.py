"""``agent-console ticket bulk ACTION --filter F``: one action on every ticket a filter
finds, as the console's bulk action does it (``console.data.bulk``): the preview (what
changes, what is refused and why), then each ticket in its own transaction and the report
ticket by ticket.  ``--dry-run`` stops after the preview."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from console.cli.output import err, out, print_json, refuse
from console.cli.parser import Commands, positive, text_option, ticket_command
from console.cli.session import Session
from console.data.actions import BULK
from console.data.queries import VIEWS
from console.data.workflow import STAGES

if TYPE_CHECKING:
    from console.data.bulk import Preview, Report

#: The bulk actions by their command-line verb (``pickup``, ``assign`` ...).
VERBS = {action.verbs[0].words[-1]: action.id for action in BULK}
#: Most tickets one bulk action takes (as many as ``*`` tags in the console).
LIMIT = 5000
SUBJECT_WIDTH = 40


def register(actions: Commands, run: Any) -> None:
    """``ticket bulk``; ``run`` wraps the command in a session."""
    bulk = ticket_command(
        actions,
        "bulk",
        "one action on every ticket a filter finds: a preview, then a report by ticket",
        numbered=False,
    )
    bulk.add_argument("action", choices=tuple(VERBS), metavar="|".join(VERBS))
    bulk.add_argument(
        "--filter", required=True, metavar="FILTER", help="which tickets, as typed at /"
    )
    bulk.add_argument("--view", choices=tuple(VIEWS), default="all")
    bulk.add_argument(
        "--stage", type=str.lower, choices=tuple(s.lower() for s in STAGES), default="all"
    )
    bulk.add_argument("--to", metavar="USER", help="assign: the agent")
    bulk.add_argument("--at", metavar="WHEN", help="schedule: when (+2h, 2026-12-24 09:00)")
    text_option(bulk, "--resolution", help="close: the resolution for all of them")
    bulk.add_argument("--dry-run", action="store_true", help="only the preview; change nothing")
    bulk.add_argument(
        "--limit", type=positive, default=LIMIT, metavar="N", help=f"at most N tickets ({LIMIT})"
    )
    bulk.set_defaults(run=run(_bulk))


async def _bulk(args: argparse.Namespace, session: Session) -> int:
    from console.cli.ticket_actions import typed
    from console.data.bulk import Bulk, BulkRequest
    from console.data.filters import FilterError, render_error
    from console.data.queries import Queries, QueueQuery
    from console.data.when import parse_when
    from console.data.workflow import Action

    request = BulkRequest(
        Action(VERBS[args.action]),
        assignee=args.to,
        at=parse_when(args.at) if args.at else None,
        resolution=typed(args, "resolution") or None,
    )
    query = QueueQuery(args.view, args.stage, filters=(args.filter,))
    try:
        numbers, total = await Queries(session.db, session.actor).numbers(query, limit=args.limit)
    except FilterError as exc:
        return refuse(render_error(args.filter, exc), as_json=args.json)
    if total > len(numbers):
        return refuse(
            f"{total:,} tickets match; a bulk action takes at most {args.limit:,} "
            "(--limit): narrow the filter.",
            as_json=args.json,
        )
    bulk = Bulk(session.tickets())
    preview = await bulk.preview(request, numbers)
    if not args.json:
        show_preview(preview, args.filter)
    report = None
    if not args.dry_run and preview.changes:
        report = await bulk.apply(request, [number for number, _ in preview.changes])
        if not args.json:
            show_report(report)
    if args.json:
        print_json(bulk_json(preview, report))
    if args.dry_run:
        return 0
    if report is None or not report.done:
        return refuse("Nothing was changed.", as_json=args.json)
    return 0


def _line(number: int, subject: str, what: str) -> str:
    from console.safe import clean

    subject = clean(subject, single_line=True)
    if len(subject) > SUBJECT_WIDTH:
        subject = subject[: SUBJECT_WIDTH - 1] + "…"
    return f"  #{number:<7} {subject:<{SUBJECT_WIDTH}}  {clean(what, single_line=True)}"


def show_preview(preview: Preview, filter_text: str) -> None:
    """The console's preview, as lines."""
    name = preview.request.name
    found = preview.total
    out(f"{name}: {found:,} ticket{'s' if found != 1 else ''} found by {filter_text!r}.")
    for heading, refused, rows in preview.sections():
        if refused:
            out("")
        out(heading + ":")
        for number, subject, what in rows:
            out(_line(number, subject, what))


def show_report(report: Report) -> None:
    """What happened to each ticket, then the sum."""
    out("")
    for outcome in report.outcomes:
        mark = "✓" if outcome.done else "✗"
        out(f"  {mark} #{outcome.number:<7} {outcome.message}")
    err(report.summary())


def bulk_json(preview: Preview, report: Report | None) -> dict[str, Any]:
    """The preview and the report for scripts (``report`` is None after ``--dry-run``)."""
    return {
        "action": preview.request.name.lower(),
        "changes": [
            {"number": n, "subject": preview.subjects.get(n, ""), "change": what}
            for n, what in preview.changes
        ],
        "refused": [
            {"number": n, "subject": preview.subjects.get(n, ""), "reason": why}
            for n, why in preview.refused
        ],
        "report": None
        if report is None
        else [{"number": o.number, "done": o.done, "message": o.message} for o in report.outcomes],
        "summary": None if report is None else report.summary(),
    }
