"""Bulk undo puts back only where the ticket is still at exactly the version the bulk
action wrote: a second agent's change, even one made the moment the bulk action's
transaction committed, is left alone and the report says why."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from console.data.bulk import Bulk, BulkRequest
from console.data.db import Database
from console.data.tickets import TicketService
from console.data.workflow import Action
from tests.conftest import Desk


@dataclass
class ThenSomeoneElse(Database):
    """The desk's database, where another agent acts right after the first write
    transaction commits (the moment chosen by progress, not by the clock)."""

    then: Callable[[], Awaitable[object]] | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with super().write() as session:
            yield session
        if self.then is not None:
            then, self.then = self.then, None
            await then()


async def test_undo_leaves_alone_what_a_second_agent_changed(desk: Desk) -> None:
    first, second = [await desk.ticket("alice", subject=f"Refund {i}") for i in (1, 2)]
    bob = desk.service("bob")
    db = ThenSomeoneElse(desk.db.url, desk.db.engine)
    db.then = lambda: bob.edit(first, {"priority": "High"})
    lena = Bulk(TicketService(db, desk.actors["lena"], clock=desk.clock))
    report = await lena.apply(BulkRequest(Action.ASSIGN, assignee="alice"), [first, second])
    assert report.summary() == "Assign: 2 done."
    desk.clock.advance(minutes=1)

    undone = await lena.undo(report)
    assert undone.summary() == "Undo of assign: 1 put back, 1 left as they are."
    assert [(o.number, o.done) for o in undone.outcomes] == [(first, False), (second, True)]
    assert undone.outcomes[0].message == (
        f"#{first} was changed by bob at 2026-03-02 09:00 UTC (edit) after the assign; "
        "left as it is."
    )
    kept = await desk.service("root").queries.ticket(first)
    assert (kept.owner, kept.priority) == ("alice", "High")  # bob's edit and the assign
    assert (await desk.service("root").queries.ticket(second)).owner is None
