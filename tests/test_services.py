"""Every ticket action through ``TicketService``, on SQLite and PostgreSQL: what the person is
told, what the ticket then says, and the history each action leaves behind."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from console.data.errors import BadValue, Conflict, NotFound, Refused
from console.data.models import Article, Contact, Event, Message, Ticket
from console.data.records import TicketDetail
from console.data.tickets import allocate_number
from tests.conftest import NOW, Desk

History = list[tuple[str, str, str | None, str | None, str | None]]


async def detail(desk: Desk, number: int, who: str = "root") -> TicketDetail:
    return await desk.service(who).queries.detail(number)


def history(d: TicketDetail) -> History:
    """The ticket's history, oldest first, as (actor, action, field, old, new)."""
    return [(e.actor, e.action, e.field, e.old, e.new) for e in reversed(d.history)]


async def new_events(desk: Desk, number: int, before: TicketDetail) -> History:
    """The history events written since ``before`` was read."""
    return history(await detail(desk, number))[len(before.history) :]


async def count(desk: Desk, model: type, *where: object) -> int:
    async with desk.db.read() as conn:
        stmt = select(func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)  # type: ignore[arg-type]
        return int((await conn.execute(stmt)).scalar_one())


def at(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat(timespec="minutes")


# -- creating tickets ------------------------------------------------------------------------


async def test_create_with_a_new_contact_and_then_an_existing_one(desk: Desk) -> None:
    alice = desk.service("alice")
    first = await alice.create(
        subject="VPN down",
        contact_name="Pat Ops",
        contact_email="pat@oldco.example",
        account="Oldco",
        department="Network",
        priority="High",
        channel="phone",
    )
    assert first.number == 1001
    assert (first.subject, first.status, first.priority, first.channel) == (
        "VPN down",
        "New",
        "High",
        "Phone",
    )
    assert (first.contact, first.contact_email, first.account) == (
        "Pat Ops",
        "pat@oldco.example",
        "Oldco",
    )
    assert (first.department, first.owner, first.creator, first.version) == (
        "Network",
        None,
        "alice",
        1,
    )
    assert first.created_at == first.updated_at == NOW

    # Same email, other spelling, no account: the existing contact, and its account.
    second = await alice.create(
        subject="VPN down again", contact_name="P. Ops", contact_email="PAT@oldco.example"
    )
    assert second.number == 1002
    assert (second.contact, second.contact_email, second.account) == (
        "Pat Ops",
        "pat@oldco.example",
        "Oldco",
    )
    assert second.amc_state == "expired"  # the account came from the contact, so did the gate
    assert second.department == "Billing"  # alice's own department when none is given

    # Name and phone find a contact without email; a new email is a new contact.
    third = await alice.create(subject="Call", contact_name="Sam", contact_phone="+1 555 0100")
    fourth = await alice.create(subject="Call 2", contact_name="sam", contact_phone="+1 555 0100")
    assert third.contact == fourth.contact == "Sam"
    fifth = await alice.create(subject="Hi", contact_name="New Person", contact_email="np@x.org")
    assert (fifth.contact, fifth.account, fifth.amc_state) == ("New Person", None, "ok")
    assert await count(desk, Contact) == 3

    d = await detail(desk, first.number)
    assert history(d) == [
        ("alice", "create", None, None, "VPN down"),
        ("alice", "amc", "amc_state", None, "expired (contract of Oldco ended 2025-12-31)"),
    ]
    assert history(await detail(desk, fifth.number)) == [("alice", "create", None, None, "Hi")]


async def test_create_refuses_bad_input_and_writes_nothing(desk: Desk) -> None:
    alice = desk.service("alice")
    cases = [
        ({"subject": "  "}, "A ticket needs a subject."),
        ({"contact_name": ""}, "A ticket needs the contact's name."),
        ({"contact_email": "not-an-email"}, "'not-an-email' is not an email address"),
        ({"priority": "Urgent"}, "Unknown priority 'Urgent'; use High, Medium or Low."),
        ({"channel": "Pigeon"}, "Unknown channel 'Pigeon'"),
        ({"account": "Nobody Inc"}, "No account 'Nobody Inc'"),
        ({"department": "Sales"}, "No department 'Sales'; departments: Billing, Network."),
    ]
    for fields, sentence in cases:
        values = {"subject": "Printer", "contact_name": "Pat", "contact_email": "p@a.example"}
        values.update(fields)
        with pytest.raises(BadValue) as err:
            await alice.create(**values)  # type: ignore[arg-type]
        assert sentence in str(err.value)
    assert await count(desk, Ticket) == 0
    assert await count(desk, Contact) == 0
    assert await count(desk, Event) == 0
    assert (await alice.create(subject="Printer", contact_name="Pat")).number == 1001


async def test_ticket_numbers_are_never_reused_after_delete(desk: Desk) -> None:
    numbers = [await desk.ticket() for _ in range(3)]
    assert numbers == [1001, 1002, 1003]
    root = desk.service("root")
    await root.delete(1003, confirm=True)
    assert await desk.ticket() == 1004
    await root.delete(1001, confirm=True)
    await root.delete(1004, confirm=True)
    assert await desk.ticket() == 1005
    assert await count(desk, Ticket) == 2


async def test_first_two_tickets_created_at_once_get_two_numbers(
    desk: Desk, request: pytest.FixtureRequest
) -> None:
    # One create is half-way (its number taken, not yet committed) when another begins.
    async with desk.db.write() as session:
        first = await allocate_number(session)
        second = asyncio.create_task(desk.ticket("bob"))
        await until_someone_waits(desk)
    assert sorted([first, await second]) == [1001, 1002]
    assert await desk.ticket() == 1003


async def until_someone_waits(desk: Desk) -> None:
    """Let a concurrent writer reach the point where it waits for our transaction."""
    if desk.db.is_sqlite:  # it waits for the write lock at BEGIN IMMEDIATE
        await asyncio.sleep(0.2)
        return
    for _ in range(500):
        async with desk.db.read() as conn:
            waiting = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                )
            ).scalar_one()
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the other writer never waited")


