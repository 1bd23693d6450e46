"""My tasks: the open tasks, calls and events an agent owns, across every ticket they may
see, soonest due first (those with no due time last).

``everyone`` lists the open activities of every owner on those tickets instead (task
administration, seed 003: a lead sees what is planned, and gives work to someone else).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import aliased

from console.data.models import Activity, Agent, Ticket
from console.data.queries import Queries

#: The owner and the creator of an activity, by name.
_OWNER = aliased(Agent, name="activity_owner")
_CREATOR = aliased(Agent, name="activity_creator")


@dataclasses.dataclass(frozen=True)
class TaskRecord:
    """An open activity, with the ticket it is on."""

    id: int
    kind: str
    title: str
    owner: str | None
    due_at: datetime | None
    reminder_at: datetime | None
    #: the ticket's number and subject
    ticket: int
    subject: str
    created_by: str | None
    created_at: datetime

    def overdue(self, now: datetime) -> bool:
        """Whether it was due before ``now`` (and is still open)."""
        return self.due_at is not None and self.due_at < now


async def open_tasks(queries: Queries, *, everyone: bool = False) -> list[TaskRecord]:
    """The open activities the actor owns (``everyone``: anyone's) on the tickets the
    actor may see, by due time, those with none last."""
    async with queries.db.read() as conn:
        scope = await queries.scope(conn)
        stmt = (
            select(
                Activity.id,
                Activity.kind,
                Activity.title,
                _OWNER.username,
                Activity.due_at,
                Activity.reminder_at,
                Ticket.number,
                Ticket.subject,
                _CREATOR.username,
                Activity.created_at,
            )
            .join(Ticket, Ticket.id == Activity.ticket_id)
            .outerjoin(_OWNER, _OWNER.id == Activity.owner_id)
            .outerjoin(_CREATOR, _CREATOR.id == Activity.created_by_id)
            .where(Activity.done == false(), scope.clause())
            .order_by(Activity.due_at.is_(None), Activity.due_at, Activity.id)
        )
        if not everyone:
            stmt = stmt.where(Activity.owner_id == queries.actor.id)
        rows = (await conn.execute(stmt)).all()
    return [
        TaskRecord(
            id=row[0],
            kind=row[1],
            title=row[2],
            owner=row[3],
            due_at=row[4],
            reminder_at=row[5],
            ticket=row[6],
            subject=row[7],
            created_by=row[8],
            created_at=row[9],
        )
        for row in rows
    ]
