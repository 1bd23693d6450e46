"""An SLA breach is recorded when it happens and stays one (console.data.sla)."""

from __future__ import annotations

from sqlalchemy import select

from console.data import history, sla
from console.data.models import Event, SlaBreach
from tests.conftest import Desk


async def _breaches(desk: Desk) -> list[tuple[int, int]]:
    async with desk.db.read() as session:
        rows = await session.execute(
            select(SlaBreach.ticket_number, SlaBreach.priority).order_by(SlaBreach.id)
        )
        return [(r[0], r[1]) for r in rows]


async def _breach_events(desk: Desk) -> list[tuple[int | None, str, str | None]]:
    async with desk.db.read() as session:
        rows = await session.execute(
            select(Event.ticket_number, Event.actor_name, Event.new_value)
            .where(Event.action == history.SLA_BREACH)
            .order_by(Event.id)
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_lowering_the_priority_of_a_breached_ticket_keeps_the_breach(desk: Desk) -> None:
    number = await desk.ticket(priority="High")
    desk.clock.advance(hours=5)  # High is due in 4 h
    record = await desk.service("alice").edit(number, {"priority": "Low"})
    assert record.due > desk.clock.now  # Low: due in 72 h, no longer overdue
    assert await _breaches(desk) == [(number, 1)]  # breached as High
    events = await _breach_events(desk)
    assert events == [(number, "system", "2026-03-02T13:00+00:00")]
    # History (newest first) has the breach before the change that hid it.
    detail = await desk.service("alice").queries.detail(number)
    assert [e.action for e in detail.history] == ["edit", "edit", history.SLA_BREACH, "create"]
    # Closing it later keeps it too.
    await desk.service("alice").close(number)
    await sla.sweep(desk.db, desk.clock.now)
    assert await _breaches(desk) == [(number, 1)]


async def test_the_sweep_records_each_breach_once(desk: Desk) -> None:
    late = await desk.ticket(priority="High")
    on_time = await desk.ticket(priority="High")
    await desk.service("alice").close(on_time)
    not_yet = await desk.ticket(priority="Medium")
    desk.clock.advance(hours=4, minutes=1)
    assert await sla.sweep(desk.db, desk.clock.now) == 1
    assert await sla.sweep(desk.db, desk.clock.now) == 0
    assert await _breaches(desk) == [(late, 1)]
    # Closing after the breach: still a breach.
    await desk.service("alice").close(late)
    desk.clock.advance(hours=21)
    assert await sla.sweep(desk.db, desk.clock.now) == 1
    assert await _breaches(desk) == [(late, 1), (not_yet, 2)]
    assert [e[0] for e in await _breach_events(desk)] == [late, not_yet]


async def test_closing_an_overdue_ticket_records_its_breach_at_once(desk: Desk) -> None:
    number = await desk.ticket(priority="High")
    desk.clock.advance(hours=6)
    await desk.service("alice").close(number)
    assert await _breaches(desk) == [(number, 1)]
    # The sweep after it finds nothing new.
    assert await sla.sweep(desk.db, desk.clock.now) == 0


async def test_a_due_time_edited_into_the_past_is_a_breach(desk: Desk) -> None:
    number = await desk.ticket(priority="Low")
    desk.clock.advance(hours=2)
    await desk.service("alice").edit(number, {"due": desk.clock.now.replace(hour=10)})
    assert await _breaches(desk) == [(number, 3)]