async def test_times_without_a_time_zone_are_refused_as_bad_input(desk: Desk) -> None:
    alice = desk.service("alice")
    number = await desk.ticket()
    before = await detail(desk, number)
    naive = datetime(2026, 3, 5, 9, 0)
    attempts = [
        lambda: alice.create(subject="x", contact_name="Pat", due=naive),
        lambda: alice.edit(number, {"due": naive}),
        lambda: alice.add_activity(number, "Call", due=naive),
        lambda: alice.add_activity(number, "Call", due=naive, reminder=NOW),
        lambda: alice.log_time(number, 5, started_at=naive),
    ]
    for attempt in attempts:
        with pytest.raises(BadValue, match=r"time ?zone"):
            await attempt()
    assert await detail(desk, number) == before


# -- the AMC gate ----------------------------------------------------------------------------


async def test_amc_gate_holds_until_a_lead_approves_an_exception(desk: Desk) -> None:
    carl, nina, root = desk.service("carl"), desk.service("nina"), desk.service("root")
    number = await desk.ticket(
        "carl", account="Oldco", department="Network", contact_email="ops@oldco.example"
    )
    ticket = await carl.pick_up(number)
    assert ticket.amc_state == "expired"
    gate = (
        "Schedule needs an approved AMC exception; the support contract of Oldco expired on "
        f"2025-12-31. Request an approval on #{number} from a lead."
    )
    with pytest.raises(Refused, match="^" + gate.replace(".", r"\.") + "$"):
        await carl.schedule(number, NOW + timedelta(hours=1))
    with pytest.raises(Refused, match="needs an approved AMC exception"):
        await root.schedule(number, NOW + timedelta(hours=1))  # not even an admin

    # Only leads and admins approve AMC exceptions.
    with pytest.raises(BadValue) as err:
        await carl.request_approval(number, ["carl"], "AMC exception", amc_exception=True)
    assert str(err.value) == (
        "An AMC exception is approved by a lead or an admin; carl is not one."
    )

    before = await detail(desk, number)
    await carl.request_approval(number, ["nina"], "Work without AMC", amc_exception=True)
    first = (await detail(desk, number)).approvals[-1]
    assert (first.kind, first.state, first.approvers, first.requester) == (
        "amc_exception",
        "pending",
        ("nina",),
        "carl",
    )
    assert [n for n, _ in await nina.queries.pending_approvals()] == [number]
    assert await new_events(desk, number, before) == [
        ("carl", "approval", None, None, "Work without AMC")
    ]

    # A rejection keeps the gate shut.
    await nina.decide_approval(first.id, False, comment="Renew first")
    after = await detail(desk, number)
    assert after.ticket.amc_state == "expired"
    assert after.approvals[-1].state == "rejected"
    assert after.approvals[-1].comment == "Renew first"
    with pytest.raises(Refused, match="AMC exception"):
        await carl.schedule(number, NOW + timedelta(hours=1))

    await carl.request_approval(number, ["nina", "root"], "Please", amc_exception=True)
    second = (await detail(desk, number)).approvals[-1]
    before = await detail(desk, number)
    desk.clock.advance(minutes=5)
    await nina.decide_approval(second.id, True, comment="OK this once")
    after = await detail(desk, number)
    assert after.ticket.amc_state == "exception"
    assert (after.approvals[-1].state, after.approvals[-1].decider) == ("approved", "nina")
    assert after.approvals[-1].decided_at == NOW + timedelta(minutes=5)
    assert await new_events(desk, number, before) == [
        ("nina", "approved", "approval", "Please", "OK this once"),
        ("nina", "amc", "amc_state", "expired", "exception"),
    ]
    with pytest.raises(Refused, match=f"^Approval {second.id} on #{number} is already approved"):
        await root.decide_approval(second.id, False)

    scheduled = await carl.schedule(number, NOW + timedelta(hours=1))
    assert scheduled.status == "Scheduled"
    assert (await carl.start(number)).status == "InProgress"


