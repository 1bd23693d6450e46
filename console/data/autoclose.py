"""Auto-close (seed 003): a ticket whose last message is ours and that has waited on the
customer for N days closes by itself, with a "system" history event and the closing
notice.  N is the department's ``auto_close_days`` or ``[auto_close] days`` (-1: never).
The worker runs it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from console.data.audit import append_events
from console.data.db import Database
from console.data.models import Department, Message, Ticket
from console.data.outbox import CLOSING, MailSetup, notice_mail, queue_mail, system_event
from console.data.workflow import Status


async def auto_close(db: Database, setup: MailSetup, now: datetime, limit: int = 500) -> list[int]:
    """Close every ticket that has waited on the customer long enough; their numbers."""
    ours = func.max(Message.created_at).filter(Message.kind == "reply")
    theirs = func.max(Message.created_at).filter(
        and_(Message.kind == "customer", Message.automatic.is_(False))
    )
    last = (
        select(Message.ticket_id, ours.label("ours"), theirs.label("theirs"))
        .group_by(Message.ticket_id)
        .subquery()
    )
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Ticket.number, Department.auto_close_days, last.c.ours)
                .join(last, last.c.ticket_id == Ticket.id)
                .outerjoin(Department, Department.id == Ticket.department_id)
                .where(
                    Ticket.status != Status.CLOSED.value,
                    Ticket.merged_into_id.is_(None),
                    last.c.ours.is_not(None),
                    last.c.ours < now - timedelta(days=1),
                    (last.c.theirs.is_(None)) | (last.c.theirs < last.c.ours),
                )
                .order_by(last.c.ours)
                .limit(limit)
            )
        ).all()
    closed = []
    for number, dept_days, replied in rows:
        days = dept_days if dept_days is not None else setup.auto_close_days
        if days == -1 or replied > now - timedelta(days=days):
            continue
        if await _close(db, setup, number, now, days):
            closed.append(number)
    return closed


async def _close(db: Database, setup: MailSetup, number: int, now: datetime, days: int) -> bool:
    async with db.write() as session:
        ticket = (
            await session.execute(select(Ticket).where(Ticket.number == number).with_for_update())
        ).scalar_one_or_none()
        if ticket is None or ticket.status == Status.CLOSED.value:
            return False
        old = ticket.status
        ticket.status = Status.CLOSED.value
        ticket.closed_at = now
        ticket.updated_at = now
        events = [
            {
                **system_event(ticket, now, None),
                "action": "close",
                "field": "status",
                "old_value": old,
                "new_value": Status.CLOSED.value,
            }
        ]
        item = await notice_mail(session, ticket, CLOSING)
        if item is not None:
            held = await queue_mail(session, setup, ticket, item, now)
            if isinstance(held, str) and not held.startswith("not mailed"):
                events.append(system_event(ticket, now, held))
        await session.flush()
        await append_events(session, events)
        await db.notify(session, str(number))
    return True
