"""Who sees what: the scope rules and the seven queue views, on SQLite and PostgreSQL.

The expected tickets per agent and view are worked out by hand from ``DESIGN.md`` for a
small fixed help desk, so a query that leaks or hides a ticket changes a number here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from console.data.directory import Directory
from console.data.errors import BadValue, NotFound
from console.data.queries import VIEWS, QueueQuery, sort_key
from console.data.records import TicketRow
from console.data.tickets import TicketService
from console.data.workflow import STAGES
from tests.conftest import NOW, Desk

AGENTS = ("root", "lena", "alice", "bob", "nina", "carl")


async def fixed_desk(desk: Desk) -> dict[int, int]:
    """Nine tickets, T1..T9, each placed to test one scope rule; returns T -> number.

    T1 alice, Billing, Acme, unassigned, New
    T2 bob, Billing, no account, owner bob, Scheduled
    T3 carl, Network, Oldco, unassigned, New
    T4 carl, Network, Acme (alice coordinates), owner carl, InProgress
    T5 nina, Network, no account, owner alice, Closed
    T6 alice, Network, no account, unassigned, ReOpen
    T7 lena, Billing, Acme, owner lena, Closed
    T8 root, Network, Oldco, owner carl, New
    T9 root, no department, no account, unassigned, New
    """
    s = desk.service
    later = NOW + timedelta(hours=1)
    home = {"account": None, "contact_name": "Kim Home", "contact_email": "kim@home.example"}
    oldco = {"account": "Oldco", "contact_name": "Ops", "contact_email": "ops@oldco.example"}
    t: dict[int, int] = {}
    t[1] = await desk.ticket("alice")
    t[2] = await desk.ticket("bob", **home)
    await s("bob").pick_up(t[2])
    await s("bob").schedule(t[2], later)
    t[3] = await desk.ticket("carl", department="Network", **oldco)
    t[4] = await desk.ticket("carl", department="Network")
    await s("carl").pick_up(t[4])
    await s("carl").schedule(t[4], later)
    await s("carl").start(t[4])
    t[5] = await desk.ticket("nina", department="Network", **home)
    await s("nina").assign(t[5], "alice")
    await s("alice").close(t[5])
    t[6] = await desk.ticket("alice", department="Network", **home)
    await s("alice").close(t[6])
    await s("alice").reopen(t[6])
    t[7] = await desk.ticket("lena")
    await s("lena").pick_up(t[7])
    await s("lena").close(t[7])
    t[8] = await desk.ticket("root", department="Network", **oldco)
    await s("root").assign(t[8], "carl")
    t[9] = await desk.ticket("root", department=None, **home)
    # Approvals: pending on bob (T1) and on nina (T4); decided by lena (T2).
    await s("alice").request_approval(t[1], ["bob"], "Credit note")
    await s("carl").request_approval(t[4], ["nina"], "Discount")
    await s("bob").request_approval(t[2], ["lena"], "Refund")
    refund = (await s("lena").queries.detail(t[2])).approvals[0]
    await s("lena").decide_approval(refund.id, True)
    return t


# fmt: off
STATUS = {
    1: "New", 2: "Scheduled", 3: "New", 4: "InProgress", 5: "Closed",
    6: "ReOpen", 7: "Closed", 8: "New", 9: "New",
}

#: agent -> view -> the T's it shows, worked out from DESIGN.md by hand.
EXPECTED: dict[str, dict[str, set[int]]] = {
    "alice": {
        "my": {1, 4, 7}, "unassigned": {1, 6}, "all": {1, 2, 4, 5, 6, 7}, "my-closed": {7},
        "assigned": {5}, "created": {1, 6}, "team": {2, 5, 7}, "approvals": set(),
    },
    "bob": {
        "my": set(), "unassigned": {1}, "all": {1, 2, 7}, "my-closed": set(),
        "assigned": {2}, "created": {2}, "team": {2, 7}, "approvals": {1},
    },
    "lena": {
        "my": set(), "unassigned": {1, 6}, "all": {1, 2, 4, 5, 6, 7}, "my-closed": set(),
        "assigned": {7}, "created": {7}, "team": {2, 5, 7}, "approvals": set(),
    },
    "carl": {
        "my": {3, 8}, "unassigned": {3, 6}, "all": {3, 4, 5, 6, 8}, "my-closed": set(),
        "assigned": {4, 8}, "created": {3, 4}, "team": {4, 8}, "approvals": set(),
    },
    "nina": {
        "my": set(), "unassigned": {3, 6}, "all": {3, 4, 5, 6, 8}, "my-closed": set(),
        "assigned": set(), "created": {5}, "team": {4, 8}, "approvals": {4},
    },
    "root": {
        "my": set(), "unassigned": {1, 3, 6, 9}, "all": set(range(1, 10)), "my-closed": set(),
        "assigned": set(), "created": {8, 9}, "team": set(), "approvals": set(),
    },
}
# fmt: on


def missing(number: int) -> str:
    return f"No ticket #{number} (or not one you may see)."


async def test_every_view_and_stage_shows_exactly_the_right_tickets(desk: Desk) -> None:
    t = await fixed_desk(desk)
    back = {number: name for name, number in t.items()}
    for who in AGENTS:
        queries = desk.service(who).queries
        view_counts = await queries.view_counts()
        assert view_counts == {v: len(EXPECTED[who][v]) for v in VIEWS}, who
        for view in VIEWS:
            expected = EXPECTED[who][view]
            counts = await queries.counts(QueueQuery(view))
            for stage in STAGES:
                want = {n for n in expected if stage == "All" or STATUS[n] == stage}
                rows = await queries.window(QueueQuery(view, stage), limit=100)
                got = [back[r.number] for r in rows]
                assert sorted(got) == sorted(want), (who, view, stage)
                assert counts[stage] == len(want), (who, view, stage)
                if stage != "All":
                    assert {r.status for r in rows} <= {stage}
    # Unknown views, stages and sorts say what there is.
    queries = desk.service("alice").queries
    with pytest.raises(BadValue, match=r"^Unknown view 'mine'; use one of: my, unassigned, all"):
        await queries.window(QueueQuery("mine"))
    with pytest.raises(BadValue, match=r"^Unknown stage 'Done'; use one of: New, Scheduled"):
        await queries.window(QueueQuery("all", "Done"))
    with pytest.raises(BadValue, match=r"^Unknown sort 'age'; use one of: updated, due, priority"):
        await queries.window(QueueQuery("all", "All", "age"))
    with pytest.raises(BadValue, match=r"^Unknown view"):
        await queries.counts(QueueQuery("everything"))
    assert [r.number for r in await queries.window(QueueQuery("all", "in progress"))] == [t[4]]


async def test_scope_for_detail_and_ticket_and_leads_see_their_team(desk: Desk) -> None:
    t = await fixed_desk(desk)
    seen: dict[str, set[int]] = {}
    for who in AGENTS:
        queries = desk.service(who).queries
        seen[who] = set()
        for name, number in t.items():
            try:
                record = await queries.ticket(number)
            except NotFound as err:
                assert str(err) == missing(number), (who, name)
                with pytest.raises(NotFound) as err2:
                    await queries.detail(number)
                assert str(err2.value) == missing(number)
            else:
                assert record.number == number
                assert (await queries.detail(number)).ticket == record
                seen[who].add(name)
        assert seen[who] == EXPECTED[who]["all"], who
    with pytest.raises(NotFound) as err:
        await desk.service("root").queries.detail(9999)
    assert str(err.value) == missing(9999)
    # A lead sees what its team's members may see (and nothing more); an admin sees all.
    assert seen["lena"] == seen["alice"] | seen["bob"]
    assert seen["nina"] == seen["carl"]
    assert seen["root"] == set(t)
    # And they may act on what they see, through each rule.
    # alice by account (T4), by ownership (T5), by creation (T6), by department (T2);
    # lena through her team (T4, T5, T6); carl by account (T8 is also his).
    for who, names in {"alice": (2, 4, 5, 6), "lena": (4, 5, 6), "carl": (3, 8)}.items():
        for name in names:
            record = await desk.service(who).note(t[name], f"{who} was here")
            d = await desk.service("root").queries.detail(record.number)
            assert (d.messages[-1].author, d.messages[-1].body) == (who, f"{who} was here")


def every_action(
    service: TicketService, number: int, elsewhere: int, file: Path
) -> dict[str, Callable[[], Awaitable[Any]]]:
    """Every service method that acts on an existing ticket, aimed at ``number``."""
    later = NOW + timedelta(hours=1)
    return {
        "assign": lambda: service.assign(number, service.actor.username),
        "pick_up": lambda: service.pick_up(number),
        "release": lambda: service.release(number),
        "schedule": lambda: service.schedule(number, later),
        "start": lambda: service.start(number),
        "close": lambda: service.close(number, resolution="done"),
        "reopen": lambda: service.reopen(number),
        "reply": lambda: service.reply(number, "hello"),
        "comment": lambda: service.comment(number, "hello"),
        "note": lambda: service.note(number, "hello"),
        "add_activity": lambda: service.add_activity(number, "call"),
        "complete_activity": lambda: service.complete_activity(number, 1),
        "request_approval": lambda: service.request_approval(number, ["root"], "ok?"),
        "set_resolution": lambda: service.set_resolution(number, "fixed"),
        "log_time": lambda: service.log_time(number, 5),
        "attach": lambda: service.attach(number, file),
        "attach_bytes": lambda: service.attach_bytes(number, "a.txt", b"x"),
        "attachment_content": lambda: service.attachment_content(number, 1),
        "edit": lambda: service.edit(number, {"subject": "mine now"}),
        "merge from": lambda: service.merge(number, elsewhere),
        "merge into": lambda: service.merge(elsewhere, number),
        "delete": lambda: service.delete(number, confirm=True),
    }


async def test_outsiders_can_not_act_on_tickets_they_may_not_see(
    desk: Desk, tmp_path: Path
) -> None:
    t = await fixed_desk(desk)
    root = desk.service("root")
    file = tmp_path / "a.txt"
    file.write_text("x")
    # Give every ticket an activity, an attachment and an approval to aim at (asked of
    # a second admin: nobody approves their own request).
    await Directory(desk.db, desk.actors["root"], desk.clock).add_agent("ada", role="admin")
    approvals: dict[int, int] = {}
    for number in t.values():
        await root.add_activity(number, "Call")
        await root.attach_bytes(number, "root.txt", b"secret")
        await root.request_approval(number, ["ada"], "ok?")
        approvals[number] = (await root.queries.detail(number)).approvals[-1].id
    for outsider in ("carl", "nina", "bob"):
        hidden = sorted(set(t) - EXPECTED[outsider]["all"])
        own = t[min(EXPECTED[outsider]["all"])]
        service = desk.service(outsider)
        for name in hidden:
            number = t[name]
            before = await root.queries.detail(number)
            actions = every_action(service, number, own, file)
            approval = approvals[number]
            actions["decide_approval"] = lambda s=service, a=approval: s.decide_approval(a, True)
            for label, action in actions.items():
                with pytest.raises(NotFound) as err:
                    await action()
                assert str(err.value) == missing(number), (outsider, name, label)
            assert await root.queries.detail(number) == before, (outsider, name)
        # The same actions on a ticket that does not exist say the same thing.
        for label, action in every_action(service, 9999, own, file).items():
            with pytest.raises(NotFound) as err:
                await action()
            assert str(err.value) == missing(9999), label


async def test_approvals_go_only_to_agents_who_can_see_the_ticket(desk: Desk) -> None:
    t = await fixed_desk(desk)
    # alice cannot ask carl (another team, no access to T1) to approve something on T1.
    with pytest.raises(BadValue, match=f"carl cannot see #{t[1]}"):
        await desk.service("alice").request_approval(t[1], ["carl"], "Refund", details="secret")
    await desk.service("alice").request_approval(t[1], ["lena"], "Refund", details="secret")
    assert await desk.service("carl").queries.pending_approvals() == []
    waiting = await desk.service("lena").queries.pending_approvals()
    assert [n for n, _ in waiting] == [t[1]]
    for number, approval in waiting:
        await desk.service("lena").queries.detail(number)
        await desk.service("lena").decide_approval(approval.id, True)


# -- keyset windows ----------------------------------------------------------------------------


def expected_order(rows: list[TicketRow], sort: str) -> list[int]:
    if sort == "updated":
        ordered = sorted(rows, key=lambda r: (r.updated_at, r.id), reverse=True)
    elif sort == "due":
        # closed tickets last: they have no breach to come
        ordered = sorted(rows, key=lambda r: (r.status == "Closed", r.due_at, r.id))
    else:
        ordered = sorted(rows, key=lambda r: (r.priority_rank, r.due_at, r.id))
    return [r.number for r in ordered]


async def page_through(
    desk: Desk, who: str, view: str, stage: str, sort: str, size: int, backwards: bool
) -> list[int]:
    queries = desk.service(who).queries
    seen: list[int] = []
    after = None
    for _ in range(200):
        query = QueueQuery(view, stage, sort)
        rows = await queries.window(query, after=after, backwards=backwards, limit=size)
        assert len(rows) <= size
        if not rows:
            return seen
        numbers = [r.number for r in rows]
        seen = numbers + seen if backwards else seen + numbers
        after = sort_key(rows[0] if backwards else rows[-1], sort)
    raise AssertionError("paging did not end")


async def test_keyset_windows_page_without_gaps_or_duplicates(desk: Desk) -> None:
    alice = desk.service("alice")
    carl = desk.service("carl")
    rows: dict[int, dict[str, Any]] = {}
    priorities = ("High", "Medium", "Low")
    for i in range(120):
        # Ties on purpose: every third due time repeats, and the clock often stands still.
        due = NOW + timedelta(hours=(i * 7) % 40)
        billing = i % 3 != 0
        service = alice if billing else carl
        record = await service.create(
            subject=f"Ticket {i}",
            contact_name="Pat",
            contact_email="pat@acme.example" if billing else "ops@oldco.example",
            department="Billing" if billing else "Network",
            priority=priorities[i % 3] if i % 5 else "High",
            due=due,
        )
        if i % 4 == 0:
            desk.clock.advance(minutes=1)
        rows[record.number] = {"visible_to_alice": billing}
    # Touch some tickets later so "updated" differs from creation order.
    for number in list(rows)[::9]:
        desk.clock.advance(seconds=30)
        await desk.service("root").note(number, "bump")
    for number in list(rows)[::11]:
        await desk.service("root").close(number)

    everything = await desk.service("root").queries.window(QueueQuery("all"), limit=1000)
    assert len(everything) == 120
    closed = [r for r in everything if r.status == "Closed"]
    assert len(closed) == 11
    mine = [r for r in everything if rows[r.number]["visible_to_alice"]]
    assert 60 < len(mine) < 120
    cases = [
        ("root", "all", "All", everything),
        ("root", "all", "Closed", closed),
        ("alice", "all", "All", mine),
    ]
    for who, view, stage, subset in cases:
        for sort in ("updated", "due", "priority"):
            want = expected_order(subset, sort)
            for size, backwards in ((7, False), (11, True), (50, False)):
                got = await page_through(desk, who, view, stage, sort, size, backwards)
                assert got == want, (who, stage, sort, size, backwards)
