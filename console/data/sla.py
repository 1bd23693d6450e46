"""SLA breaches, recorded when they happen.

A ticket breaches its SLA at its due time if it is still open then.  Nothing runs at that
moment, so the breach is recorded at the first of:

- **any change to the ticket** (``Frame._begin`` before the change, ``Frame._finish``
  after it, so a close, a lowered priority or a due time edited into the past all see
  it), and a customer's mail that reopens it;
- **a sweep** (``sweep``): every report and the dashboard sweep before they read, and a
  worker may call it on a timer.  The sweep reads only the tickets that fell due since
  the last sweep (a watermark in ``meta``), on the ``(status, due_at)`` index.

A breach is a row of ``sla_breaches`` (the reports read it) and a history event by
"system"; it stays when the priority is lowered or the ticket closed afterwards.  One
breach per ticket and due time: a due time moved later and missed again is a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.audit import append_events
from console.data.db import Database
from console.data.models import Meta, SlaBreach, Ticket
from console.data.workflow import Status

#: The ``meta`` key holding the due time up to which the sweep has looked.
SWEPT_KEY = "sla_swept_until"

#: The stages in which a ticket's SLA runs.
OPEN_STAGES: tuple[str, ...] = tuple(s.value for s in Status if s is not Status.CLOSED)


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which can skip a breach already recorded."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(SlaBreach)


def breach_event(ticket_id: int, number: int, due_at: datetime, now: datetime) -> dict[str, Any]:
    """The history event of a breach: by the desk itself, naming the missed due time."""
    return {
        "ticket_id": ticket_id,
        "ticket_number": number,
        "actor_kind": history.SYSTEM,
        "actor_id": None,
        "actor_name": history.SYSTEM,
        "at": now,
        "action": history.SLA_BREACH,
        "field": history.field_label("due_at"),
        "old_value": None,
        "new_value": history.shown(due_at),
    }


def _row(ticket: Any) -> dict[str, Any]:
    """The breach row of a ticket (a loaded ``Ticket`` or a row of its columns)."""
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "priority": ticket.priority,
        "due_at": ticket.due_at,
        "department_id": ticket.department_id,
        "owner_id": ticket.owner_id,
    }


async def _record(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """Insert breach rows, skipping those already there; the ticket ids newly recorded."""
    if not rows:
        return []
    stmt = (
        _insert(session)
        .values([{**row, "recorded_at": now} for row in rows])
        .on_conflict_do_nothing(index_elements=["ticket_id", "due_at"])
        .returning(SlaBreach.ticket_id)
    )
    return list((await session.execute(stmt)).scalars())


async def check_ticket(
    session: AsyncSession, ticket: Ticket, now: datetime
) -> dict[str, Any] | None:
    """Record the ticket's breach if it is open and past due (inside the caller's write
    transaction, the ticket locked); the history event to append, or None."""
    if ticket.status == Status.CLOSED.value or ticket.due_at > now:
        return None
    if not await _record(session, [_row(ticket)], now):
        return None
    return breach_event(ticket.id, ticket.number, ticket.due_at, now)


async def sweep(db: Database, now: datetime) -> int:
    """Record every breach since the last sweep; how many were new."""
    async with db.read() as session:
        mark = (
            await session.execute(select(Meta.value).where(Meta.key == SWEPT_KEY))
        ).scalar_one_or_none()
        since = datetime.fromisoformat(mark) if mark else None
        stmt = select(
            Ticket.id,
            Ticket.number,
            Ticket.priority,
            Ticket.due_at,
            Ticket.department_id,
            Ticket.owner_id,
        ).where(Ticket.status.in_(OPEN_STAGES), Ticket.due_at <= now)
        if since is not None:
            if since >= now:
                return 0
            stmt = stmt.where(Ticket.due_at > since)
        due = (await session.execute(stmt)).all()
    async with db.write() as session:
        rows = [_row(r) for r in due]
        recorded: set[int] = set()
        for start in range(0, len(rows), 500):
            recorded.update(await _record(session, rows[start : start + 500], now))
        events = [
            breach_event(r["ticket_id"], r["ticket_number"], r["due_at"], now)
            for r in rows
            if r["ticket_id"] in recorded
        ]
        for start in range(0, len(events), 500):
            await append_events(session, events[start : start + 500])
        await set_watermark(session, now)
    return len(events)


async def set_watermark(session: AsyncSession, moment: datetime) -> None:
    """Remember that every breach up to ``moment`` is recorded (the demo says so too)."""
    existing = await session.get(Meta, SWEPT_KEY)
    value = moment.isoformat()
    if existing is None:
        session.add(Meta(key=SWEPT_KEY, value=value))
    elif datetime.fromisoformat(existing.value) < moment:
        existing.value = value
