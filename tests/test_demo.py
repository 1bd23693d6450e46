"""The demo help desk: a realistic, reproducible database in every stage, that the services
and queries work on like on any other; on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import hashlib
from collections import Counter as Tally
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from console.data import audit
from console.data.db import Database, make_engine
from console.data.directory import resolve_actor
from console.data.errors import Refused
from console.data.models import (
    Account,
    Agent,
    Approval,
    Attachment,
    Counter,
    Event,
    Message,
    Meta,
    Team,
    Ticket,
    approval_approvers,
    message_mentions,
)
from console.data.queries import QueueQuery
from console.data.schema import ensure_schema
from console.data.tickets import DEFAULT_SLA, TicketService, allocate_number
from console.demo import DemoSummary, build_demo, demo_matches
from console.demo import build as demo  # where BATCH is read (a test makes it small)
from tests.conftest import NOW, Desk, FixedClock

N = 600


async def build(db: Database, tickets: int = N, seed: int = 7) -> DemoSummary:
    return await build_demo(db, tickets=tickets, seed=seed, now=NOW)


async def rows(db: Database, stmt: Any) -> list[Any]:
    async with db.read() as session:
        return list((await session.execute(stmt)).all())


async def scalar(db: Database, stmt: Any) -> Any:
    async with db.read() as session:
        return (await session.execute(stmt)).scalar_one()


async def test_a_help_desk_in_every_stage(db: Database) -> None:
    summary = await build(db)

    stages = dict(await rows(db, select(Ticket.status, func.count()).group_by(Ticket.status)))
    assert set(stages) == {"New", "Scheduled", "InProgress", "Closed", "ReOpen"}
    assert stages["Closed"] > N / 2  # most of a desk's history is done
    assert sum(stages.values()) == summary.tickets == N
    numbers = [n for (n,) in await rows(db, select(Ticket.number).order_by(Ticket.number))]
    assert numbers == list(range(1001, 1001 + N))
    assert await scalar(db, select(func.count()).where(Ticket.owner_id.is_(None))) > 0
    assert await scalar(db, select(Counter.next_value)) == 1001 + N

    # Three teams, each with its lead; about twelve agents and the admin.
    teams = await rows(db, select(Team.name, Agent.username, Agent.role, Agent.team_id, Team.id)
                       .join(Agent, Agent.id == Team.lead_id))  # fmt: skip
    assert {name for name, *_ in teams} == {"Billing", "Network", "Hosting"}
    assert all(role == "lead" and team == tid for _n, _u, role, team, tid in teams)
    roles = Tally(r for (r,) in await rows(db, select(Agent.role)))
    assert roles == {"admin": 1, "lead": 3, "agent": 9} and summary.agents == 13
    meta = dict(await rows(db, select(Meta.key, Meta.value)))
    lead_names = {username for _n, username, *_ in teams}
    assert meta["demo_default_agent"] == summary.default_agent == "maya"
    assert summary.default_agent in lead_names
    assert (meta["demo"], meta["demo_tickets"], meta["demo_seed"]) == ("1", str(N), "7")

    # Customers: some support contracts expired (and tickets marked so), most valid.
    expiries = [e for (e,) in await rows(db, select(Account.amc_expires))]
    expired = [e for e in expiries if e < NOW.date()]
    assert 1 <= len(expired) < len(expiries) / 2
    amc = Tally(s for (s,) in await rows(db, select(Ticket.amc_state)))
    assert amc["expired"] > 0 and amc["exception"] > 0

    # Conversations with every kind of message, and @mentions that name agents.
    kinds = Tally(k for (k,) in await rows(db, select(Message.kind)))
    assert set(kinds) == {"customer", "reply", "comment", "note"}
    mentioned = await rows(
        db, select(Message.body, Agent.username).join(
            message_mentions, message_mentions.c.message_id == Message.id
        ).join(Agent, Agent.id == message_mentions.c.agent_id)
    )  # fmt: skip
    assert mentioned and all(f"@{who}" in body for body, who in mentioned)

    # Approvals waiting and decided, AMC exceptions among them, each with its approvers.
    states = Tally(s for (s,) in await rows(db, select(Approval.state)))
    assert states["pending"] > 0 and states["approved"] > 0 and states["rejected"] > 0
    assert await scalar(db, select(func.count()).where(Approval.kind == "amc_exception")) > 0
    without_approver = (
        select(func.count())
        .select_from(Approval)
        .where(~Approval.id.in_(select(approval_approvers.c.approval_id)))
    )
    assert await scalar(db, without_approver) == 0

    # Attachments are real files: their size and SHA-256 match their content.
    files = await rows(db, select(Attachment.file_name, Attachment.media_type, Attachment.size,
                                  Attachment.sha256, Attachment.content))  # fmt: skip
    assert files and summary.attachments == len(files)
    for name, media_type, size, sha256, content in files:
        assert 1024 <= size == len(content) <= 8192
        assert hashlib.sha256(content).hexdigest() == sha256
        assert media_type == ("text/csv" if name.endswith(".csv") else "text/plain")

    assert summary.events == await scalar(db, select(func.count()).select_from(Event))
    assert summary.messages == sum(kinds.values())
    if db.is_sqlite:  # PostgreSQL checked every foreign key as the rows went in
        async with db.read() as session:
            assert (await session.execute(text("PRAGMA foreign_key_check"))).all() == []


async def test_history_tells_how_each_ticket_got_where_it_is(db: Database) -> None:
    await build(db)
    tickets = await rows(db, select(Ticket))
    names = dict(await rows(db, select(Agent.id, Agent.username)))
    history: dict[int, list[Event]] = defaultdict(list)
    for (event,) in await rows(db, select(Event).order_by(Event.id)):
        history[event.ticket_id].append(event)
    replies: dict[int, list[Any]] = defaultdict(list)
    for ticket_id, at in await rows(db, select(Message.ticket_id, Message.created_at)
                                    .where(Message.kind == "reply")):  # fmt: skip
        replies[ticket_id].append(at)

    for (t,) in tickets:
        events = history[t.id]
        assert events[0].action == "create" and events[0].at == t.created_at
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.ticket_number == t.number for e in events)
        status = [e.new_value for e in events if e.field == "status"]
        assert (status[-1] if status else "New") == t.status
        owners = [e.new_value for e in events if e.field == "owner"]
        assert (owners[-1] if owners else None) == names.get(t.owner_id)
        assert (t.closed_at is not None) == (t.status == "Closed")
        assert (t.scheduled_at is not None) == any(e.field == "scheduled" for e in events)
        if t.status in ("Scheduled", "InProgress"):
            assert t.owner_id is not None and t.scheduled_at is not None
        assert t.first_response_at == min(replies[t.id], default=None)
        assert t.created_at <= t.updated_at == max(e.at for e in events) <= NOW
        assert t.due_at == t.created_at + DEFAULT_SLA[t.priority]
        assert t.version >= 1 and t.priority in (1, 2, 3)
        assert NOW - timedelta(days=demo.HISTORY_DAYS) <= t.created_at
        if t.amc_state == "exception":
            assert any(e.action == "amc" and e.new_value == "exception" for e in events)
        if any(e.field == "scheduled" for e in events):
            assert t.amc_state != "expired"  # the AMC gate held until an exception


async def test_the_demo_history_is_one_intact_chain_that_services_extend(db: Database) -> None:
    """The bulk writer hashes events exactly as the services do: the chain verifies, and
    an action taken afterwards chains onto the demo's last event."""
    await build(db)
    report = await audit.verify(db)
    assert report.ok, report.finding
    assert report.events == len(await rows(db, select(Event.id)))
    maya = await resolve_actor(db, "maya", login="maya")
    ticket = (await rows(db, select(Ticket.number).where(Ticket.status == "New")))[0][0]
    await TicketService(db, maya).comment(ticket, "Checked by the lead.")
    after = await audit.verify(db)
    assert after.ok and after.events == report.events + 1