async def test_only_approvers_decide_approvals(desk: Desk) -> None:
    alice, bob, lena = desk.service("alice"), desk.service("bob"), desk.service("lena")
    number = await desk.ticket()
    with pytest.raises(Refused, match="needs no AMC exception"):
        await alice.request_approval(number, ["lena"], "Gate?", amc_exception=True)
    await alice.request_approval(number, ["bob"], "Refund 20 EUR", details="Goodwill")
    approval = (await detail(desk, number)).approvals[0]
    assert (approval.kind, approval.details) == ("general", "Goodwill")
    before = await detail(desk, number)
    for who in (alice, lena):  # the requester and a lead who is not an approver
        with pytest.raises(Refused) as err:
            await who.decide_approval(approval.id, True)
        assert str(err.value) == f"Approval {approval.id} on #{number} is not waiting on you."
    with pytest.raises(NotFound, match="No approval 999"):
        await bob.decide_approval(999, True)
    assert await detail(desk, number) == before
    await bob.decide_approval(approval.id, True)
    assert (await detail(desk, number)).approvals[0].state == "approved"
    with pytest.raises(BadValue):
        await alice.request_approval(number, [], "Nobody")
    with pytest.raises(NotFound, match="No agent named 'zed'"):
        await alice.request_approval(number, ["zed"], "Ghost")


# -- ownership -------------------------------------------------------------------------------


async def test_pick_up_release_and_assign(desk: Desk) -> None:
    alice, bob, lena = desk.service("alice"), desk.service("bob"), desk.service("lena")
    number = await desk.ticket()
    start = await detail(desk, number)

    assert (await bob.pick_up(number)).owner == "bob"
    with pytest.raises(Refused, match=f"^#{number} is already yours.$"):
        await bob.pick_up(number)
    with pytest.raises(Refused) as err:
        await alice.pick_up(number)
    assert str(err.value) == f"Pick up needs an unassigned ticket; #{number} is owned by bob."
    with pytest.raises(Refused) as err:
        await alice.release(number)
    assert str(err.value) == f"Release of #{number} is for its owner (bob) or a lead."

    released = await bob.release(number)
    assert released.owner is None
    with pytest.raises(Refused) as err:
        await alice.assign(number, "carl")
    assert str(err.value) == (
        f"Agents assign within their own team; carl is not in your team. "
        f"Ask a lead to assign #{number}."
    )
    assert (await alice.assign(number, "bob")).owner == "bob"  # within her team
    with pytest.raises(Refused) as err:  # now bob's: alice may not take it away
        await alice.assign(number, "alice")
    assert str(err.value) == (
        f"Assign of #{number} is for its owner (bob) or a lead; "
        "agents assign only unassigned tickets or their own."
    )
    with pytest.raises(NotFound, match="No agent named 'zed'"):
        await lena.assign(number, "zed")
    assigned = await lena.assign(number, "carl")  # a lead assigns to anyone
    assert (assigned.owner, assigned.version) == ("carl", 5)
    assert (await lena.release(number)).owner is None  # a lead releases anyone's ticket

    assert await new_events(desk, number, start) == [
        ("bob", "pickup", "owner", None, "bob"),
        ("bob", "release", "owner", "bob", None),
        ("alice", "assign", "owner", None, "bob"),
        ("lena", "assign", "owner", "bob", "carl"),
        ("lena", "release", "owner", "carl", None),
    ]


# -- stages ----------------------------------------------------------------------------------


