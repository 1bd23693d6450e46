"""PostgreSQL row-level security (`agent-console db secure`): connected as their own
roles, two agents and a lead see through every view exactly the tickets the console's
scope gives them, the rows hanging off tickets only for those, and an UPDATE of a ticket
outside their scope changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from console.cli import main
from console.data.audit import verify
from console.data.db import Database, make_engine
from console.data.directory import Directory, resolve_actor
from console.data.models import Ticket
from console.data.queries import VIEWS, Queries, QueueQuery
from console.data.scope import load_scope
from console.data.secure import CHILDREN, secure
from console.data.tickets import TicketService
from console.data.workflow import Actor

pg_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)


class Desk:
    def __init__(self, db: Database, db_url: str) -> None:
        self.db = db
        self.url = db_url
        tag = uuid.uuid4().hex[:6]
        self.names = {who: f"{who}_{tag}" for who in ("lena", "alice", "carl")}
        self.actors: dict[str, Actor] = {}
        self.engines: list[Database] = []

    def as_role(self, who: str) -> Database:
        """A connection to the database as the agent's own PostgreSQL role."""
        url = make_url(self.url).set(username=self.names[who], password=None)
        engine = make_engine(url.render_as_string(hide_password=False))
        self.engines.append(engine)
        return engine


@pytest.fixture
async def desk(db: Database, db_url: str) -> AsyncIterator[Desk]:
    desk = Desk(db, db_url)
    try:
        await _fill(desk)
        yield desk
    finally:
        for engine in desk.engines:
            await engine.dispose()
        await drop_roles(db, desk.names.values())


async def drop_roles(db: Database, roles: Iterable[str]) -> None:
    """Drop the test's roles (those that were made), even after a failure."""
    async with db.engine.begin() as conn:
        for role in roles:
            found = await conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            )
            if found.first() is not None:
                # What a test gave the role (a table's ownership) goes back first.
                await conn.execute(text(f'REASSIGN OWNED BY "{role}" TO current_user'))
                await conn.execute(text(f'DROP OWNED BY "{role}"'))
                await conn.execute(text(f'DROP ROLE "{role}"'))


async def _fill(desk: Desk) -> None:
    """Three agents (a lead, two agents), six tickets, and the database secured."""
    db = desk.db
    root = await resolve_actor(db, login="root")
    directory = Directory(db, root)
    n = desk.names
    for dept in ("Billing", "Network"):
        await directory.add_department(dept)
    await directory.add_agent(n["lena"], role="lead", team="Billing", departments=["Billing"])
    await directory.add_agent(n["alice"], role="agent", team="Billing", departments=["Billing"])
    await directory.add_agent(n["carl"], role="agent", team="Network", departments=["Network"])
    await directory.add_account("Acme", coordinator=n["carl"])
    for who in n:
        desk.actors[who] = await resolve_actor(db, n[who], login="root")
    admin = TicketService(db, root)

    async def ticket(subject: str, department: str, account: str | None = None) -> int:
        record = await admin.create(
            subject=subject,
            contact_name="Pat",
            contact_email="pat@example.com",
            department=department,
            account=account,
        )
        await admin.comment(record.number, "seen")
        return record.number

    await ticket("Invoice wrong", "Billing")
    await ticket("Router down", "Network")
    given = await ticket("Switch loops", "Network")
    await admin.assign(given, n["alice"])
    await ticket("Acme refund", "Billing", "Acme")
    await ticket("Acme VPN", "Network", "Acme")
    await TicketService(db, desk.actors["alice"]).create(
        subject="Asked by alice",
        contact_name="Kim",
        contact_email="kim@example.com",
        department="Network",
    )
    assert await secure(db) == sorted(n.values(), key=list(n.values()).index)


async def in_scope(desk: Desk, who: str) -> set[int]:
    """The tickets the console's scope gives the agent."""
    async with desk.db.read() as session:
        scope = await load_scope(session, desk.actors[who])
        return set((await session.execute(select(Ticket.number).where(scope.clause()))).scalars())


async def ids(desk: Desk, scope: set[int]) -> set[int]:
    async with desk.db.read() as session:
        found = await session.execute(select(Ticket.id).where(Ticket.number.in_(scope)))
        return set(found.scalars())


async def numbers(db: Database, sql: str) -> set[int]:
    async with db.engine.connect() as conn:
        return {row[0] for row in await conn.execute(text(sql))}