async def ticket_rows(db: Database) -> list[tuple[Any, ...]]:
    columns = [c for c in Ticket.__table__.columns if c.name != "id"]
    return [tuple(r) for r in await rows(db, select(*columns).order_by(Ticket.number))]


async def event_rows(db: Database) -> list[tuple[Any, ...]]:
    columns = [c for c in Event.__table__.columns if c.name != "id"]
    return [tuple(r) for r in await rows(db, select(*columns).order_by(Event.id))]


async def test_the_same_seed_builds_the_same_desk(db: Database, tmp_path: Path) -> None:
    # The second build is always on SQLite, so on PostgreSQL this also checks that both
    # backends get the very same demo.
    await build(db)
    again = make_engine(str(tmp_path / "again.db"))
    other = make_engine(str(tmp_path / "other.db"))
    try:
        for target, seed in ((again, 7), (other, 8)):
            await ensure_schema(target)
            await build(target, seed=seed)
        assert await ticket_rows(again) == await ticket_rows(db)
        assert await event_rows(again) == await event_rows(db)
        assert await ticket_rows(other) != await ticket_rows(db)
    finally:
        await again.dispose()
        await other.dispose()


async def test_the_default_lead_works_demo_tickets(db: Database) -> None:
    await build(db)
    # Someone who is not one of the demo's agents acts as its default lead.
    actor = await resolve_actor(db, login="visitor")
    assert actor.username == "maya"
    clock = FixedClock(NOW + timedelta(minutes=5))
    service = TicketService(db, actor, clock=clock)
    counts = await service.queries.counts(QueueQuery("all"))
    assert 0 < counts["All"] < N  # her team's departments, not everything
    assert counts["Closed"] > 0 and counts["New"] > 0

    waiting = await service.queries.window(QueueQuery("unassigned", "New"))
    assert waiting
    picked = await service.pick_up(waiting[0].number, expected_version=waiting[0].version)
    assert picked.owner == "maya" and picked.version == waiting[0].version + 1
    replied = await service.reply(picked.number, "Hi, I am on it.")
    assert replied.first_response_at is not None
    detail = await service.queries.detail(picked.number)
    assert [(e.action, e.new) for e in detail.history[:2]] == [
        ("reply", "Hi, I am on it."),
        ("pickup", "maya"),
    ]

    created = await service.create(
        subject="Printer on fire", contact_name="Pat Customer", department="Billing"
    )
    assert created.number == 1001 + N