async def test_schedule_start_close_with_resolution_and_reopen(desk: Desk) -> None:
    alice, bob, lena = desk.service("alice"), desk.service("bob"), desk.service("lena")
    number = await desk.ticket()
    with pytest.raises(Refused, match="Schedule needs an owner"):
        await alice.schedule(number, NOW + timedelta(hours=2))
    await alice.pick_up(number)
    with pytest.raises(BadValue, match="has passed"):
        await alice.schedule(number, NOW - timedelta(hours=1))
    with pytest.raises(BadValue, match="time zone"):
        await alice.schedule(number, datetime(2026, 3, 3, 9, 0))
    with pytest.raises(Refused) as err:
        await alice.start(number)
    assert str(err.value) == f"Start needs a Scheduled ticket; #{number} is New."

    before = await detail(desk, number)
    desk.clock.advance(minutes=10)
    scheduled = await alice.schedule(number, NOW + timedelta(hours=2))
    assert (scheduled.status, scheduled.scheduled_at) == ("Scheduled", NOW + timedelta(hours=2))
    assert scheduled.updated_at == NOW + timedelta(minutes=10)
    with pytest.raises(Refused, match=r"is for its owner \(alice\) or a lead"):
        await bob.start(number)
    assert (await alice.start(number)).status == "InProgress"
    with pytest.raises(Refused, match=r"is for its owner \(alice\) or a lead"):
        await bob.close(number)
    closed = await alice.close(number, resolution="Replaced the fuse.")
    assert (closed.status, closed.closed_at) == ("Closed", NOW + timedelta(minutes=10))
    d = await detail(desk, number)
    assert d.resolution is not None
    assert (d.resolution.text, d.resolution.author, d.resolution.publish_to_kb) == (
        "Replaced the fuse.",
        "alice",
        False,
    )
    assert d.actions["reopen"] is None and d.actions["start"] is not None

    with pytest.raises(Refused) as err:
        await bob.reopen(number)
    assert str(err.value) == f"Reopen of #{number} is for the agent who created it or a lead."
    reopened = await alice.reopen(number)
    assert (reopened.status, reopened.closed_at) == ("ReOpen", None)
    with pytest.raises(Refused, match=f"Start needs a Scheduled ticket; #{number} is ReOpen."):
        await alice.start(number)
    await alice.close(number)
    assert (await lena.reopen(number)).status == "ReOpen"  # a lead may reopen too

    when = at(2)
    closed_at = (NOW + timedelta(minutes=10)).isoformat(timespec="minutes")
    assert await new_events(desk, number, before) == [
        ("alice", "schedule", "scheduled", None, when),
        ("alice", "schedule", "status", "New", "Scheduled"),
        ("alice", "start", "status", "Scheduled", "InProgress"),
        ("alice", "close", "status", "InProgress", "Closed"),
        ("alice", "close", "closed", None, closed_at),
        ("alice", "resolution", "resolution", None, "Replaced the fuse."),
        ("alice", "reopen", "status", "Closed", "ReOpen"),
        ("alice", "reopen", "closed", closed_at, None),
        # the old scheduled time goes; the SLA starts again from the reopen
        ("alice", "reopen", "scheduled", when, None),
        ("alice", "reopen", "due", at(24), at(24 + 10 / 60)),
        ("alice", "close", "status", "ReOpen", "Closed"),
        ("alice", "close", "closed", None, closed_at),
        ("lena", "reopen", "status", "Closed", "ReOpen"),
        ("lena", "reopen", "closed", closed_at, None),
    ]


# -- conversation ----------------------------------------------------------------------------


async def test_reply_sets_the_first_response_time_once(desk: Desk) -> None:
    alice, bob = desk.service("alice"), desk.service("bob")
    number = await desk.ticket()
    desk.clock.advance(minutes=5)
    await alice.note(number, "Looks like the fuse")
    await alice.comment(number, "Anyone seen this?")
    assert (await alice.queries.ticket(number)).first_response_at is None
    desk.clock.advance(minutes=5)
    first = await bob.reply(number, "We are on it.")
    assert first.first_response_at == NOW + timedelta(minutes=10)
    desk.clock.advance(hours=1)
    second = await alice.reply(number, "Fixed.")
    assert second.first_response_at == NOW + timedelta(minutes=10)
    assert second.updated_at == NOW + timedelta(minutes=70)
    with pytest.raises(BadValue, match=r"A reply needs some text\."):
        await alice.reply(number, "   ")
    d = await detail(desk, number)
    assert [(m.kind, m.author, m.body) for m in d.messages] == [
        ("note", "alice", "Looks like the fuse"),
        ("comment", "alice", "Anyone seen this?"),
        ("reply", "bob", "We are on it."),
        ("reply", "alice", "Fixed."),
    ]
    assert history(d)[1:] == [
        ("alice", "note", None, None, "Looks like the fuse"),
        ("alice", "comment", None, None, "Anyone seen this?"),
        ("bob", "reply", None, None, "We are on it."),
        ("alice", "reply", None, None, "Fixed."),
    ]


