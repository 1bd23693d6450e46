"""Auto-assignment per department: a new unassigned ticket goes to an available, active
agent of its department, by turns (``round-robin``) or to the least loaded
(``least-loaded``), in the same transaction as its creation, recorded in its history as
done by "system"; the agent it goes to hears of it in their inbox (``assigned``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history, inbox
from console.data.models import Agent, Department, Meta, Ticket, agent_departments
from console.data.outbox import MailSetup
from console.data.workflow import Status

#: The ways a department may hand out its new tickets (None: off).
MODES: tuple[str, ...] = ("round-robin", "least-loaded")


def _turn_key(department_id: int) -> str:
    return f"auto_assign_last:{department_id}"


async def auto_assign(
    session: AsyncSession, setup: MailSetup, ticket: Ticket, now: datetime
) -> dict[str, Any] | None:
    """Give an unassigned new (written) ticket to an agent if its department says so,
    with an ``assigned`` entry in that agent's inbox; the history event to record, or
    None."""
    if ticket.owner_id is not None or ticket.department_id is None:
        return None
    mode = (
        await session.execute(
            select(Department.auto_assign).where(Department.id == ticket.department_id)
        )
    ).scalar_one_or_none()
    if mode not in MODES:
        return None
    agents = list(
        (
            await session.execute(
                select(Agent.id, Agent.username)
                .join(agent_departments, agent_departments.c.agent_id == Agent.id)
                .where(
                    agent_departments.c.department_id == ticket.department_id,
                    Agent.active.is_(True),
                    Agent.availability == "available",
                )
                .order_by(Agent.username)
            )
        ).all()
    )
    if not agents:
        return None
    if mode == "least-loaded":
        load = dict(
            (
                await session.execute(
                    select(Ticket.owner_id, func.count())
                    .where(
                        Ticket.owner_id.in_([a.id for a in agents]),
                        Ticket.status != Status.CLOSED.value,
                    )
                    .group_by(Ticket.owner_id)
                )
            ).all()
        )
        chosen = min(agents, key=lambda a: (load.get(a.id, 0), a.username))
    else:
        key = _turn_key(ticket.department_id)
        turn = await session.get(Meta, key)
        last = turn.value if turn else ""
        chosen = next((a for a in agents if a.username > last), agents[0])
        if turn is None:
            session.add(Meta(key=key, value=chosen.username))
        else:
            turn.value = chosen.username
    ticket.owner_id = chosen.id
    await inbox.add_entries(
        session,
        setup,
        [chosen.id],
        kind=inbox.ASSIGNED,
        sender=history.SYSTEM,
        text=ticket.subject,
        at=now,
        ticket=ticket,
    )
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "actor_kind": history.SYSTEM,
        "actor_id": None,
        "actor_name": history.SYSTEM,
        "at": now,
        "action": "assign",
        "field": history.field_label("owner_id"),
        "old_value": None,
        "new_value": f"{chosen.username} ({mode})",
    }
