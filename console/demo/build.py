"""Building a demo help desk into an empty database, in one transaction, and knowing one.

``build_demo`` refuses any database that already holds agents or tickets, writes the
directory (teams, agents, departments, accounts, contacts), then the tickets batch by
batch through the bulk writers, and last the ticket counter and the ``meta`` facts that
mark the database as this demo (``demo_matches`` reads them back).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from console.data.audit import HEAD_KEY
from console.data.db import Database, translate_error
from console.data.errors import BadValue, ConsoleError, Refused
from console.data.models import (
    Account,
    Agent,
    Base,
    Contact,
    Counter,
    Department,
    Event,
    Meta,
    SlaBreach,
    Team,
    Ticket,
    agent_departments,
)
from console.data.sla import SWEPT_KEY
from console.data.tickets import FIRST_TICKET_NUMBER
from console.demo.cast import ACK_TEMPLATE, CLOSING_TEMPLATE, STAFF_DOMAIN, TEAMS
from console.demo.generator import Generator
from console.demo.times import DAY, HISTORY_DAYS, Times
from console.demo.writers import (
    CopyWriter,
    Writer,
    drop_ticket_indexes,
    pragmas,
    suspend_triggers,
    tune_sqlite,
)

#: Tickets generated and written per batch (one ``progress`` call each).
BATCH = 10_000


@dataclass(frozen=True)
class DemoSummary:
    """What a demo build wrote: rows per kind, and the agent a demo session acts as."""

    tickets: int
    agents: int
    teams: int
    departments: int
    accounts: int
    contacts: int
    events: int
    messages: int
    mentions: int
    approvals: int
    resolutions: int
    articles: int
    activities: int
    time_entries: int
    attachments: int
    default_agent: str


async def build_demo(
    db: Database,
    *,
    tickets: int = 2000,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with a demo help desk of ``tickets`` tickets.

    The result depends only on ``tickets``, ``seed`` and ``now`` (default: the current UTC
    time, to the minute).  ``progress(done, total)`` is called after every batch of
    tickets, the last time once everything is committed.  Refuses (``Refused``) a
    database that already holds agents or tickets: a demo never mixes with real data.
    """
    if tickets < 0:
        raise BadValue(f"A demo needs zero or more tickets; {tickets} is not.")
    moment = _moment(now)
    generator = Generator(random.Random(seed), Times(moment, db.is_sqlite), tickets)
    try:
        async with db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            saved = await tune_sqlite(driver) if db.is_sqlite else {}
            try:
                await conn.execution_options(write_transaction=True)
                async with conn.begin():
                    await _refuse_unless_empty(conn, db)
                    await _write_directory(conn, generator)
                    indexes = await drop_ticket_indexes(conn, db.is_sqlite)
                    indexes += await suspend_triggers(conn, db.is_sqlite)
                    writer = Writer(driver) if db.is_sqlite else CopyWriter(driver)
                    for start in range(0, tickets, BATCH):
                        stop = min(tickets, start + BATCH)
                        await writer.write(generator.batch(start, stop))
                        if progress is not None and stop < tickets:
                            progress(stop, tickets)
                    for statement in indexes:
                        await conn.exec_driver_sql(statement)
                    await _write_meta(conn, generator, tickets, seed, moment, writer.head)
                    await _record_breaches(conn, moment)
                    if not db.is_sqlite:
                        await _advance_sequences(conn)
                if not db.is_sqlite:
                    await _settle_postgresql(driver)
            finally:
                if saved:
                    await pragmas(driver, **saved)
    except ConsoleError:
        raise
    except Exception as exc:
        # Driver errors come straight from the driver here, not wrapped by SQLAlchemy.
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc
    if progress is not None:
        progress(tickets, tickets)
    return _summary(generator)