async def test_comment_mentions_must_name_agents(desk: Desk) -> None:
    alice = desk.service("alice")
    number = await desk.ticket()
    await alice.comment(number, "@bob can you check? cc @lena. Customer: pat@acme.example")
    d = await detail(desk, number)
    assert d.messages[-1].mentions == ("bob", "lena")
    before = d
    with pytest.raises(BadValue) as err:
        await alice.comment(number, "@zed and @bob, please look")
    assert str(err.value).startswith("Not an agent: @zed.")
    assert await detail(desk, number) == before
    assert await count(desk, Message) == 1


async def test_note_and_activities(desk: Desk) -> None:
    alice, bob = desk.service("alice"), desk.service("bob")
    number = await desk.ticket()
    await alice.note(number, "Customer prefers phone")
    before = await detail(desk, number)
    due, reminder = NOW + timedelta(hours=2), NOW + timedelta(hours=1)
    with pytest.raises(BadValue, match=r"comes after the due time 2026-.*; set it before"):
        await alice.add_activity(number, "Call back", due=reminder, reminder=due)
    with pytest.raises(BadValue, match="Unknown activity 'meeting'"):
        await alice.add_activity(number, "Meet", kind="meeting")
    with pytest.raises(BadValue, match=r"A call needs a title\."):
        await alice.add_activity(number, " ", kind="call")
    await alice.add_activity(
        number, "Call back", kind="call", owner="bob", due=due, reminder=reminder
    )
    await alice.add_activity(number, "Order fuse")
    d = await detail(desk, number)
    call, task = d.activities
    assert (call.kind, call.title, call.owner, call.due_at, call.reminder_at, call.done) == (
        "call",
        "Call back",
        "bob",
        due,
        reminder,
        False,
    )
    assert (task.kind, task.owner, task.done) == ("task", "alice", False)

    desk.clock.advance(minutes=30)
    await bob.complete_activity(number, call.id)
    done = (await detail(desk, number)).activities[0]
    assert (done.done, done.done_at) == (True, NOW + timedelta(minutes=30))
    with pytest.raises(Refused, match=f"Activity {call.id} on #{number} is already done."):
        await bob.complete_activity(number, call.id)
    with pytest.raises(NotFound, match=f"#{number} has no activity 999."):
        await bob.complete_activity(number, 999)
    assert await new_events(desk, number, before) == [
        ("alice", "call", None, None, "Call back"),
        ("alice", "task", None, None, "Order fuse"),
        ("bob", "done", "call", None, "Call back"),
    ]
    assert [(m.kind, m.body) for m in d.messages] == [("note", "Customer prefers phone")]


# -- resolution, time, attachments -----------------------------------------------------------


async def test_resolution_published_to_the_knowledge_base(desk: Desk) -> None:
    alice = desk.service("alice")
    number = await desk.ticket(subject="Router reboots")
    await alice.set_resolution(number, "Reset the router", publish_to_kb=True)
    async with desk.db.read() as conn:
        articles = (await conn.execute(select(Article))).scalars().all()
    assert [(a.title, a.body) for a in articles] == [("Router reboots", "Reset the router")]
    before = await detail(desk, number)
    await alice.set_resolution(
        number, "Reset router and modem", publish_to_kb=True, notify_contact=True
    )
    async with desk.db.read() as conn:
        articles = (await conn.execute(select(Article))).scalars().all()
    assert [(a.title, a.body) for a in articles] == [("Router reboots", "Reset router and modem")]
    d = await detail(desk, number)
    assert d.resolution is not None
    assert (d.resolution.text, d.resolution.publish_to_kb, d.resolution.notify_contact) == (
        "Reset router and modem",
        True,
        True,
    )
    assert [(m.kind, m.body) for m in d.messages] == [
        ("reply", "Resolution:\nReset router and modem")
    ]
    assert await new_events(desk, number, before) == [
        ("alice", "resolution", "resolution", "Reset the router", "Reset router and modem"),
        ("alice", "publish", "knowledge base", None, "Router reboots"),
        ("alice", "reply", None, None, "Resolution: Reset router and modem"),
    ]
    with pytest.raises(BadValue, match=r"A resolution needs some text\."):
        await alice.set_resolution(number, "")


