"""Tag, then act: the preview, per-ticket transactions with refusals reported, and undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from console.data.bulk import Bulk, BulkRequest
from console.data.errors import BadValue
from console.data.models import Event, Ticket
from console.data.workflow import Action
from tests.conftest import Desk


async def state(desk: Desk, numbers: list[int]) -> dict[int, tuple[str, str | None]]:
    out = {}
    for n in numbers:
        t = await desk.service("root").queries.ticket(n)
        out[n] = (t.status, t.owner)
    return out


async def event_count(desk: Desk) -> int:
    async with desk.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Event))).scalar_one())


@pytest.fixture
async def batch(desk: Desk) -> list[int]:
    numbers = [await desk.ticket("alice", subject=f"Batch {i}") for i in range(5)]
    await desk.service("bob").pick_up(numbers[1])  # owned by someone else
    await desk.service("alice").close(numbers[2], resolution="done")  # closed
    return numbers


async def test_preview_says_what_changes_and_what_is_refused_and_writes_nothing(
    desk: Desk, batch: list[int]
) -> None:
    outside = await desk.ticket(
        "carl", department="Network", account="Oldco", subject="Not Billing's"
    )
    before, events = await state(desk, batch), await event_count(desk)
    preview = await Bulk(desk.service("alice")).preview(
        BulkRequest(Action.PICK_UP), [*batch, outside]
    )
    assert [n for n, _ in preview.changes] == [batch[0], batch[3], batch[4]]
    assert all(change == "owner — → alice" for _, change in preview.changes)
    assert dict(preview.refused) == {
        batch[1]: f"Pick up needs an unassigned ticket; #{batch[1]} is owned by bob.",
        batch[2]: f"Pick up needs an open ticket; #{batch[2]} is Closed.",
        outside: f"No ticket #{outside} (or not one you may see).",
    }
    assert preview.total == 6
    assert await state(desk, batch) == before and await event_count(desk) == events


async def test_apply_does_each_ticket_alone_and_reports_each(desk: Desk, batch: list[int]) -> None:
    report = await Bulk(desk.service("lena")).apply(
        BulkRequest(Action.ASSIGN, assignee="alice"), batch
    )
    assert [(o.number, o.done) for o in report.outcomes] == [
        (batch[0], True),
        (batch[1], True),
        (batch[2], False),
        (batch[3], True),
        (batch[4], True),
    ]
    assert report.refused[0].message == f"Assign needs an open ticket; #{batch[2]} is Closed."
    assert report.summary() == "Assign: 4 done, 1 refused."
    after = await state(desk, batch)
    assert {n: owner for n, (_s, owner) in after.items()} == {
        batch[0]: "alice",
        batch[1]: "alice",
        batch[2]: None,  # closed, and never owned: left as it was
        batch[3]: "alice",
        batch[4]: "alice",
    }
    detail = await desk.service("lena").queries.detail(batch[1])
    assert (detail.history[0].action, detail.history[0].old, detail.history[0].new) == (
        "assign",
        "bob",
        "alice",
    )


async def test_stage_change_then_undo_puts_back_what_no_one_touched_since(
    desk: Desk, batch: list[int]
) -> None:
    lena = Bulk(desk.service("lena"))
    later = desk.clock() + timedelta(hours=2)
    open_ones = [batch[0], batch[1], batch[3], batch[4]]
    before = await state(desk, open_ones)
    await lena.apply(BulkRequest(Action.ASSIGN, assignee="bob"), open_ones)
    report = await lena.apply(BulkRequest(Action.SCHEDULE, at=later), open_ones)
    assert len(report.done) == 4
    # Someone else works one of them meanwhile: that one is left alone by the undo.
    desk.clock.advance(minutes=1)
    await desk.service("bob").start(batch[3])
    undo = await lena.undo(report)
    assert [(o.number, o.done) for o in undo.outcomes] == [
        (batch[0], True),
        (batch[1], True),
        (batch[3], False),
        (batch[4], True),
    ]
    assert "was changed by bob" in undo.refused[0].message
    assert undo.summary() == "Undo of schedule: 3 put back, 1 left as they are."
    now = await state(desk, open_ones)
    assert now[batch[0]] == ("New", "bob") and now[batch[4]] == ("New", "bob")
    assert now[batch[3]] == ("InProgress", "bob")
    async with desk.db.read() as session:
        scheduled = (
            await session.execute(select(Ticket.scheduled_at).where(Ticket.number == batch[0]))
        ).scalar_one()
    assert scheduled is None
    history = (await desk.service("lena").queries.detail(batch[0])).history
    assert {(e.action, e.field) for e in history[:2]} == {("undo", "status"), ("undo", "scheduled")}
    with pytest.raises(BadValue, match="no bulk action to undo"):
        await lena.undo(report)  # once only
    assert before  # the state before the bulk work was read


async def test_a_bulk_release_is_undone_to_the_previous_owners(
    desk: Desk, batch: list[int]
) -> None:
    lena = Bulk(desk.service("lena"))
    await desk.service("alice").pick_up(batch[0])
    report = await lena.apply(BulkRequest(Action.RELEASE), [batch[0], batch[1], batch[3]])
    assert [o.done for o in report.outcomes] == [True, True, False]  # #3 had no owner
    await lena.undo(report)
    after = await state(desk, [batch[0], batch[1]])
    assert after == {batch[0]: ("New", "alice"), batch[1]: ("New", "bob")}


def test_a_request_needs_what_its_action_needs() -> None:
    with pytest.raises(BadValue, match="Assign needs the agent"):
        BulkRequest(Action.ASSIGN)
    with pytest.raises(BadValue, match="Reply is not a bulk action"):
        BulkRequest(Action.REPLY)
