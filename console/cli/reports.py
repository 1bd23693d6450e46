"""``agent-console report agents|sla|backlog|time|billing``: the dashboard's figures for
scripts, as a table, csv (with a header row) or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from console.cli.output import out
from console.cli.parser import Commands, common
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.figures import Figures, Period

#: The reports, with what each lists.
REPORTS: dict[str, str] = {
    "agents": "per agent: open load by stage, closed, first response, reopen rate, time",
    "sla": "the SLA breaches in the period, with their ticket numbers",
    "backlog": "open tickets now by stage and age",
    "time": "time logged per agent, billable and not",
    "billing": "per account: tickets closed, billable time and the amount",
}

FORMATS = ("table", "csv", "json")

Row = dict[str, Any]


def register(commands: Commands) -> None:
    """``report NAME`` with the period, the team or department and the format."""
    parser = commands.add_parser(
        "report",
        help="figures for a period: " + ", ".join(REPORTS),
        description="; ".join(f"{name}: {what}" for name, what in REPORTS.items()),
    )
    common(parser)
    parser.add_argument("report", choices=tuple(REPORTS), metavar="|".join(REPORTS))
    parser.add_argument(
        "--from", dest="start", metavar="DATE", help="first day (default: 6 days ago)"
    )
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day (default: today)")
    parser.add_argument("--team", metavar="T", help="only the tickets the team's members own")
    parser.add_argument("--department", metavar="D", help="only the department's tickets")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.set_defaults(run=in_session(_report))


def period_of(args: argparse.Namespace, today: date) -> Period:
    """The period the options name (days are UTC days, both included)."""
    from console.data.figures import Period
    from console.data.when import parse_day

    end = parse_day(args.end) if args.end else today
    start = parse_day(args.start) if args.start else end - timedelta(days=6)
    return Period(start, end, team=args.team, department=args.department)


async def _report(args: argparse.Namespace, session: Session) -> int:
    from console.data.figures import Figures, utc_now

    figures = Figures(session.db, session.actor)
    period = period_of(args, utc_now().date())
    rows, columns = await BUILDERS[args.report](figures, period, session)
    show(rows, columns, args.format)
    return 0


def show(rows: list[Row], columns: list[str], fmt: str) -> None:
    """Rows as JSON (a list of objects), csv with a header row, or an aligned table."""
    if fmt == "json":
        # ASCII-only: safe for any terminal and any reader of the file.
        print(json.dumps(rows, indent=2))
        return
    flat = [_flat(row) for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(flat)
        print(buffer.getvalue(), end="")
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in flat]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    out("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        out("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if not cells:
        out("(nothing in this period)")


def _flat(row: Row) -> Row:
    """Nested figures (an agent's open load by stage) as ``open_New``... columns."""
    flat: Row = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for inner, amount in value.items():
                flat[f"{key.removesuffix('_by_stage')}_{inner}"] = amount
        else:
            flat[key] = value
    return flat


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


async def _agents(
    figures: Figures, period: Period, session: Session
) -> tuple[list[Row], list[str]]:
    from console.data.figures import OPEN_STAGES

    rows = [
        {
            "agent": a.agent,
            "team": a.team,
            "availability": a.availability,
            "open": a.open,
            "open_by_stage": a.open_by_stage,
            "closed": a.closed,
            "first_response_median_s": a.first_response_median_s,
            "reopen_rate": a.reopen_rate,
            "time_logged_min": a.time_logged_min,
            "billable_min": a.billable_min,
        }
        for a in await figures.agents(period)
    ]
    columns = [
        "agent",
        "team",
        "availability",
        "open",
        *(f"open_{s}" for s in OPEN_STAGES),
        "closed",
        "first_response_median_s",
        "reopen_rate",
        "time_logged_min",
        "billable_min",
    ]
    return rows, columns


async def _sla(figures: Figures, period: Period, session: Session) -> tuple[list[Row], list[str]]:
    from console.data.records import to_jsonable

    rows = [
        {
            "number": b.number,
            "priority": b.priority,
            "due": to_jsonable(b.due_at),
            "owner": b.owner,
            "department": b.department,
            "status": b.status,
            "subject": b.subject,
        }
        for b in await figures.breaches(period)
    ]
    return rows, ["number", "priority", "due", "owner", "department", "status", "subject"]


async def _backlog(
    figures: Figures, period: Period, session: Session
) -> tuple[list[Row], list[str]]:
    from console.data.figures import AGE_BANDS

    keys = {label: _age_key(label) for label, _upper in AGE_BANDS}
    rows = [
        {"stage": row.stage, **{keys[k]: v for k, v in row.by_age.items()}, "total": row.total}
        for row in await figures.backlog(period)
    ]
    return rows, ["stage", *keys.values(), "total"]


def _age_key(label: str) -> str:
    """An age band as a column name: ``0-1 d`` -> ``age_0_1d``, ``> 7 d`` -> ``age_over_7d``."""
    return "age_" + label.replace("> ", "over_").replace("-", "_").replace(" ", "")


async def _time(figures: Figures, period: Period, session: Session) -> tuple[list[Row], list[str]]:
    rows = [
        {
            "agent": a.agent,
            "billable_min": a.billable_min,
            "non_billable_min": a.non_billable_min,
            "time_logged_min": a.time_logged_min,
        }
        for a in await figures.agents(period)
    ]
    return rows, ["agent", "billable_min", "non_billable_min", "time_logged_min"]


async def _billing(
    figures: Figures, period: Period, session: Session
) -> tuple[list[Row], list[str]]:
    from console.data.figures import Rates, money

    hourly, per_ticket = session.settings.billing_cents()
    rows = [
        {
            "account": b.account,
            "tickets": b.tickets,
            "billable_min": b.billable_min,
            "hourly_rate": money(b.hourly_cents),
            "ticket_price": money(b.ticket_cents),
            "amount": money(b.amount_cents),
        }
        for b in await figures.billing(period, Rates(hourly, per_ticket))
    ]
    return rows, ["account", "tickets", "billable_min", "hourly_rate", "ticket_price", "amount"]


BUILDERS = {
    "agents": _agents,
    "sla": _sla,
    "backlog": _backlog,
    "time": _time,
    "billing": _billing,
}