async def test_log_time(desk: Desk) -> None:
    alice, bob = desk.service("alice"), desk.service("bob")
    number = await desk.ticket()
    await alice.log_time(number, 30, billable=True, note="Remote session")
    await bob.log_time(number, 15, started_at=NOW - timedelta(hours=3))
    for minutes in (0, -5, 1441):
        with pytest.raises(BadValue, match="minutes from 1 to 1440"):
            await alice.log_time(number, minutes)
    d = await detail(desk, number)
    assert [(e.agent, e.minutes, e.billable, e.note, e.started_at) for e in d.time_entries] == [
        ("bob", 15, False, "", NOW - timedelta(hours=3)),
        ("alice", 30, True, "Remote session", NOW - timedelta(minutes=30)),
    ]
    assert (d.total_minutes, d.billable_minutes) == (45, 30)
    assert history(d)[1:] == [
        ("alice", "time", None, None, "30 min billable"),
        ("bob", "time", None, None, "15 min"),
    ]


async def test_attach_stores_the_file_and_refuses_over_20_mb(desk: Desk, tmp_path: Path) -> None:
    alice = desk.service("alice")
    number = await desk.ticket()
    file = tmp_path / "router.log"
    content = b"kernel: eth0 link down\n" * 100
    file.write_bytes(content)
    await alice.attach(number, file)
    d = await detail(desk, number)
    (attachment,) = d.attachments
    assert (attachment.file_name, attachment.size, attachment.uploaded_by) == (
        "router.log",
        len(content),
        "alice",
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert await alice.attachment_content(number, attachment.id) == ("router.log", content)
    assert history(d)[-1] == ("alice", "attach", None, None, f"router.log ({len(content)} bytes)")

    # Over 20 MB: refused by its size, before anything is read or written.
    before = await detail(desk, number)
    big = tmp_path / "dump.bin"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)  # sparse: no disk used
    with pytest.raises(BadValue) as err:
        await alice.attach(number, big)
    assert str(err.value) == "dump.bin is 20.0 MB; attachments are at most 20 MB."
    with pytest.raises(BadValue, match="No file at"):
        await alice.attach(number, tmp_path / "missing.txt")
    with pytest.raises(BadValue, match="is not a file"):
        await alice.attach(number, tmp_path)
    assert await detail(desk, number) == before
    assert big.stat().st_size == 20 * 1024 * 1024 + 1


# -- editing ---------------------------------------------------------------------------------


async def test_sla_due_from_priority_and_edit_moves_it(desk: Desk) -> None:
    alice = desk.service("alice")
    due = {}
    for priority in ("High", "Medium", "Low"):
        due[priority] = (await alice.queries.ticket(await desk.ticket(priority=priority))).due
    assert due == {
        "High": NOW + timedelta(hours=4),
        "Medium": NOW + timedelta(hours=24),
        "Low": NOW + timedelta(hours=72),
    }
    given = NOW + timedelta(days=10)
    assert (await alice.queries.ticket(await desk.ticket(priority="High", due=given))).due == given

    # Changing the priority moves the due time to creation + the new priority's SLA.
    number = await desk.ticket(priority="Low")
    before = await detail(desk, number)
    assert before.ticket.due == NOW + timedelta(hours=72)
    desk.clock.advance(hours=1)
    edited = await alice.edit(number, {"priority": "high", "subject": "Printer really on fire"})
    assert (edited.priority, edited.subject) == ("High", "Printer really on fire")
    assert edited.due == NOW + timedelta(hours=4)  # from creation, not from the edit
    given = NOW + timedelta(days=2)
    edited = await alice.edit(number, {"priority": "Medium", "due": given, "department": "network"})
    assert (edited.priority, edited.due, edited.department) == ("Medium", given, "Network")
    assert await new_events(desk, number, before) == [
        ("alice", "edit", "priority", "Low", "High"),
        ("alice", "edit", "due", at(72), at(4)),
        ("alice", "edit", "subject", "Printer on fire", "Printer really on fire"),
        ("alice", "edit", "priority", "High", "Medium"),
        ("alice", "edit", "due", at(4), at(48)),
        ("alice", "edit", "department", "Billing", "Network"),
    ]
    unchanged = await detail(desk, number)
    for changes, sentence in [
        ({"owner": "bob"}, "Cannot edit owner; editable fields:"),
        ({}, "Nothing to change."),
        ({"subject": " "}, "The subject cannot be empty."),
        ({"priority": "Asap"}, "Unknown priority 'Asap'"),
        ({"sticky": False}, f"Nothing changed on #{number}."),
        ({"priority": "Low", "subject": ""}, "The subject cannot be empty."),
    ]:
        with pytest.raises(BadValue) as err:
            await alice.edit(number, changes)
        assert sentence in str(err.value)
    assert await detail(desk, number) == unchanged


