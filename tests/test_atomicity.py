"""Nothing is ever half-written: an action that fails after its change was flushed leaves the
ticket, its history and every table exactly as they were, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from console.data.db import Database
from console.data.models import (
    Activity,
    Approval,
    Article,
    Attachment,
    Contact,
    Counter,
    Event,
    Message,
    Resolution,
    Ticket,
    TimeEntry,
)
from console.data.records import TicketDetail
from console.data.tickets import TicketService
from tests.conftest import NOW, Desk

TABLES = (
    Ticket,
    Event,
    Message,
    Attachment,
    TimeEntry,
    Activity,
    Approval,
    Resolution,
    Article,
    Contact,
)


class Crash(Exception):
    """The power went out mid-action."""


@dataclass
class Step:
    """One action to break: ``prepare`` builds its tickets, ``act`` takes the action."""

    label: str
    prepare: Callable[[Desk], Awaitable[list[int]]]
    act: Callable[[Desk, list[int]], Awaitable[Any]]


async def table_counts(desk: Desk) -> dict[str, Any]:
    async with desk.db.read() as conn:
        counts: dict[str, Any] = {
            model.__tablename__: (
                await conn.execute(select(func.count()).select_from(model))
            ).scalar_one()
            for model in TABLES
        }
        counts["next number"] = (
            await conn.execute(select(Counter.next_value).where(Counter.name == "ticket_number"))
        ).scalar_one_or_none()
    return counts


async def snapshot(desk: Desk, numbers: list[int]) -> tuple[list[TicketDetail], dict[str, Any]]:
    root = desk.service("root").queries
    return [await root.detail(n) for n in numbers], await table_counts(desk)


# -- the tickets each action starts from ------------------------------------------------------


async def new_ticket(desk: Desk) -> list[int]:
    return [await desk.ticket()]


async def owned(desk: Desk) -> list[int]:
    number = await desk.ticket()
    await desk.service("alice").pick_up(number)
    return [number]


async def scheduled(desk: Desk) -> list[int]:
    (number,) = await owned(desk)
    await desk.service("alice").schedule(number, NOW + timedelta(hours=1))
    return [number]


async def in_progress(desk: Desk) -> list[int]:
    (number,) = await scheduled(desk)
    await desk.service("alice").start(number)
    return [number]


async def closed(desk: Desk) -> list[int]:
    (number,) = await in_progress(desk)
    await desk.service("alice").close(number, resolution="Fixed")
    return [number]


async def with_activity(desk: Desk) -> list[int]:
    number = await desk.ticket()
    await desk.service("alice").add_activity(number, "Call back")
    return [number]


async def amc_pending(desk: Desk) -> list[int]:
    number = await desk.ticket(
        "carl", account="Oldco", department="Network", contact_email="ops@oldco.example"
    )
    await desk.service("carl").request_approval(number, ["nina"], "AMC", amc_exception=True)
    return [number]


async def two_with_history(desk: Desk) -> list[int]:
    source, target = await desk.ticket(), await desk.ticket()
    alice = desk.service("alice")
    await alice.reply(source, "First")
    await alice.attach_bytes(source, "a.txt", b"abc")
    await alice.log_time(source, 10)
    return [source, target]


async def no_ticket(desk: Desk) -> list[int]:
    return []


async def approval_id(desk: Desk, number: int) -> int:
    return (await desk.service("root").queries.detail(number)).approvals[-1].id


def s(desk: Desk, who: str) -> TicketService:
    return desk.service(who)


STEPS = [
    Step(
        "create",
        no_ticket,
        lambda d, n: s(d, "alice").create(
            subject="New", contact_name="Neo", contact_email="neo@new.example", account="Oldco"
        ),
    ),
    Step("assign", new_ticket, lambda d, n: s(d, "lena").assign(n[0], "bob")),
    Step("pick up", new_ticket, lambda d, n: s(d, "bob").pick_up(n[0])),
    Step("release", owned, lambda d, n: s(d, "alice").release(n[0])),
    Step("schedule", owned, lambda d, n: s(d, "alice").schedule(n[0], NOW + timedelta(hours=2))),
    Step("start", scheduled, lambda d, n: s(d, "alice").start(n[0])),
    Step(
        "close",
        in_progress,
        lambda d, n: s(d, "alice").close(
            n[0], resolution="Swapped it", publish_to_kb=True, notify_contact=True
        ),
    ),
    Step("reopen", closed, lambda d, n: s(d, "alice").reopen(n[0])),
    Step("reply", new_ticket, lambda d, n: s(d, "alice").reply(n[0], "Hello")),
    Step("comment", new_ticket, lambda d, n: s(d, "alice").comment(n[0], "@bob look")),
    Step("note", new_ticket, lambda d, n: s(d, "alice").note(n[0], "Quiet")),
    Step("activity", new_ticket, lambda d, n: s(d, "alice").add_activity(n[0], "Call")),
    Step("complete activity", with_activity, lambda d, n: _complete(d, n[0])),
    Step(
        "approval",
        new_ticket,
        lambda d, n: s(d, "alice").request_approval(n[0], ["lena"], "Refund"),
    ),
    Step("decide AMC exception", amc_pending, lambda d, n: _decide(d, n[0])),
    Step(
        "resolution",
        new_ticket,
        lambda d, n: s(d, "alice").set_resolution(n[0], "Fixed", publish_to_kb=True),
    ),
    Step("time", new_ticket, lambda d, n: s(d, "alice").log_time(n[0], 15, billable=True)),
    Step("attach", new_ticket, lambda d, n: s(d, "alice").attach_bytes(n[0], "x.txt", b"xyz")),
    Step(
        "edit",
        new_ticket,
        lambda d, n: s(d, "alice").edit(
            n[0], {"priority": "High", "subject": "Edited", "department": "Network"}
        ),
    ),
    Step("merge", two_with_history, lambda d, n: s(d, "lena").merge(n[0], n[1])),
]

#: Actions that do not go through ``TicketService._finish``; only ``notify`` catches them.
NOTIFY_ONLY = [
    Step("delete", two_with_history, lambda d, n: s(d, "root").delete(n[0], confirm=True)),
    Step(
        "customer reopens",
        closed,
        lambda d, n: s(d, "alice").customer_message(n[0], "Broken again"),
    ),
    Step(
        "customer writes",
        new_ticket,
        lambda d, n: s(d, "alice").customer_message(n[0], "Any news?"),
    ),
]


async def _complete(desk: Desk, number: int) -> Any:
    activity = (await desk.service("root").queries.detail(number)).activities[-1]
    return await desk.service("alice").complete_activity(number, activity.id)


async def _decide(desk: Desk, number: int) -> Any:
    return await desk.service("nina").decide_approval(await approval_id(desk, number), True)


async def break_every_step(
    desk: Desk, steps: list[Step], armed: dict[str, bool], calls: list[str]
) -> None:
    for step in steps:
        numbers = await step.prepare(desk)
        desk.clock.advance(minutes=1)
        before = await snapshot(desk, numbers)
        armed["on"] = True
        calls.clear()
        with pytest.raises(Crash):
            await step.act(desk, numbers)
        armed["on"] = False
        assert calls, f"{step.label}: the failure was never injected"
        assert await snapshot(desk, numbers) == before, step.label
        # Nothing is stuck: the same action now goes through and leaves its history.
        await step.act(desk, numbers)
        assert (await table_counts(desk))["events"] > before[1]["events"], step.label
        if numbers and step.label != "delete":
            after = await desk.service("root").queries.detail(numbers[0])
            assert after.ticket.version > before[0][0].ticket.version, step.label


async def test_failure_after_the_change_was_flushed_leaves_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    armed = {"on": False}
    calls: list[str] = []
    finish = TicketService._finish

    async def crashing_finish(self: TicketService, act: Any, **kwargs: Any) -> None:
        await finish(self, act, **kwargs)  # the change and its events are flushed
        if armed["on"]:
            calls.append("finish")
            raise Crash("crash after flush")

    monkeypatch.setattr(TicketService, "_finish", crashing_finish)
    await break_every_step(desk, STEPS, armed, calls)


async def test_failure_while_notifying_leaves_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    armed = {"on": False}
    calls: list[str] = []
    notify = Database.notify

    async def crashing_notify(self: Database, session: Any, payload: str) -> None:
        await notify(self, session, payload)
        if armed["on"]:
            calls.append(payload)
            raise Crash("crash while notifying")

    monkeypatch.setattr(Database, "notify", crashing_notify)
    # Every action notifies; the ones that do not finish through ``_finish`` matter most here.
    some = [
        step for step in STEPS if step.label in ("create", "close", "decide AMC exception", "merge")
    ]
    await break_every_step(desk, some + NOTIFY_ONLY, armed, calls)


async def test_failure_inside_a_merge_leaves_both_tickets(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge finishes the source, then the target: failing on the target must also
    put the source's conversation back."""
    source, target = await two_with_history(desk)
    before = await snapshot(desk, [source, target])
    finish = TicketService._finish
    seen: list[int] = []

    async def crash_on_second(self: TicketService, act: Any, **kwargs: Any) -> None:
        await finish(self, act, **kwargs)
        seen.append(act.ticket.number)
        if len(seen) == 2:
            raise Crash("crash on the target")

    monkeypatch.setattr(TicketService, "_finish", crash_on_second)
    with pytest.raises(Crash):
        await desk.service("lena").merge(source, target)
    assert seen == [source, target]
    assert await snapshot(desk, [source, target]) == before
    monkeypatch.undo()
    await desk.service("lena").merge(source, target)
    moved = await desk.service("root").queries.detail(target)
    assert [m.body for m in moved.messages] == ["First"]