async def test_a_demo_is_built_only_into_an_empty_database(desk: Desk) -> None:
    with pytest.raises(Refused, match="already holds agents or tickets"):
        await build(desk.db)
    assert await scalar(desk.db, select(func.count()).select_from(Ticket)) == 0
    assert not await demo_matches(desk.db, N, 7)


async def test_a_demo_never_reuses_ticket_numbers(db: Database) -> None:
    # Numbers were handed out once (their tickets since deleted): not a new database.
    async with db.write() as session:
        await allocate_number(session, 4)
    with pytest.raises(Refused, match="already holds agents or tickets"):
        await build(db)


async def test_building_twice_is_refused_and_leaves_the_demo(db: Database) -> None:
    await build(db, tickets=50)
    with pytest.raises(Refused):
        await build(db, tickets=50)
    assert await scalar(db, select(func.count()).select_from(Ticket)) == 50


async def test_demo_matches_its_size_and_seed(db: Database) -> None:
    assert not await demo_matches(db, N, 7)
    await build(db)
    assert await demo_matches(db, N, 7)
    assert not await demo_matches(db, N + 1, 7)
    assert not await demo_matches(db, N, 8)


async def test_progress_is_reported_per_batch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "BATCH", 40)
    calls: list[tuple[int, int]] = []
    await build_demo(db, tickets=130, now=NOW, progress=lambda done, of: calls.append((done, of)))
    assert calls == [(40, 130), (80, 130), (120, 130), (130, 130)]


async def test_an_empty_demo_has_people_and_no_tickets(db: Database) -> None:
    summary = await build(db, tickets=0)
    assert summary.tickets == 0 and summary.agents == 13 and summary.contacts > 60
    assert await scalar(db, select(Counter.next_value)) == 1001


def test_the_data_layer_never_imports_the_demo() -> None:
    """The demo sits beside the data layer: it imports the data layer, never the reverse
    (only the command line, the tests and the benchmarks build demos)."""
    data = Path(audit.__file__).parent
    importers = []
    for source in sorted(data.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "console.demo" or name.startswith("console.demo.") for name in names):
                importers.append(source.relative_to(data).as_posix())
    assert importers == []


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
async def test_a_demo_on_postgresql_is_left_vacuumed_and_analyzed(db: Database) -> None:
    """As autovacuum would leave it within minutes: the planner knows the tables (the
    lead's figures were planned as over empty ones) and index-only scans can skip the
    heap."""
    assert not db.is_sqlite
    await build(db)
    [(all_visible,)] = await rows(
        db, text("SELECT relallvisible FROM pg_class WHERE oid = 'tickets'::regclass")
    )
    assert all_visible > 0  # only VACUUM marks pages all-visible
    analyzed = await rows(
        db,
        text(
            "SELECT tablename FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = 'tickets' AND attname = 'status'"
        ),
    )
    assert analyzed == [("tickets",)]  # only ANALYZE gathers a column's statistics