# -- merge and delete ------------------------------------------------------------------------


async def test_merge_moves_conversation_attachments_and_time(desk: Desk) -> None:
    alice, lena = desk.service("alice"), desk.service("lena")
    source = await desk.ticket(subject="Duplicate")
    target = await desk.ticket(subject="Original")
    await alice.reply(source, "Looking")
    await alice.comment(source, "@bob dup?")
    await alice.attach_bytes(source, "shot.png", b"\x89PNG data")
    await alice.log_time(source, 20)
    await alice.reply(target, "On it")
    with pytest.raises(Refused) as err:
        await alice.merge(source, target)
    assert str(err.value) == f"Merge is for leads and admins; ask a lead to merge #{source}."
    with pytest.raises(BadValue, match="cannot be merged into itself"):
        await lena.merge(source, source)
    with pytest.raises(NotFound, match="No ticket #9999"):
        await lena.merge(source, 9999)

    desk.clock.advance(minutes=3)
    merged = await lena.merge(source, target)
    assert merged.number == target
    t = await detail(desk, target)
    assert [(m.kind, m.body) for m in t.messages] == [
        ("reply", "Looking"),
        ("comment", "@bob dup?"),
        ("reply", "On it"),
    ]
    assert t.messages[1].mentions == ("bob",)
    assert [a.file_name for a in t.attachments] == ["shot.png"]
    assert [e.minutes for e in t.time_entries] == [20]
    assert history(t)[-1] == (
        "lena",
        "merge",
        "merged from",
        None,
        f"#{source} (2 messages, 1 attachments, 1 time entries)",
    )
    s = await detail(desk, source)
    assert (s.ticket.status, s.ticket.merged_into, s.ticket.closed_at) == (
        "Closed",
        target,
        NOW + timedelta(minutes=3),
    )
    assert (s.messages, s.attachments, s.time_entries) == ((), (), ())
    assert history(s)[-2:] == [
        ("lena", "merge", "status", "New", "Closed"),
        ("lena", "merge", "merged into", None, f"#{target}"),
    ]
    third = await desk.ticket(subject="Third")
    with pytest.raises(Refused, match=f"#{source} was itself merged"):
        await lena.merge(third, source)


async def test_delete_is_for_admins_and_its_history_survives(desk: Desk) -> None:
    alice, lena, root = desk.service("alice"), desk.service("lena"), desk.service("root")
    number = await desk.ticket(subject="Spam")
    other = await desk.ticket()
    keep = await desk.ticket(subject="Keep me")
    await alice.reply(number, "Hello?")
    await alice.comment(number, "@bob spam?")
    await alice.add_activity(number, "Check headers")
    await alice.request_approval(number, ["lena"], "Delete it?")
    await alice.log_time(number, 5)
    await alice.attach_bytes(number, "mail.eml", b"From: spam")
    await alice.set_resolution(number, "Spam, blocked sender", publish_to_kb=True)
    await alice.reply(keep, "Kept")
    await root.merge(other, number)  # a ticket merged into the one deleted loses the link
    for who in (alice, lena):
        with pytest.raises(Refused) as err:
            await who.delete(number, confirm=True)
        assert str(err.value) == f"Delete is for admins; #{number} was not deleted."
    with pytest.raises(BadValue, match="cannot be undone"):
        await root.delete(number, confirm=False)
    assert (await root.queries.ticket(number)).subject == "Spam"

    await root.delete(number, confirm=True)
    with pytest.raises(NotFound) as err:
        await root.queries.detail(number)
    assert str(err.value) == f"No ticket #{number} (or not one you may see)."
    with pytest.raises(NotFound):
        await root.delete(number, confirm=True)
    assert await count(desk, Message) == 1  # only the other ticket's
    assert (await root.queries.ticket(other)).merged_into is None
    assert [m.body for m in (await detail(desk, keep)).messages] == ["Kept"]
    async with desk.db.read() as conn:
        articles = (await conn.execute(select(Article.title, Article.ticket_id))).all()
        events = (
            await conn.execute(
                select(Event.actor_name, Event.action, Event.old_value)
                .where(Event.ticket_number == number)
                .order_by(Event.id)
            )
        ).all()
    assert [tuple(a) for a in articles] == [("Spam", None)]  # the knowledge stays
    assert [tuple(e) for e in events][-1] == ("root", "delete", "Spam")
    assert [e[1] for e in events] == [
        "create",
        "reply",
        "comment",
        "task",
        "approval",
        "time",
        "attach",
        "resolution",
        "publish",
        "merge",
        "delete",
    ]