async def _settle_postgresql(driver: Any) -> None:
    """Vacuum and analyze what the demo wrote, as autovacuum would within minutes: the
    planner gets the tables' statistics and index-only scans their visibility map.
    Straight after a bulk load it has neither, and the lead's figures were planned as
    over empty tables (at 1M: the backlog 99-102 ms as loaded, 26-30 ms settled; the
    per-agent figures 90-92 ms, 37-43 ms)."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    await driver.execute(f"VACUUM (ANALYZE) {names}")  # outside a transaction, as it must


async def demo_matches(db: Database, tickets: int, seed: int) -> bool:
    """True when ``db`` is a demo database built with ``tickets`` tickets and ``seed``."""
    try:
        async with db.read() as session:
            facts = dict(
                (
                    await session.execute(
                        select(Meta.key, Meta.value).where(
                            Meta.key.in_(("demo", "demo_tickets", "demo_seed"))
                        )
                    )
                ).all()
            )
    except DBAPIError:  # no schema yet: certainly not a demo
        return False
    return (
        facts.get("demo") == "1"
        and facts.get("demo_tickets") == str(tickets)
        and facts.get("demo_seed") == str(seed)
    )


def _moment(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    if now.tzinfo is None:
        raise BadValue("The demo's 'now' needs a time zone (UTC).")
    return now.astimezone(UTC)


def _summary(gen: Generator) -> DemoSummary:
    """Counts of everything ``gen`` generated."""
    c = gen.counts
    cast = gen.cast
    return DemoSummary(
        tickets=c["tickets"],
        agents=len(cast.people),
        teams=len(TEAMS),
        departments=len(cast.departments),
        accounts=len(cast.accounts),
        contacts=len(cast.customers),
        events=c["events"],
        messages=c["messages"],
        mentions=c["message_mentions"],
        approvals=c["approvals"],
        resolutions=c["resolutions"],
        articles=c["articles"],
        activities=c["activities"],
        time_entries=c["time_entries"],
        attachments=c["attachments"],
        default_agent=cast.default_agent,
    )


async def _refuse_unless_empty(conn: AsyncConnection, db: Database) -> None:
    used: list[Select[Any]] = [
        select(c).limit(1)
        for c in (Agent.id, Ticket.id, Team.id, Department.id, Account.id, Contact.id)
    ]
    # A ticket number handed out counts too (even if its ticket is gone): numbers are
    # never reused, and the demo numbers its tickets from the first one.
    used.append(
        select(Counter.name).where(
            Counter.name == "ticket_number", Counter.next_value > FIRST_TICKET_NUMBER
        )
    )
    for query in used:
        if (await conn.execute(query)).first() is not None:
            raise Refused(
                f"{db.label} already holds agents or tickets; a demo is built only into a "
                "new, empty database."
            )


async def _write_directory(conn: AsyncConnection, gen: Generator) -> None:
    """Teams, agents, departments, accounts and contacts: a few dozen rows, so plain Core
    inserts (with their type handling) are fast enough."""
    cast = gen.cast
    created = gen.times.aware(gen.times.now - (HISTORY_DAYS + 1) * DAY)
    await conn.execute(
        insert(Team), [{"id": i + 1, "name": team[0]} for i, team in enumerate(TEAMS)]
    )
    await conn.execute(
        insert(Agent),
        [
            {
                "id": p.id,
                "username": p.username,
                "display_name": p.display_name,
                "email": f"{p.username}@{STAFF_DOMAIN}",
                "role": p.role,
                "team_id": None if p.team is None else p.team + 1,
                "active": True,
                "created_at": created,
            }
            for p in cast.people
        ],
    )
    for team, lead in enumerate(cast.leads):
        await conn.execute(update(Team).where(Team.id == team + 1).values(lead_id=lead))
    await conn.execute(
        insert(Department),
        [
            {
                "id": i + 1,
                "name": name,
                "email": f"{name.lower().replace(' ', '-')}@{STAFF_DOMAIN}",
                "ack_template": ACK_TEMPLATE,
                "closing_template": CLOSING_TEMPLATE,
            }
            for i, name in enumerate(cast.departments)
        ],
    )
    await conn.execute(
        insert(agent_departments),
        [
            {"agent_id": p.id, "department_id": cast.departments.index(name) + 1}
            for p in cast.people
            if p.team is not None
            for name in TEAMS[p.team][1]
        ],
    )
    await conn.execute(insert(Account), cast.accounts)
    await conn.execute(
        insert(Contact),
        [
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "account_id": c.account,
            }
            for c in cast.customers
        ],
    )


async def _write_meta(
    conn: AsyncConnection,
    gen: Generator,
    tickets: int,
    seed: int,
    moment: datetime,
    audit_head: str,
) -> None:
    # The migrations may have made the counter row already (at the first number).
    following = FIRST_TICKET_NUMBER + tickets
    moved = await conn.execute(
        update(Counter).where(Counter.name == "ticket_number").values(next_value=following)
    )
    if not moved.rowcount:
        await conn.execute(insert(Counter), [{"name": "ticket_number", "next_value": following}])
    facts = {
        "demo": "1",
        "demo_tickets": str(tickets),
        "demo_seed": str(seed),
        "demo_now": moment.isoformat(),
        "demo_default_agent": gen.cast.default_agent,
        HEAD_KEY: f"{(await conn.execute(select(func.max(Event.id)))).scalar() or 0} {audit_head}",
    }
    await conn.execute(delete(Meta).where(Meta.key.in_(list(facts))))
    await conn.execute(insert(Meta), [{"key": k, "value": v} for k, v in facts.items()])


async def _record_breaches(conn: AsyncConnection, moment: datetime) -> None:
    """The SLA breaches of the demo's history (console.data.sla): every ticket that was
    still open at its due time, recorded at that time; the sweep starts from ``moment``."""
    columns = ("ticket_id", "ticket_number", "priority", "due_at", "department_id", "owner_id")
    await conn.execute(
        insert(SlaBreach).from_select(
            [*columns, "recorded_at"],
            select(
                Ticket.id,
                Ticket.number,
                Ticket.priority,
                Ticket.due_at,
                Ticket.department_id,
                Ticket.owner_id,
                Ticket.due_at,
            ).where(Ticket.due_at < func.coalesce(Ticket.closed_at, moment)),
        )
    )
    await conn.execute(delete(Meta).where(Meta.key == SWEPT_KEY))
    await conn.execute(insert(Meta), [{"key": SWEPT_KEY, "value": moment.isoformat()}])


async def _advance_sequences(conn: AsyncConnection) -> None:
    """PostgreSQL: rows written with their ids leave the id sequences behind; move them
    past the highest id so the services' next inserts do not collide."""
    for table in (
        "teams",
        "agents",
        "departments",
        "accounts",
        "contacts",
        "tickets",
        "messages",
        "approvals",
    ):
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
                "HAVING max(id) IS NOT NULL"
            )
        )