@pg_only
@pytest.mark.parametrize("who", ["alice", "carl", "lena"])
async def test_each_role_sees_its_scope_through_every_view(desk: Desk, who: str) -> None:
    role = desk.as_role(who)
    scope = await in_scope(desk, who)
    assert 0 < len(scope) < 6
    assert await numbers(role, "SELECT number FROM tickets") == scope
    # Every ticket has history: the role reaches the events of exactly its tickets.
    events = "SELECT t.number FROM events e JOIN tickets t ON t.id = e.ticket_id"
    assert await numbers(role, events) == scope
    for table in CHILDREN:
        everything = await numbers(desk.db, f"SELECT ticket_id FROM {table}")
        reached = await numbers(role, f"SELECT ticket_id FROM {table}")
        assert reached == everything & await ids(desk, scope), table
    actor = desk.actors[who]
    for view in VIEWS:
        query = QueueQuery(view=view)
        by_app = [r.number for r in await Queries(desk.db, actor).window(query, limit=100)]
        by_role = [r.number for r in await Queries(role, actor).window(query, limit=100)]
        assert by_role == by_app, view


@pg_only
@pytest.mark.parametrize("who", ["alice", "carl", "lena"])
async def test_an_update_outside_the_scope_changes_no_row(desk: Desk, who: str) -> None:
    role = desk.as_role(who)
    scope = await in_scope(desk, who)
    everything = await numbers(desk.db, "SELECT number FROM tickets")
    outside, inside = min(everything - scope), min(scope)
    async with role.engine.begin() as conn:
        changed = await conn.execute(
            text("UPDATE tickets SET subject = 'mine now' WHERE number = :n"), {"n": outside}
        )
        assert changed.rowcount == 0
        changed = await conn.execute(
            text("UPDATE tickets SET sticky = true WHERE number = :n"), {"n": inside}
        )
        assert changed.rowcount == 1
    assert "mine now" not in await subjects(desk)


async def subjects(desk: Desk) -> set[str]:
    async with desk.db.engine.connect() as conn:
        return {row[0] for row in await conn.execute(text("SELECT subject FROM tickets"))}


@pg_only
async def test_the_console_works_as_the_agents_role(desk: Desk) -> None:
    role = desk.as_role("alice")
    alice = TicketService(role, desk.actors["alice"])
    mine = min(await in_scope(desk, "alice"))
    record = await alice.comment(mine, "through my own role")
    assert record.number == mine
    bodies = [m.body for m in (await alice.queries.detail(mine)).messages]
    assert "through my own role" in bodies
    assert (await verify(desk.db)).ok  # the history chain went on through the role


@pg_only
async def test_db_secure_from_the_command_line_again(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["db", "secure", "--db", db_url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Row-level security is on for" in out and "(no new roles)" in out
    assert await numbers(desk.as_role("carl"), "SELECT number FROM tickets") == await in_scope(
        desk, "carl"
    )


def test_db_secure_on_sqlite_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["db", "secure", "--db", str(tmp_path / "desk.db")])
    assert code == 1
    assert "Row-level security is PostgreSQL's" in capsys.readouterr().err


@pg_only
async def test_inboxes_and_private_messages_are_their_agents_only(desk: Desk) -> None:
    """Connected as their own roles, agents write into each other's inboxes (a mention, a
    message) but read only their own entries and the messages they sent or received."""
    from console.data.inbox import Inbox

    n = desk.names
    alice_role, lena_role, carl_role = (desk.as_role(w) for w in ("alice", "lena", "carl"))
    alice = desk.actors["alice"]
    mine = await TicketService(alice_role, alice).create(
        subject="Mention here", contact_name="Pat", department="Billing"
    )
    await TicketService(alice_role, alice).comment(mine.number, f"@{n['lena']} look")
    sent = await Inbox(alice_role, alice, clock=lambda: mine.created_at).send(
        [n["lena"]], "Handover", "Acme is yours"
    )
    entries = "SELECT agent_id FROM inbox_entries"
    lena_id, alice_id = desk.actors["lena"].id, desk.actors["alice"].id
    # alice's own: the ticket the admin assigned her while the desk was built.
    assert await numbers(desk.db, entries) == {lena_id, alice_id}
    assert await numbers(lena_role, entries) == {lena_id}
    assert await numbers(alice_role, entries) == {alice_id}
    assert await numbers(carl_role, entries) == set()
    messages = "SELECT id FROM agent_messages"
    assert await numbers(alice_role, messages) == {sent.id}  # sent
    assert await numbers(lena_role, messages) == {sent.id}  # received
    assert await numbers(carl_role, messages) == set()
    assert await numbers(carl_role, "SELECT message_id FROM agent_message_recipients") == set()
    assert [e.kind for e in await Inbox(lena_role, desk.actors["lena"], None).entries()] == [
        "message",
        "mention",
    ]