# -- the customer writes back ----------------------------------------------------------------


async def test_customer_message_reopens_a_closed_ticket(desk: Desk) -> None:
    alice = desk.service("alice")
    number = await desk.ticket()
    await alice.customer_message(number, "Still smoking")
    assert (await alice.queries.ticket(number)).status == "New"
    await alice.close(number)
    before = await detail(desk, number)
    desk.clock.advance(hours=1)
    reopened = await alice.customer_message(number, "It is on fire again")
    assert (reopened.status, reopened.closed_at) == ("ReOpen", None)
    assert reopened.updated_at == NOW + timedelta(hours=1)
    d = await detail(desk, number)
    assert [(m.kind, m.author, m.body) for m in d.messages][-1] == (
        "customer",
        "Pat Customer",
        "It is on fire again",
    )
    new = [(e.actor_kind, e.actor, e.action, e.field, e.old, e.new) for e in d.history][
        : len(d.history) - len(before.history)
    ]
    assert list(reversed(new)) == [
        ("customer", "Pat Customer", "customer", None, None, "It is on fire again"),
        ("customer", "Pat Customer", "reopen", "status", "Closed", "ReOpen"),
    ]
    with pytest.raises(NotFound):
        await alice.customer_message(9999, "Hello")


# -- no lost update --------------------------------------------------------------------------


async def test_stale_version_is_a_conflict_naming_who_changed_it(
    desk: Desk, tmp_path: Path
) -> None:
    bob, lena = desk.service("bob"), desk.service("lena")
    number = await desk.ticket()
    other = await desk.ticket()
    seen = (await bob.queries.ticket(number)).version
    desk.clock.advance(minutes=7)
    await lena.assign(number, "bob")
    current = await detail(desk, number)
    assert current.ticket.version == seen + 1
    file = tmp_path / "a.txt"
    file.write_text("x")
    later = NOW + timedelta(hours=1)
    stale = {
        "assign": lambda v: bob.assign(number, "alice", expected_version=v),
        "pickup": lambda v: bob.pick_up(number, expected_version=v),
        "release": lambda v: bob.release(number, expected_version=v),
        "schedule": lambda v: bob.schedule(number, later, expected_version=v),
        "start": lambda v: bob.start(number, expected_version=v),
        "close": lambda v: bob.close(number, resolution="done", expected_version=v),
        "reopen": lambda v: lena.reopen(number, expected_version=v),
        "reply": lambda v: bob.reply(number, "hi", expected_version=v),
        "comment": lambda v: bob.comment(number, "hi", expected_version=v),
        "note": lambda v: bob.note(number, "hi", expected_version=v),
        "task": lambda v: bob.add_activity(number, "t", expected_version=v),
        "approval": lambda v: bob.request_approval(number, ["lena"], "s", expected_version=v),
        "resolution": lambda v: bob.set_resolution(number, "r", expected_version=v),
        "time": lambda v: bob.log_time(number, 5, expected_version=v),
        "attach": lambda v: bob.attach(number, file, expected_version=v),
        "edit": lambda v: bob.edit(number, {"subject": "new"}, expected_version=v),
        "merge": lambda v: lena.merge(number, other, expected_version=v),
    }
    for name, action in stale.items():
        with pytest.raises(Conflict) as err:
            await action(seen)
        assert str(err.value) == (
            f"#{number} was changed by lena at 2026-03-02 09:07 UTC (assign) while you were "
            "looking at it; nothing of yours was applied."
        ), name
        assert (err.value.by, err.value.action) == ("lena", "assign")
        assert await detail(desk, number) == current, name
    # With the version just read, the same action goes through and bumps the version.
    replied = await bob.reply(number, "hi", expected_version=current.ticket.version)
    assert replied.version == current.ticket.version + 1


async def test_a_deleted_tickets_history_never_lands_on_a_new_ticket(desk: Desk) -> None:
    gone = await desk.ticket(subject="Soon deleted")
    await desk.service("root").delete(gone, confirm=True)
    fresh = await desk.ticket(subject="Brand new")
    history = await detail(desk, fresh)
    assert [(e.action, e.new) for e in history.history] == [("create", "Brand new")]
