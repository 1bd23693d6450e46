"""A demo help desk: realistic agents, customers and tickets, built fast and reproducibly.

``build_demo`` fills a new, migrated, empty database with a help desk a support team would
recognise: an admin, three teams with their leads, four departments, customer accounts (a
few with an expired support contract) and their contacts, and tickets in every stage with
the history the ticket services would have written for them.  The newest tickets (and every
fiftieth older one) also carry a conversation, approvals, a resolution, activities, a time
log and attachments.  The same seed, size and "now" always give the same database, so
screenshots and tests can rely on it.

A million tickets must build in well under two minutes, so rows are generated as plain
tuples and written through the driver in large batches (no ORM, no per-row type
processing); the tickets' secondary indexes are dropped and built once at the end instead
of being updated row by row; and SQLite skips fsync while the build runs.  Everything is
one transaction: a build that fails leaves the database as empty as it found it.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from console.data.audit import GENESIS, HEAD_KEY, canonical_time, chain_tuples
from console.data.db import Database, translate_error
from console.data.errors import BadValue, ConsoleError, Refused
from console.data.models import (
    Account,
    Agent,
    Contact,
    Counter,
    Department,
    Event,
    Meta,
    Team,
    Ticket,
    agent_departments,
)
from console.data.records import CHANNELS
from console.data.tickets import DEFAULT_SLA, FIRST_TICKET_NUMBER

#: Tickets are spread over this many days before "now".
HISTORY_DAYS = 180

#: The newest tickets get the full set of extras (conversation, approvals, time log ...);
#: older ones only every ``RICH_EVERY``-th, so that a million tickets stay fast to build.
RICH_NEWEST = 2000
RICH_EVERY = 50

#: Tickets generated and written per batch (one ``progress`` call each).
BATCH = 10_000

#: SQLite page cache for the build's connection: big enough to keep a million tickets'
#: table in memory while its indexes are built (SQLite allocates it only as pages fill).
_BUILD_CACHE_KIB = 512 * 1024
#: Triggers suspended during a build (their work is done once at the end) -> their table.
_SUSPENDED_TRIGGERS = {
    "events_move_head": "events",  # the audit chain's head (migration 0002)
    "tickets_search_insert": "tickets",  # the search index (migration 0003)
    "messages_search_insert": "messages",
}

_DAY = 86_400
_HOUR = 3_600
_MINUTE = 60
#: How far past "now" the time tables reach (due times, appointments, activities).
_FUTURE_DAYS = 45


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
    times = _Times(moment, db.is_sqlite)
    generator = _Generator(random.Random(seed), times, tickets)
    try:
        async with db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            saved = await _tune_sqlite(driver) if db.is_sqlite else {}
            try:
                await conn.execution_options(write_transaction=True)
                async with conn.begin():
                    await _refuse_unless_empty(conn, db)
                    await _write_directory(conn, generator)
                    indexes = await _drop_ticket_indexes(conn, db.is_sqlite)
                    indexes += await _suspend_triggers(conn, db.is_sqlite)
                    writer = _Writer(driver) if db.is_sqlite else _CopyWriter(driver)
                    await writer.write_all(generator, tickets, progress)
                    for statement in indexes:
                        await conn.exec_driver_sql(statement)
                    await _write_meta(conn, generator, tickets, seed, moment, writer.head)
                    if not db.is_sqlite:
                        await _advance_sequences(conn)
            finally:
                if saved:
                    await _pragmas(driver, **saved)
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
    return generator.summary()


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


# -- writing ------------------------------------------------------------------------------


async def _tune_sqlite(driver: Any) -> dict[str, Any]:
    """Make this connection write fast for the build; returns the settings to restore.

    No fsync (the build is one transaction on a new file: a crash loses the demo, not
    data), a 512 MiB page cache, two threads to sort when the indexes are built, and no
    foreign-key checks on rows that are consistent by construction (the tests check them).
    """
    saved = {}
    for name in ("synchronous", "cache_size", "threads", "foreign_keys"):
        async with driver.execute(f"PRAGMA {name}") as cursor:
            row = await cursor.fetchone()
        saved[name] = row[0]
    await _pragmas(driver, synchronous=0, cache_size=-_BUILD_CACHE_KIB, threads=2, foreign_keys=0)
    return saved


async def _pragmas(driver: Any, **values: int) -> None:
    for name, value in values.items():
        async with driver.execute(f"PRAGMA {name} = {int(value)}"):
            pass


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


async def _write_directory(conn: AsyncConnection, gen: _Generator) -> None:
    """Teams, agents, departments, accounts and contacts: a few dozen rows, so plain Core
    inserts (with their type handling) are fast enough."""
    created = gen.times.aware(gen.times.now - (HISTORY_DAYS + 1) * _DAY)
    await conn.execute(
        insert(Team), [{"id": i + 1, "name": team[0]} for i, team in enumerate(_TEAMS)]
    )
    await conn.execute(
        insert(Agent),
        [
            {
                "id": p.id,
                "username": p.username,
                "display_name": p.display_name,
                "email": f"{p.username}@{_STAFF_DOMAIN}",
                "role": p.role,
                "team_id": None if p.team is None else p.team + 1,
                "active": True,
                "created_at": created,
            }
            for p in gen.people
        ],
    )
    for team, lead in enumerate(gen.leads):
        await conn.execute(update(Team).where(Team.id == team + 1).values(lead_id=lead))
    await conn.execute(
        insert(Department),
        [
            {
                "id": i + 1,
                "name": name,
                "email": f"{name.lower().replace(' ', '-')}@{_STAFF_DOMAIN}",
                "ack_template": _ACK_TEMPLATE,
                "closing_template": _CLOSING_TEMPLATE,
            }
            for i, name in enumerate(gen.departments)
        ],
    )
    await conn.execute(
        insert(agent_departments),
        [
            {"agent_id": p.id, "department_id": gen.departments.index(name) + 1}
            for p in gen.people
            if p.team is not None
            for name in _TEAMS[p.team][1]
        ],
    )
    await conn.execute(insert(Account), gen.accounts)
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
            for c in gen.customers
        ],
    )


async def _drop_ticket_indexes(conn: AsyncConnection, sqlite: bool) -> list[str]:
    """Drop the tickets' secondary indexes and return the statements that recreate them.

    Keeping eleven indexes current row by row costs several times more than building them
    once from sorted data.  The statements are read back from the database itself, so the
    indexes come back exactly as the migrations made them.
    """
    if sqlite:
        listing = (
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'tickets' AND sql IS NOT NULL"
        )
    else:
        listing = (
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = 'tickets' "
            "AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'tickets'::regclass)"
        )
    rows: Sequence[Any] = (await conn.exec_driver_sql(listing)).all()
    indexes = [(str(name), str(sql)) for name, sql in rows]
    for name, _statement in indexes:
        await conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [statement for _name, statement in sorted(indexes)]


async def _suspend_triggers(conn: AsyncConnection, sqlite: bool) -> list[str]:
    """Drop the triggers that do per-row work the build does once at the end (moving the
    audit chain's head, adding each row to the search index) and return the statements
    that recreate them, then bring the search index up to date in one pass."""
    if sqlite:
        listing = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
    else:
        listing = (
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname IN :names"
        )
    found = (
        await conn.execute(
            text(listing).bindparams(bindparam("names", expanding=True)),
            {"names": list(_SUSPENDED_TRIGGERS)},
        )
    ).all()
    again = []
    for name, statement in found:
        table = _SUSPENDED_TRIGGERS[str(name)]
        await conn.exec_driver_sql(
            f"DROP TRIGGER {name}" if sqlite else f"DROP TRIGGER {name} ON {table}"
        )
        again.append(str(statement))
    if sqlite and found:
        again += [
            "INSERT INTO ticket_search (ticket_search) VALUES ('rebuild')",
            "INSERT INTO message_search (message_search) VALUES ('rebuild')",
        ]
    return again


class _Writer:
    """Writes batches with ``executemany`` through the driver (no per-row SQLAlchemy type
    processing), inside the build's transaction on the build's connection.

    Generating the next batch while SQLite writes this one does not pay off:
    ``executemany`` takes Python's GIL back for every row, so it would wait for the
    generating thread at each row.
    """

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        #: The hash of the last history event written (the audit chain's head).
        self.head = GENESIS

    async def write_all(
        self, gen: _Generator, tickets: int, progress: Callable[[int, int], None] | None
    ) -> None:
        """Generate and write every batch; ``progress`` after each but the last."""
        for start in range(0, tickets, BATCH):
            stop = min(tickets, start + BATCH)
            await self.write(gen.batch(start, stop))
            if progress is not None and stop < tickets:
                progress(stop, tickets)

    async def write(self, batch: _Batch) -> None:
        for table, columns in _TABLES:
            rows = batch.rows[table]
            if not rows:
                continue
            if table == "events":
                rows, self.head = chain_tuples(rows, self.head, self.moment)
                columns = (*columns, "prev_hash", "hash")
            await self.insert(table, columns, rows)

    @staticmethod
    def moment(value: Any) -> str:
        """An event's time as the audit hash takes it: SQLite rows already hold the text."""
        return str(value)

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        await self.driver.executemany(sql, rows)


class _CopyWriter(_Writer):
    """PostgreSQL: binary ``COPY`` of each table's rows, in the build's transaction."""

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        await self.driver.copy_records_to_table(table, records=rows, columns=columns)

    @staticmethod
    def moment(value: Any) -> str:
        return canonical_time(value)


async def _write_meta(
    conn: AsyncConnection,
    gen: _Generator,
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
        "demo_default_agent": gen.default_agent,
        HEAD_KEY: f"{(await conn.execute(select(func.max(Event.id)))).scalar() or 0} {audit_head}",
    }
    await conn.execute(delete(Meta).where(Meta.key.in_(list(facts))))
    await conn.execute(insert(Meta), [{"key": k, "value": v} for k, v in facts.items()])


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


# -- the cast -------------------------------------------------------------------------------

_STAFF_DOMAIN = "support.example.com"

#: (team, departments it works, lead, agents); people are (username, display name).
_TEAMS: tuple[tuple[str, tuple[str, ...], tuple[str, str], tuple[tuple[str, str], ...]], ...] = (
    (
        "Billing",
        ("Billing", "Sales EU"),
        ("maya", "Maya Patel"),
        (("omar", "Omar Haddad"), ("lucia", "Lucia Ferrari"), ("jonas", "Jonas Berg")),
    ),
    (
        "Network",
        ("Network",),
        ("daniel", "Daniel Okafor"),
        (("sara", "Sara Lindqvist"), ("kenji", "Kenji Watanabe"), ("ines", "Inès Duarte")),
    ),
    (
        "Hosting",
        ("Hosting",),
        ("elena", "Elena Novak"),
        (("tom", "Tom Brennan"), ("aisha", "Aisha Rahman"), ("felix", "Felix Wagner")),
    ),
)
_ADMIN = ("admin", "Help Desk Admin")

#: (department, share of the tickets)
_DEPARTMENTS: tuple[tuple[str, float], ...] = (
    ("Billing", 0.30),
    ("Network", 0.30),
    ("Hosting", 0.28),
    ("Sales EU", 0.12),
)

#: Auto-replies; {contact}, {number}, {subject} and {department} are filled in when sent.
_ACK_TEMPLATE = (
    "Hello {contact},\n\n"
    "Thank you for contacting {department} support. Your request has been logged as "
    "ticket #{number} ({subject}). An agent will get back to you shortly; please keep "
    "the ticket number in the subject line of any reply.\n\n"
    "{department} Support"
)
_CLOSING_TEMPLATE = (
    "Hello {contact},\n\n"
    "Ticket #{number} ({subject}) has been resolved and closed. If the problem comes back, "
    "simply reply to this message and the ticket will be reopened.\n\n"
    "Thank you for your patience,\n{department} Support"
)

# fmt: off
#: (name, mail domain)
_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Acme Logistics", "acme-logistics.example"), ("Northwind Traders", "northwind.example"),
    ("Blue Harbor Foods", "blueharbor.example"), ("Kestrel Energy", "kestrel-energy.example"),
    ("Orchid Dental Group", "orchiddental.example"),
    ("Granite Peak Construction", "granitepeak.example"),
    ("Lumen Architects", "lumen-arch.example"), ("Silverline Insurance", "silverline.example"),
    ("Tidewater Marine", "tidewater.example"), ("Maple & Finch Legal", "maplefinch.example"),
    ("Redwood Analytics", "redwood-analytics.example"), ("Cobalt Retail", "cobalt-retail.example"),
    ("Harbour City Council", "harbourcity.example"),
    ("Vega Pharmaceuticals", "vegapharma.example"), ("Quill Publishing", "quill.example"),
    ("Alpine Travel", "alpinetravel.example"), ("Brightwater Schools", "brightwater.example"),
    ("Helios Solar", "helios-solar.example"),
    ("Ironbridge Manufacturing", "ironbridge.example"), ("Saffron Hotels", "saffronhotels.example"),
)
_EXPIRED_ACCOUNTS = 4
_INDIVIDUALS = 12

_FIRST_NAMES = (
    "James", "Olivia", "Liam", "Emma", "Noah", "Sophie", "Lucas", "Mia", "Ethan", "Chloe",
    "Hannah", "Marco", "Julia", "Pierre", "Anna", "Tobias", "Elif", "Mateo", "Grace", "Ravi",
    "Freya", "Samuel", "Nadia", "Victor", "Clara", "Hugo", "Leila", "Oscar", "Zoe", "Adam",
    "Ingrid", "Pablo", "Yasmin", "Niklas", "Ruth", "Ahmed", "Carmen", "Dmitri", "Alice", "Ben",
)
#: (as written, as in an email address)
_LAST_NAMES = (
    ("Smith", "smith"), ("Jones", "jones"), ("Müller", "mueller"), ("Rossi", "rossi"),
    ("Dubois", "dubois"), ("García", "garcia"), ("Kowalski", "kowalski"),
    ("Jensen", "jensen"), ("O'Brien", "obrien"), ("Schmidt", "schmidt"), ("Moreau", "moreau"),
    ("Silva", "silva"), ("Nowak", "nowak"), ("Brown", "brown"), ("Taylor", "taylor"),
    ("Fischer", "fischer"), ("Bianchi", "bianchi"), ("Lambert", "lambert"),
    ("Santos", "santos"), ("Eriksson", "eriksson"), ("Clarke", "clarke"), ("Weber", "weber"),
    ("Ricci", "ricci"), ("Martin", "martin"), ("Hughes", "hughes"), ("Costa", "costa"),
    ("Hansen", "hansen"), ("Wright", "wright"), ("Keller", "keller"), ("Marino", "marino"),
    ("Fontaine", "fontaine"), ("Walsh", "walsh"), ("Becker", "becker"), ("López", "lopez"),
)
_MAIL_HOSTS = ("mail.example", "post.example", "inbox.example")
# fmt: on


# -- what tickets are about -----------------------------------------------------------------


@dataclass(frozen=True)
class _Topic:
    """One kind of problem: where it is filed and how people describe and resolve it."""

    department: str
    category: str
    subcategory: str
    subjects: tuple[str, ...]
    problems: tuple[str, ...]
    resolutions: tuple[str, ...]


# fmt: off
_TOPICS: tuple[_Topic, ...] = (
    _Topic("Billing", "Invoice", "Wrong amount",
        ("Invoice {invoice} shows the wrong amount", "Overcharged on the {month} invoice",
         "Invoice {invoice}: {product} billed above the agreed rate"),
        ("Our invoice {invoice} for {month} came to {amount}, but our contract price for "
         "{product} is lower.",
         "The {month} invoice charges {product} at the list price instead of our rate."),
        ("Issued a credit note for the difference on invoice {invoice}; it shows on the next "
         "statement.",
         "Corrected the rate for {product} in billing and re-issued invoice {invoice}.")),
    _Topic("Billing", "Invoice", "Missing invoice",
        ("No invoice received for {month}", "Can you resend invoice {invoice}?",
         "Invoice for {product} missing from the portal"),
        ("We have not received the invoice for {month} and our accounts team needs it to "
         "close the month.",
         "Invoice {invoice} is not in the customer portal and the email never arrived."),
        ("Re-sent invoice {invoice} to the billing contact; the portal now lists it.",
         "The invoice went to an old address; updated the billing contact and re-sent it.")),
    _Topic("Billing", "Invoice", "Duplicate charge",
        ("Charged twice for {product}", "Duplicate payment taken for the {month} invoice",
         "Two debits for invoice {invoice}"),
        ("Our bank statement shows two payments of {amount} for invoice {invoice}.",
         "We were charged twice for {product} this month."),
        ("Refunded the duplicate payment of {amount}; it reaches the account in 3-5 days.",
         "The second debit was a pending authorisation and has now been released.")),
    _Topic("Billing", "Payment", "Card declined",
        ("Card payment declined for {product}", "Cannot pay invoice {invoice} online",
         "Payment failed when renewing {product}"),
        ("The payment page declines our company card when we pay invoice {invoice}.",
         "The automatic renewal of {product} failed because the card was declined."),
        ("The card had expired; the customer added a new card and the payment went through.",
         "The bank had blocked the payment; after the customer approved it the retry "
         "succeeded.")),
    _Topic("Billing", "Payment", "Refund request",
        ("Refund request for cancelled {product}", "Please refund the unused part of {product}",
         "Refund for the downtime in {month}"),
        ("We cancelled {product} but were still charged {amount} for {month}.",
         "Given the outage in {month} we would like a refund for the affected days."),
        ("Approved a pro-rata refund of {amount} for {product}.",
         "Applied a service credit of {amount} to the account for the downtime.")),
    _Topic("Billing", "Payment", "Direct debit",
        ("Set up direct debit for our account", "Change bank details for direct debit",
         "Direct debit mandate cancelled by mistake"),
        ("We would like to pay by direct debit from next month instead of by card.",
         "Our bank details changed and the next direct debit will fail."),
        ("Set up the new direct debit mandate; the first collection is on the 1st.",
         "Updated the bank details; the next collection uses the new account.")),
    _Topic("Billing", "Subscription", "Upgrade",
        ("Upgrade {product} to the next tier", "Add {count} seats to {product}",
         "Move {product} from monthly to annual billing"),
        ("We want to upgrade {product} and need to know how the price changes mid-cycle.",
         "Please add {count} seats to {product} before our new starters arrive."),
        ("Upgraded {product}; the pro-rata difference of {amount} is on the next invoice.",
         "Switched {product} to annual billing with the 10% discount.")),
    _Topic("Billing", "Subscription", "Cancellation",
        ("Cancel {product} at the end of the term", "How do we cancel {product}?",
         "Stop the auto-renewal of {product}"),
        ("We no longer need {product} and want to cancel it when the current term ends.",
         "Please turn off auto-renewal for {product}; we are reviewing suppliers."),
        ("Set {product} to end with the current term and confirmed the date in writing.",
         "Turned off auto-renewal for {product}; no further charges will be taken.")),
    _Topic("Network", "Connectivity", "Outage",
        ("Internet down at the {site} office", "No connectivity at {site} since {since}",
         "Leased line at {site} offline"),
        ("Nobody at our {site} office can reach the internet since {since}; the router shows "
         "a red WAN light.",
         "The leased line at {site} dropped {since} and has not come back."),
        ("A fibre cut near the exchange was repaired by the carrier; the {site} line is up.",
         "Replaced the faulty router at {site}; the link has been stable since.")),
    _Topic("Network", "Connectivity", "Packet loss",
        ("Packet loss on the {site} link", "VoIP calls breaking up at {site}",
         "Intermittent drops on the {site} line"),
        ("We see around 5% packet loss to {ip} from the {site} office and calls break up.",
         "Video calls from {site} freeze every few minutes since {since}."),
        ("Found CRC errors on the access port; moved the line to a new port and the loss "
         "is gone.",
         "The carrier replaced a faulty line card; no loss in the last 24 hours.")),
    _Topic("Network", "Connectivity", "Slow speed",
        ("Slow internet at {site}", "{product} speed far below the contract",
         "Downloads crawling at the {site} office"),
        ("Speed tests at {site} show a fraction of what {product} should give us.",
         "Since {since} everything online is very slow at {site}."),
        ("A backup job was saturating the uplink; applied traffic shaping to it.",
         "The carrier fixed a mis-provisioned profile; tests now show full speed.")),
    _Topic("Network", "VPN", "Tunnel down",
        ("Site-to-site VPN to {site} down", "VPN tunnel to {site} keeps dropping",
         "Cannot reach the {site} servers over VPN"),
        ("The IPsec tunnel between head office and {site} is down since {since}.",
         "The VPN to {site} drops every hour and reconnects after a few minutes."),
        ("The peer's public IP had changed; updated the tunnel and it came up.",
         "Mismatched phase 2 lifetimes; aligned them and the tunnel is stable.")),
    _Topic("Network", "VPN", "Client setup",
        ("VPN access for a new starter", "VPN client fails on a new laptop",
         "Set up VPN for {count} remote users"),
        ("A new colleague needs VPN access to the {site} network from Monday.",
         "The VPN client says 'authentication failed' on a freshly installed laptop."),
        ("Created the VPN profile and sent the setup guide; the user connected fine.",
         "The laptop clock was off; after syncing the time the certificate check passed.")),
    _Topic("Network", "DNS", "Resolution failure",
        ("{domain} not resolving", "DNS errors for {domain}",
         "Intermittent DNS failures at {site}"),
        ("Since {since} {domain} does not resolve from some networks.",
         "Users at {site} get 'server not found' for internal names every few minutes."),
        ("An expired DNSSEC signature broke resolution; re-signed the zone.",
         "One of the office resolvers had crashed; restarted it and added monitoring.")),
    _Topic("Network", "DNS", "Record change",
        ("Add a DNS record for {domain}", "Change the MX records for {domain}",
         "Point www.{domain} to the new server"),
        ("Please add a CNAME for portal.{domain} pointing to our new provider.",
         "We are moving email and need the MX records for {domain} changed on Friday."),
        ("Added the record; it propagated within the hour.",
         "Changed the records at the agreed time and verified resolution worldwide.")),
    _Topic("Network", "Firewall", "Rule change",
        ("Open port {port} for a new application", "Firewall change request for {site}",
         "Allow {ip} through the firewall"),
        ("Our new application needs port {port} open inbound to {host}.",
         "A supplier needs access to {host} from {ip}."),
        ("Added the rule for port {port} after approval and tested it from outside.",
         "Allowed {ip} to {host} only, as agreed, and documented the change.")),
    _Topic("Network", "Firewall", "Blocked port",
        ("Port {port} blocked since the firewall update", "Cannot connect to {host} on {port}",
         "Firewall blocking our payment gateway"),
        ("Since the firewall update {since} connections to port {port} time out.",
         "Our card terminals cannot reach the payment gateway any more."),
        ("The update had reset a custom rule; restored it and saved the configuration.",
         "Allowed the gateway's new address range.")),
    _Topic("Hosting", "Website", "Server error",
        ("Website {domain} returns 500 errors", "500 Internal Server Error on checkout",
         "{domain} down after the update"),
        ("Since {since} our website {domain} shows '500 Internal Server Error' on every page.",
         "The checkout on {domain} fails with a server error for some customers."),
        ("A plugin update broke PHP compatibility; rolled it back and the site is up.",
         "The database connection limit was reached; raised it and fixed the leak.")),
    _Topic("Hosting", "Website", "Slow site",
        ("{domain} very slow", "Pages on {domain} take 10 seconds to load",
         "Slow admin panel on {domain}"),
        ("Pages on {domain} take ten seconds or more to load since {since}.",
         "The admin area of {domain} is so slow that it times out."),
        ("Enabled caching and indexed the slow query; pages load in under a second.",
         "A bot was crawling the site aggressively; rate-limited it.")),
    _Topic("Hosting", "Website", "SSL certificate",
        ("SSL certificate expired on {domain}", "Browser security warning on {domain}",
         "Install the new SSL certificate for {domain}"),
        ("Visitors to {domain} get a warning that the certificate has expired.",
         "We bought a new certificate for {domain} and need it installed."),
        ("Renewed and installed the certificate; auto-renewal is now on.",
         "Installed the certificate with its intermediate chain; all browsers accept it.")),
    _Topic("Hosting", "Email", "Delivery failure",
        ("Emails to customers bouncing", "Mail from {domain} rejected as spam",
         "Not receiving email since {since}"),
        ("Our messages to several customers bounce with '550 rejected'.",
         "We have not received any email at {domain} since {since}."),
        ("SPF lacked the new mail server; fixed SPF and DKIM and delivery resumed.",
         "The mailbox quota was full; cleared the archive and mail flows again.")),
    _Topic("Hosting", "Email", "Spam",
        ("Lots of spam getting through", "Phishing emails reaching staff",
         "Legitimate mail going to junk"),
        ("Staff at {domain} get dozens of spam messages a day since {since}.",
         "Invoices from our main supplier land in the junk folder."),
        ("Tightened the spam filter and blocked the sending domains.",
         "Added the supplier to the allow list and retrained the filter.")),
    _Topic("Hosting", "Server", "Disk full",
        ("Disk full on {host}", "{host} out of space",
         "Backups failing: no space left on {host}"),
        ("Monitoring shows the disk on {host} at 98% and the application stopped logging.",
         "Backups on {host} fail with 'no space left on device'."),
        ("Rotated and compressed old logs and extended the volume by 100 GB.",
         "Removed stale snapshots; usage is back to 60%.")),
    _Topic("Hosting", "Server", "Reboot request",
        ("Please reboot {host}", "{host} unresponsive", "Planned reboot of {host} tonight"),
        ("{host} stopped answering SSH and the application is down.",
         "We need {host} rebooted tonight after the patch window."),
        ("Rebooted {host} from the console; services came back and the logs are clean.",
         "Rebooted at the agreed time and confirmed with the customer.")),
    _Topic("Hosting", "Server", "Backup restore",
        ("Restore files on {host}", "Restore the database from last night",
         "Deleted folder needs restoring"),
        ("A folder of contracts was deleted from {host} yesterday; please restore it.",
         "We need the database on {host} restored to last night's backup."),
        ("Restored the folder from the nightly backup; the customer confirmed the files.",
         "Restored the database to 02:00 and replayed the transaction log.")),
    _Topic("Hosting", "Domain", "Renewal",
        ("Renew {domain}", "{domain} expired!", "Auto-renew {domain} for three years"),
        ("We got a notice that {domain} expires at the end of the month.",
         "{domain} stopped working and the registrar says it expired."),
        ("Renewed {domain} for two years and turned on auto-renew.",
         "Restored the expired domain within the grace period; the site is back.")),
    _Topic("Sales EU", "Quote", "New quote",
        ("Quote for {product} for {count} users", "Pricing for a new office in {site}",
         "Request for proposal: {product}"),
        ("We are opening an office in {site} and need a quote for {product} for {count} "
         "users.",
         "Please send a quote for {product} including installation."),
        ("Sent the quote for {product}; the customer accepted it.",
         "Sent the proposal and handed over to the account manager.")),
    _Topic("Sales EU", "Quote", "Pricing question",
        ("Question about {product} pricing", "Is VAT included in the {product} price?",
         "Discount for a non-profit?"),
        ("The price list for {product} does not say whether VAT is included.",
         "We are a charity; do you offer a discount on {product}?"),
        ("Explained the pricing and the VAT treatment in writing.",
         "Applied the non-profit discount to the account.")),
    _Topic("Sales EU", "Contract", "AMC renewal",
        ("Renew our support contract", "Support contract renewal for next year",
         "Has our support contract expired?"),
        ("Our annual maintenance contract is up for renewal; please send the terms.",
         "We were told our support contract has expired; we want to renew it."),
        ("Renewed the AMC for twelve months; the new expiry date is on the account.",
         "Sent the renewal terms; the customer signed and the contract is active.")),
    _Topic("Sales EU", "Order", "New service",
        ("Order {product} for the {site} office", "New service: {product}",
         "Delivery date for {product}"),
        ("We would like to order {product} for our {site} office.",
         "When will {product} be delivered and installed?"),
        ("Booked the installation of {product} at {site}.",
         "Confirmed the delivery date; the engineer visit is booked.")),
)

_PRODUCTS: dict[str, tuple[str, ...]] = {
    "Billing": ("Business Email", "Cloud Hosting Pro", "Managed VPS", "Backup Plus",
                "Fibre Business 500", "Domain Registration"),
    "Network": ("Fibre Business 500", "Fibre Business 1000", "SD-WAN", "Site VPN",
                "Managed Firewall"),
    "Hosting": ("Cloud Hosting Pro", "Managed VPS", "Business Email", "SSL Certificates",
                "Backup Plus", "Domain Registration"),
    "Sales EU": ("Fibre Business 1000", "SD-WAN", "Managed Firewall", "Cloud Hosting Pro",
                 "Microsoft 365 Business"),
}

_SITES = ("Leeds", "Lyon", "Munich", "Rotterdam", "Dublin", "Milan", "head office",
          "warehouse", "Bristol", "Ghent", "Porto", "Graz")
_HOSTS = ("web01", "web02", "mail01", "db01", "db02", "files01", "app03", "backup01", "vps-217")
_SINCE = ("this morning", "yesterday evening", "about 09:40", "the weekend", "last night",
          "lunchtime", "Monday", "the power cut")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_PORTS = ("443", "8443", "22", "3389", "5060", "993", "1194")
_COUNTS = ("3", "5", "8", "12", "20", "25", "40")

_DETAILS = (
    "It started {since}.", "{count} colleagues are affected.",
    "This is holding up our month-end work.",
    "We have already restarted everything on our side.",
    "Nothing changed on our side as far as we know.", "A colleague noticed it first {since}.",
    "",
)
_ASKS = (
    "Could you look into this today?", "Please call me on {phone} if you need anything.",
    "Let me know what you need from us.", "This is urgent for us.",
    "Could someone get back to me before the end of the day?",
)
_SIGNOFFS = ("Thanks", "Kind regards", "Best", "Many thanks", "Regards")

_REPLIES = (
    "Hi {first},\n\nThanks for getting in touch. I am looking into this now and will update "
    "you within the hour.\n\nBest regards,\n{agent}",
    "Hi {first},\n\nCould you send us {evidence}? That will help us narrow it down.\n\n"
    "Thanks,\n{agent}",
    "Hi {first},\n\nWe have found the cause and are working on a fix. I will confirm once it "
    "is done.\n\nRegards,\n{agent}",
    "Hi {first},\n\nThis should now be fixed. Please check on your side and let us know.\n\n"
    "Best regards,\n{agent}",
    "Hi {first},\n\nA quick update: we are still waiting on our supplier and have chased "
    "them again this morning.\n\nKind regards,\n{agent}",
)
_FIRST_REPLY, _FIXED_REPLY = 0, 3
_EVIDENCE = ("a screenshot of the error", "the time it last happened",
             "the full error message", "the invoice number", "a traceroute to {ip}")
_CUSTOMER_MESSAGES = (
    "Thanks, I have attached what you asked for.", "It happened again {since}.",
    "Still not working on our side, I'm afraid.", "That fixed it, thank you!",
    "Any update on this? It is affecting our work.",
    "We tested it again and it looks fine now.",
)
_REOPEN_MESSAGES = ("Sorry, the problem is back since {since}.",
                    "This is happening again. Can you take another look?")
_COMMENTS = (
    "@{who} can you have a look? This customer has a tight deadline.",
    "@{who} this needs your OK before I go ahead.",
    "@{who} FYI, same issue as last week at this account.",
    "@{who} could you call them back? I'm out this afternoon.",
)
_NOTES = (
    "Checked monitoring: nothing unusual before {since}.", "Customer prefers phone over email.",
    "Waiting on the carrier's reference number.", "Probably related to last week's change.",
    "Spoke to {first}; they will test tonight.",
)

#: department -> (approval subject, details)
_APPROVALS: dict[str, tuple[tuple[str, str], ...]] = {
    "Billing": (
        ("Credit note of {amount} for {account}",
         "The overcharge is our error; the customer asked for a credit note."),
        ("Waive the late-payment fee for {account}",
         "The payment was late because our invoice went to the wrong address."),
    ),
    "Network": (
        ("Replace the router at {site}",
         "The router keeps failing; a replacement is covered by the hardware warranty."),
        ("Emergency change on the {site} firewall",
         "The customer cannot take card payments until the rule is changed."),
    ),
    "Hosting": (
        ("Out-of-hours restore for {account}",
         "The restore needs the backup team after 18:00; billable at the night rate."),
        ("Extra 100 GB of storage on {host}",
         "The volume is almost full; the customer agreed to the monthly cost."),
    ),
    "Sales EU": (
        ("15% discount for {account}",
         "Three-year commitment; the discount matches the competing offer."),
        ("Extended payment terms for {account}",
         "The customer asks for 60 days instead of 30 for this order."),
    ),
}
_APPROVE_COMMENTS = ("Approved, go ahead.", "OK, please note it on the account.",
                     "Approved as a one-off.", None)
_REJECT_COMMENTS = ("Not covered by the contract; offer the paid option instead.",
                    "Rejected: please get a second quote first.")

_ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("task", "Follow up with {first} about the {subcategory} issue"),
    ("task", "Check {host} after the change"), ("task", "Send written confirmation to {first}"),
    ("call", "Call {first} back"), ("call", "Call the carrier about {site}"),
    ("event", "On-site visit at {site}"), ("event", "Maintenance window for {host}"),
    ("event", "Remote session with {first}"),
)
_TIME_NOTES = ("Investigation", "Remote session with {first}", "Phone call with {first}",
               "Configuration change", "Testing and follow-up", "On hold with the carrier", "")
_MINUTES = (10, 15, 20, 30, 30, 45, 60, 90, 120)
# fmt: on


# -- times ----------------------------------------------------------------------------------


class _Times:
    """Times as whole seconds since ``origin`` (the midnight before the oldest ticket).

    Formatting a datetime per value would be the slowest part of writing a million rows,
    so the stored form is assembled from per-day and per-second strings made once: the
    exact text SQLAlchemy writes for a SQLite DATETIME, or a naive UTC datetime for asyncpg.
    """

    def __init__(self, now: datetime, sqlite: bool) -> None:
        self.origin = (now - timedelta(days=HISTORY_DAYS + 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.now = int((now - self.origin).total_seconds())
        days = [self.origin + timedelta(days=d) for d in range(self.now // _DAY + _FUTURE_DAYS)]
        self.weekdays = [d.weekday() for d in days]
        self._iso_days = [f"{d:%Y-%m-%d}T" for d in days]
        self._iso_minutes = [f"{m // 60:02d}:{m % 60:02d}+00:00" for m in range(1440)]
        self.db: Callable[[int], Any]
        if sqlite:
            day_text = [f"{d:%Y-%m-%d} " for d in days]
            clock = [
                f"{s // _HOUR:02d}:{s // _MINUTE % 60:02d}:{s % _MINUTE:02d}.000000"
                for s in range(_DAY)
            ]
            self.db = lambda s: day_text[s // _DAY] + clock[s % _DAY]
        else:
            naive = self.origin.replace(tzinfo=None)
            self.db = lambda s: naive + timedelta(seconds=s)

    def iso(self, s: int) -> str:
        """A time as history shows it (as the services' ``_text``: ISO, to the minute)."""
        return self._iso_days[s // _DAY] + self._iso_minutes[s % _DAY // _MINUTE]

    def aware(self, s: int) -> datetime:
        """A time as an aware UTC datetime."""
        return self.origin + timedelta(seconds=s)

    def day(self, day: int) -> date:
        """The date of a day number (days since ``origin``; may lie outside the tables)."""
        return (self.origin + timedelta(days=day)).date()


def _preview(body: str, limit: int = 80) -> str:
    """What history shows of a message body (as the services write it)."""
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- rows -----------------------------------------------------------------------------------

#: Table -> columns, in the order batches are written (parents before children).  Ids are
#: given where other rows refer to them; the rest get theirs from the database.
_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tickets", (
        "id", "number", "subject", "description", "status", "priority", "channel",
        "department_id", "category", "subcategory", "product", "contact_id", "account_id",
        "owner_id", "creator_id", "due_at", "scheduled_at", "sticky", "created_at",
        "updated_at", "closed_at", "first_response_at", "amc_state", "merged_into_id",
        "version",
    )),
    ("events", (
        "ticket_id", "ticket_number", "actor_kind", "actor_id", "actor_name", "at", "action",
        "field", "old_value", "new_value",
    )),
    ("messages", (
        "id", "ticket_id", "kind", "author_agent_id", "author_contact_id", "body", "created_at",
    )),
    ("message_mentions", ("message_id", "agent_id")),
    ("approvals", (
        "id", "ticket_id", "kind", "requester_id", "subject", "details", "state", "decider_id",
        "decision_comment", "created_at", "decided_at",
    )),
    ("approval_approvers", ("approval_id", "agent_id")),
    ("resolutions", (
        "ticket_id", "text", "publish_to_kb", "notify_contact", "author_id", "updated_at",
    )),
    ("articles", ("title", "body", "ticket_id", "created_at")),
    ("activities", (
        "ticket_id", "kind", "title", "owner_id", "due_at", "reminder_at", "done", "done_at",
        "created_by_id", "created_at",
    )),
    ("time_entries", ("ticket_id", "agent_id", "started_at", "minutes", "billable", "note")),
    ("attachments", (
        "ticket_id", "file_name", "media_type", "size", "sha256", "content", "uploaded_by_id",
        "created_at",
    )),
)  # fmt: skip

Row = tuple[Any, ...]


@dataclass
class _Batch:
    """The rows of every table for a run of consecutive tickets, in column order."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t, _ in _TABLES})


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    username: str
    display_name: str
    role: str
    team: int | None  # index into _TEAMS


@dataclass(frozen=True, slots=True)
class _Customer:
    id: int
    name: str
    first: str
    email: str | None
    phone: str | None
    account: int | None  # account id


#: An action in a ticket's life: (time, order among equal times, kind, argument).
_Action = tuple[int, int, str, Any]


@dataclass(slots=True)
class _Life:
    """One ticket while its actions are turned into rows."""

    tid: int
    number: int
    subject: str
    created: int
    owner: int | None  # who ends up owning it
    creator: int
    customer: _Customer
    account: int | None
    department: str
    team: int
    lead: int
    expired: bool  # the account's AMC had ended when the ticket came in
    amc_state: str = "ok"
    last_close: int | None = None
    #: Set by _extras: the reopen (its order) a customer's reply caused, and the resolution.
    customer_reopen: int | None = None
    resolution: _Topic | None = None
    scheduled: int | None = None
    closed: int | None = None
    first_response: int | None = None
    updated: int = 0
    version: int = 1
    sticky: bool = False


_STATUSES = ("New", "Scheduled", "InProgress", "Closed", "ReOpen")
_OPEN = ("New", "Scheduled", "InProgress", "ReOpen")
#: Seconds that set the pace of each priority's work (High is worked fastest).
_PACE = {1: 2 * _HOUR, 2: 8 * _HOUR, 3: 30 * _HOUR}


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative shares for picking by ``bisect`` on one ``random()``."""
    total = sum(weights)
    running = 0.0
    cum = []
    for weight in weights:
        running += weight / total
        cum.append(running)
    cum[-1] = 1.0
    return cum


_OPEN_CUM = _cumulative([0.35, 0.2, 0.3, 0.15])
_CHANNEL_CUM = _cumulative([0.40, 0.18, 0.20, 0.12, 0.04, 0.03, 0.03])


class _Slots(dict[str, str]):
    """A ticket's template values; the random ones are drawn when a template first asks
    for them (most tickets need two or three of the ten)."""

    __slots__ = ("rand",)  # no __init__ either: made once per ticket, so kept cheap
    rand: Callable[[], float]

    def __missing__(self, key: str) -> str:
        value = _SLOT_MAKERS[key](self.rand)
        self[key] = value
        return value


_SLOT_MAKERS: dict[str, Callable[[Callable[[], float]], str]] = {
    "site": lambda r: _pick(r, _SITES),
    "host": lambda r: _pick(r, _HOSTS),
    "since": lambda r: _pick(r, _SINCE),
    "month": lambda r: _pick(r, _MONTHS),
    "invoice": lambda r: f"INV-{int(r() * 90000) + 10000}",
    "amount": lambda r: f"€{int(r() * 2400) + 40}.{int(r() * 100):02d}",
    "port": lambda r: _pick(r, _PORTS),
    "count": lambda r: _pick(r, _COUNTS),
    "ip": lambda r: f"203.0.113.{int(r() * 254) + 1}",
}


def _pick(rand: Callable[[], float], choices: Sequence[Any]) -> Any:
    """One of ``choices``: ``random.choice`` without its per-call overhead."""
    return choices[int(rand() * len(choices))]


def _when(action: _Action) -> tuple[int, int]:
    return action[0], action[1]


# -- the generator --------------------------------------------------------------------------


class _Generator:
    """Makes the demo's rows from one ``random.Random``; the call order fixes the result,
    so everything is drawn in one fixed sequence: cast, customers, then ticket by ticket."""

    def __init__(self, rng: random.Random, times: _Times, tickets: int) -> None:
        self.rng = rng
        self.times = times
        self.total = tickets
        self.counts = {table: 0 for table, _ in _TABLES}
        self._next_message = 1
        self._next_approval = 1
        self._seen = dict.fromkeys(_STATUSES, 0)
        self.sla = {rank: int(due.total_seconds()) for rank, due in DEFAULT_SLA.items()}
        self._cast()
        self._customers()
        self._arrivals()

    def summary(self) -> DemoSummary:
        """Counts of everything generated so far."""
        c = self.counts
        return DemoSummary(
            tickets=c["tickets"],
            agents=len(self.people),
            teams=len(_TEAMS),
            departments=len(self.departments),
            accounts=len(self.accounts),
            contacts=len(self.customers),
            events=c["events"],
            messages=c["messages"],
            mentions=c["message_mentions"],
            approvals=c["approvals"],
            resolutions=c["resolutions"],
            articles=c["articles"],
            activities=c["activities"],
            time_entries=c["time_entries"],
            attachments=c["attachments"],
            default_agent=self.default_agent,
        )

    # -- people, departments, accounts and contacts

    def _cast(self) -> None:
        people = [_Person(1, _ADMIN[0], _ADMIN[1], "admin", None)]
        self.leads: list[int] = []
        self.members: list[list[int]] = []
        for team, (_name, _departments, lead, agents) in enumerate(_TEAMS):
            ids = []
            for role, (username, display) in [("lead", lead), *(("agent", a) for a in agents)]:
                people.append(_Person(len(people) + 1, username, display, role, team))
                ids.append(len(people))
            self.leads.append(ids[0])
            self.members.append(ids)
        self.people = people
        self.admin = people[0].id
        self.names = {p.id: p.username for p in people}
        self.display = {p.id: p.display_name for p in people}
        self.default_agent = self.names[self.leads[0]]  # the Billing lead
        self.departments = [name for name, _ in _DEPARTMENTS]
        self.department_cum = _cumulative([share for _, share in _DEPARTMENTS])
        self.department_team = [
            next(i for i, team in enumerate(_TEAMS) if name in team[1]) for name in self.departments
        ]
        # Who may own a department's tickets: its team, agents three times as often as
        # their lead, who mostly hands work out.
        self.owner_pool = [
            [m for m in self.members[team] for _ in range(1 if m == self.leads[team] else 3)]
            for team in self.department_team
        ]
        self.department_topics = [
            [t for t in _TOPICS if t.department == name] for name in self.departments
        ]

    def _customers(self) -> None:
        rng = self.rng
        today = self.times.now // _DAY
        expired = set(rng.sample(range(len(_ACCOUNTS)), _EXPIRED_ACCOUNTS))
        coordinators = [p.id for p in self.people if p.role != "admin"]
        rng.shuffle(coordinators)
        self.accounts: list[dict[str, Any]] = []
        self.expiry_day: dict[int, int] = {}
        self.domain: dict[int, str] = {}
        self.account_name: dict[int, str] = {}
        for i, (name, domain) in enumerate(_ACCOUNTS):
            account = i + 1
            days = -rng.randint(20, 150) if i in expired else rng.randint(30, 540)
            self.expiry_day[account] = today + days
            self.domain[account] = domain
            self.account_name[account] = name
            self.accounts.append(
                {
                    "id": account,
                    "name": name,
                    "coordinator_id": coordinators[i % len(coordinators)],
                    "amc_expires": self.times.day(today + days),
                }
            )
        used: set[str] = set()
        self.customers: list[_Customer] = []
        self.contacts_of: dict[int, list[_Customer]] = {}
        for account, domain in self.domain.items():
            for _ in range(rng.choice((2, 3, 3, 4))):
                first, last, mail = self._new_name(used)
                customer = _Customer(
                    len(self.customers) + 1, f"{first} {last}", first,
                    f"{first.lower()}.{mail}@{domain}", self._phone(), account,
                )  # fmt: skip
                self.customers.append(customer)
                self.contacts_of.setdefault(account, []).append(customer)
        self.individuals: list[_Customer] = []
        for _ in range(_INDIVIDUALS):
            first, last, mail = self._new_name(used)
            email = (
                f"{first.lower()}.{mail}{rng.randint(1, 99)}@{rng.choice(_MAIL_HOSTS)}"
                if rng.random() < 0.85
                else None
            )
            customer = _Customer(
                len(self.customers) + 1, f"{first} {last}", first, email, self._phone(), None
            )
            self.customers.append(customer)
            self.individuals.append(customer)
        # A few big customers raise most of the tickets.
        self.busiest = list(self.domain)
        rng.shuffle(self.busiest)
        self.busiest_cum = _cumulative([1 / (k + 1) ** 0.8 for k in range(len(self.busiest))])

    def _new_name(self, used: set[str]) -> tuple[str, str, str]:
        while True:
            first = self.rng.choice(_FIRST_NAMES)
            last, mail = self.rng.choice(_LAST_NAMES)
            if f"{first} {last}" not in used:
                used.add(f"{first} {last}")
                return first, last, mail

    def _phone(self) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return None
        if roll < 0.55:
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom's range for drama
        if roll < 0.8:
            return f"+353 20 91{rng.randint(0, 99999):05d}"
        return f"+1 555 01{rng.randint(0, 99):02d}"  # 555-0100..0199: fictitious

    # -- when tickets arrive: mostly in office hours on weekdays

    def _arrivals(self) -> None:
        times = self.times
        start = times.now - HISTORY_DAYS * _DAY
        self.first_arrival = start
        self.first_hour = start - start % _HOUR
        cum: list[float] = []
        total = 0.0
        slot = start
        while slot < times.now:
            hour = slot % _DAY // _HOUR
            weekend = times.weekdays[slot // _DAY] >= 5
            if 8 <= hour < 18:
                weight = 1.6 if weekend else 10.0
            elif 6 <= hour < 21:
                weight = 0.8 if weekend else 3.5
            else:
                weight = 0.3 if weekend else 0.6
            length = min(_HOUR - slot % _HOUR, times.now - slot)
            total += weight * length / _HOUR
            cum.append(total)
            slot += length
        self.arrival_cum = cum

    def _created(self, i: int) -> int:
        """Ticket ``i``'s creation time: the ``i``-th of ``total`` arrivals spread by the
        hourly weights (jittered), so numbers grow with creation time as in a real desk."""
        cum = self.arrival_cum
        if not cum:
            return self.times.now
        target = (i + self.rng.random()) / self.total * cum[-1]
        k = min(bisect.bisect_left(cum, target), len(cum) - 1)
        before = cum[k - 1] if k else 0.0
        begin = max(self.first_arrival, self.first_hour + k * _HOUR)
        end = min(self.times.now, self.first_hour + (k + 1) * _HOUR)
        share = (target - before) / ((cum[k] - before) or 1.0)
        return min(self.times.now, begin + int(share * (end - begin)))

    # -- tickets

    def batch(self, start: int, stop: int) -> _Batch:
        """The rows of tickets ``start`` to ``stop - 1`` (zero-based) and all they carry."""
        out = _Batch()
        for i in range(start, stop):
            self._ticket(i, out)
        for table, rows in out.rows.items():
            self.counts[table] += len(rows)
        return out

    def _status(self, i: int, age: int) -> str:
        rand = self.rng.random
        status = "Closed"
        missing = [s for s in _STATUSES if not self._seen[s]] if self.total - i <= 5 else []
        if missing and self.total - i <= len(missing):
            # The last few tickets make sure every stage has some, whatever the seed.
            status = missing[0]
        else:
            # Old tickets are almost all closed; the newer, the more are still open.
            if age < _DAY:
                p_open = 0.8
            elif age < 3 * _DAY:
                p_open = 0.55
            elif age < 7 * _DAY:
                p_open = 0.35
            elif age < 30 * _DAY:
                p_open = 0.12
            else:
                p_open = 0.03
            if rand() < p_open:
                status = _OPEN[bisect.bisect_left(_OPEN_CUM, rand())]
        self._seen[status] += 1
        return status

    def _ticket(self, i: int, out: _Batch) -> None:
        rand = self.rng.random
        now = self.times.now
        created = self._created(i)
        roll = rand()
        priority = 1 if roll < 0.15 else 2 if roll < 0.70 else 3
        channel = CHANNELS[bisect.bisect_left(_CHANNEL_CUM, rand())]
        dept = bisect.bisect_left(self.department_cum, rand())
        topic: _Topic = _pick(rand, self.department_topics[dept])
        product: str = _pick(rand, _PRODUCTS[self.departments[dept]])
        account: int | None
        if rand() < 0.9:
            account = self.busiest[bisect.bisect_left(self.busiest_cum, rand())]
            customer: _Customer = _pick(rand, self.contacts_of[account])
            domain = self.domain[account]
        else:
            account = None
            customer = _pick(rand, self.individuals)
            domain = f"{customer.first.lower()}-shop.example"
        slots = _Slots(
            product=product,
            domain=domain,
            first=customer.first,
            phone=customer.phone or "the main number",
            subcategory=topic.subcategory.lower(),
        )
        slots.rand = rand
        subject = _pick(rand, topic.subjects).format_map(slots)
        description = self._description(topic, channel, customer, slots)

        status = self._status(i, now - created)
        team = self.department_team[dept]
        pool = self.owner_pool[dept]
        owner = _pick(rand, pool) if status != "New" or rand() < 0.5 else None
        creator = owner if owner is not None and rand() < 0.5 else _pick(rand, pool)
        life = _Life(
            tid=i + 1,
            number=FIRST_TICKET_NUMBER + i,
            subject=subject,
            created=created,
            owner=owner,
            creator=creator,
            customer=customer,
            account=account,
            department=self.departments[dept],
            team=team,
            lead=self.leads[team],
            # The service marks a ticket at intake when the contract ended before that day.
            expired=account is not None and self.expiry_day[account] < created // _DAY,
        )
        stages = self._stages(life, status, priority)
        actions = stages
        if life.expired or i >= self.total - RICH_NEWEST or i % RICH_EVERY == 0:
            life.last_close = max((a[0] for a in stages if a[2] == "close"), default=None)
            more: list[_Action] = []
            if life.expired:
                more += self._amc_actions(life, stages, status)
            if i >= self.total - RICH_NEWEST or i % RICH_EVERY == 0:
                more += self._extras(life, stages, status, priority, topic, slots)
            actions = sorted(stages + more, key=_when)
        owner_now = self._emit(life, actions, out, slots)

        ts = self.times.db
        due = created + self.sla[priority]
        out.rows["tickets"].append(
            (
                life.tid, life.number, subject, description, status, priority, channel,
                dept + 1, topic.category, topic.subcategory, product, customer.id, account,
                owner_now, creator, ts(due),
                None if life.scheduled is None else ts(life.scheduled),
                life.sticky, ts(created), ts(life.updated),
                None if life.closed is None else ts(life.closed),
                None if life.first_response is None else ts(life.first_response),
                life.amc_state, None, life.version,
            )
        )  # fmt: skip

    def _description(
        self, topic: _Topic, channel: str, customer: _Customer, slots: dict[str, str]
    ) -> str:
        rand = self.rng.random
        problem = _pick(rand, topic.problems).format_map(slots)
        body = f"{problem} {_pick(rand, _DETAILS).format_map(slots)}".rstrip()
        ask = _pick(rand, _ASKS).format_map(slots)
        if channel == "Phone":
            return f"Call from {customer.name}: {body} Call back on {slots['phone']}."
        if channel == "Chat":
            return f"Chat with {customer.name}:\n{body}\n{ask}"
        if channel in ("Twitter", "Facebook"):
            return f"Message from {customer.name} on {channel}: {problem}"
        return f"Hi,\n\n{body}\n\n{ask}\n\n{_pick(rand, _SIGNOFFS)},\n{customer.first}"

    # -- a ticket's life as timed actions

    def _stages(self, life: _Life, status: str, priority: int) -> list[_Action]:
        """The stage actions that led to ``status`` (taking it, schedule, start, close,
        reopen), at realistic times that all lie before now."""
        rand = self.rng.random
        roll = rand()
        path: list[str]
        if status == "New":
            path = []
        elif status == "Scheduled":
            path = ["schedule"]
        elif status == "InProgress":
            path = ["schedule", "start"]
        elif status == "ReOpen":
            path = ["close", "reopen"] if roll < 0.5 else ["schedule", "start", "close", "reopen"]
        elif roll < 0.50:
            path = ["close"]  # answered and closed straight away
        elif roll < 0.92:
            path = ["schedule", "start", "close"]
        elif roll < 0.96:
            path = ["schedule", "close"]  # solved before the appointment
        else:
            path = ["schedule", "start", "close", "reopen", "schedule", "start", "close"]
        if life.owner is not None:
            path.insert(0, "own")
        pace = _PACE[priority]
        created = life.created
        t = created
        appointment = 0
        times: list[int] = []
        ahead: list[int] = []  # how far ahead each schedule step booked its appointment
        for step in path:
            if step == "own":
                t += int(rand() * rand() * 4 * pace) + 60
            elif step == "schedule":
                t += int(rand() * pace) + 120
                ahead.append(int(rand() * 2 * pace) + 1800)
                appointment = t + ahead[-1]
            elif step == "start":
                t = max(t, appointment) + int(rand() * 1800)
            elif step == "close":
                t += int(rand() * 6 * pace) + 300
            else:  # reopen
                t += int(rand() * 3 * _DAY) + _HOUR
            times.append(t)
        now = self.times.now
        if t > now:
            # Too young for all that: keep the order and proportions, end before now.
            factor = (now - created) * (0.3 + 0.7 * rand()) / (t - created)
            times = [created + int((s - created) * factor) for s in times]
            ahead = [max(60, int(lead * factor)) for lead in ahead]
        if status == "Scheduled":
            # Booked for the next few days, or (now and then) an appointment already missed.
            ahead[-1] = int(rand() * 3 * _DAY) + 1800
        actions: list[_Action] = []
        leads = iter(ahead)
        for index, step in enumerate(path):
            t = times[index]
            order = 10 * index + 5  # room before each step for what has to precede it
            if step == "own":
                # A lead hands out a third of the tickets; the rest are picked up.
                how = "assign" if rand() < 0.33 and life.owner != life.lead else "pickup"
                actions.append((t, order, "own", how))
            elif step == "schedule":
                at = t + next(leads)
                actions.append((t, order, "schedule", at - at % 900 + 900))  # quarter hours
            else:
                actions.append((t, order, step, None))
        return actions

    def _amc_actions(self, life: _Life, stages: list[_Action], status: str) -> list[_Action]:
        """An AMC exception asked for (and decided) on an expired ticket: the gate refuses
        to schedule it until a lead approves one."""
        rand = self.rng.random
        first = next((i for i, a in enumerate(stages) if a[2] == "schedule"), None)
        begin = stages[0][0] if stages and stages[0][2] == "own" else life.created
        if first is not None:
            before = stages[first][0]
            info: dict[str, Any] = {
                "kind": "amc_exception",
                "verdict": "approved",
                "decided": begin + (before - begin) * 2 // 3,
            }
            return [
                (begin + (before - begin) // 3, 10 * first + 1, "request", info),
                (info["decided"], 10 * first + 2, "decide", info),
            ]
        if status != "New":
            return []  # closed without work: the customer was asked to renew first
        roll = rand()
        room = self.times.now - begin
        if roll < 0.35:
            return [(begin + int(room * rand() * 0.5), 1000, "request", {"kind": "amc_exception"})]
        if roll < 0.5:
            request = begin + int(room * rand() * 0.4)
            info = {
                "kind": "amc_exception",
                "verdict": "approved" if roll < 0.45 else "rejected",
                "decided": request + int((self.times.now - request) * rand() * 0.5),
            }
            return [(request, 1000, "request", info), (info["decided"], 1001, "decide", info)]
        return []

    def _extras(
        self,
        life: _Life,
        stages: list[_Action],
        status: str,
        priority: int,
        topic: _Topic,
        slots: dict[str, str],
    ) -> list[_Action]:
        """Conversation, approvals, activities, time and attachments, placed while the
        ticket was being worked (before its first close, or up to about now if open)."""
        rand = self.rng.random
        now = self.times.now
        begin = stages[0][0] if stages and stages[0][2] == "own" else life.created
        closes = [a[0] for a in stages if a[2] == "close"]
        if status == "Closed":
            end = closes[0]
        else:
            end = begin + int((now - begin) * (0.5 + 0.5 * rand()))
        span = max(0, end - begin)

        def at(share: float) -> int:
            return begin + int(span * min(1.0, share))

        actions: list[_Action] = []
        order = 100
        if status != "New" or rand() < 0.5:
            actions.append((at(rand() * 0.1), order, "reply", _FIRST_REPLY))
            order += 1
        for _ in range(int(rand() * 3)):
            share = 0.1 + rand() * 0.8
            actions.append((at(share), order, "customer", None))
            actions.append((at(share + 0.05), order + 1, "reply", 1 + int(rand() * 4)))
            order += 2
        if status == "Closed" and rand() < 0.5:
            actions.append((at(0.97), order, "reply", _FIXED_REPLY))
            order += 1
        if rand() < 0.3:
            actions.append((at(rand()), order, "comment", None))
            order += 1
        if rand() < 0.3:
            actions.append((at(rand()), order, "note", None))
            order += 1
        if rand() < 0.12:
            request = at(rand() * 0.6)
            if status != "Closed" and rand() < 0.6:
                actions.append((request, order, "request", {"kind": "general"}))
            else:
                info: dict[str, Any] = {
                    "kind": "general",
                    "verdict": "approved" if rand() < 0.8 else "rejected",
                    "decided": request + int((end - request) * rand() * 0.5),
                }
                actions.append((request, order, "request", info))
                actions.append((info["decided"], order + 1, "decide", info))
            order += 2
        if rand() < 0.25:
            kind, title = _pick(rand, _ACTIVITIES)
            title = title.format_map(slots)
            created = at(rand() * 0.5)
            due = created + int(rand() * 2 * _DAY) + _HOUR
            done = None
            if status == "Closed" or (due < now and rand() < 0.6):
                done = max(created, min(now, due, end))
            actions.append((created, order, "activity", (kind, title, due, done)))
            if done is not None:
                actions.append((done, order + 1, "done", (kind, title)))
            order += 2
        if life.owner is not None and status in ("InProgress", "Closed", "ReOpen"):
            for _ in range(int(rand() * 3)):
                actions.append((at(0.2 + rand() * 0.8), order, "time", _pick(rand, _MINUTES)))
                order += 1
        if rand() < 0.08:
            actions.append((at(rand() * 0.5), order, "attach", None))
            order += 1
        if priority == 1 and status != "Closed" and rand() < 0.3:
            actions.append((at(rand() * 0.2), order, "sticky", None))
        # Half the reopened tickets were reopened by the customer writing back; most closed
        # ones got a resolution when they were (last) closed.
        if status == "ReOpen" and rand() < 0.5:
            life.customer_reopen = stages[-1][1]
        if status == "Closed" and rand() < 0.75:
            life.resolution = topic
        return actions

    # -- rows from the actions

    def _emit(
        self, life: _Life, actions: list[_Action], out: _Batch, slots: dict[str, str]
    ) -> int | None:
        """Write the rows of one ticket's actions, in the order and shape the services
        would have written them; returns the owner the ticket ends up with."""
        rng = self.rng
        rand = rng.random
        ts = self.times.db
        iso = self.times.iso
        names = self.names
        tid, number = life.tid, life.number
        events = out.rows["events"]

        stamped = [-1, ""]  # the last time stamped: most actions write two events at once

        def event(actor: int, t: int, action: str, fld: str | None, old: Any, new: Any) -> None:
            if t != stamped[0]:
                stamped[0], stamped[1] = t, ts(t)
            events.append((tid, number, "agent", actor, names[actor], stamped[1], action, fld,
                           old, new))  # fmt: skip

        event(life.creator, life.created, "create", None, None, life.subject)
        if life.expired:
            assert life.account is not None
            event(
                life.creator, life.created, "amc", "amc_state", None,
                f"expired (contract of {self.account_name[life.account]} ended "
                f"{self.times.day(self.expiry_day[life.account])})",
            )  # fmt: skip
            life.amc_state = "expired"
        status = "New"
        owner: int | None = None
        worker = life.owner if life.owner is not None else life.creator
        for t, order, kind, arg in actions:
            actor = worker if owner is None else owner
            if kind == "own":
                assert life.owner is not None
                by = life.lead if arg == "assign" else life.owner
                event(by, t, arg, "owner", None, names[life.owner])
                owner = life.owner
            elif kind == "schedule":
                old = None if life.scheduled is None else iso(life.scheduled)
                event(actor, t, "schedule", "scheduled", old, iso(arg))
                event(actor, t, "schedule", "status", status, "Scheduled")
                status, life.scheduled = "Scheduled", arg
            elif kind == "start":
                event(actor, t, "start", "status", status, "InProgress")
                status = "InProgress"
            elif kind == "close":
                event(actor, t, "close", "status", status, "Closed")
                event(actor, t, "close", "closed", None, iso(t))
                status, life.closed = "Closed", t
                if life.resolution is not None and t == life.last_close:
                    self._resolution(life, actor, t, life.resolution, slots, out, event)
            elif kind == "reopen":
                if order == life.customer_reopen:
                    # A customer's reply to a Closed ticket reopens it (customer_message).
                    body = _pick(rand, _REOPEN_MESSAGES).format_map(slots)
                    self._customer_message(life, t, body, out)
                    events.append(
                        (tid, number, "customer", None, life.customer.name, ts(t), "reopen",
                         "status", "Closed", "ReOpen")
                    )  # fmt: skip
                else:
                    by = life.creator if rand() < 0.5 else life.lead
                    event(by, t, "reopen", "status", "Closed", "ReOpen")
                    event(by, t, "reopen", "closed", iso(life.closed or t), None)
                status, life.closed = "ReOpen", None
            elif kind == "request":
                self._approval(life, actor, t, arg, out, event)
            elif kind == "decide":
                event(arg["decider"], t, arg["verdict"], "approval", arg["subject"], arg["comment"])
                if arg["kind"] == "amc_exception" and arg["verdict"] == "approved":
                    event(arg["decider"], t, "amc", "amc_state", "expired", "exception")
                    life.amc_state = "exception"
            elif kind == "reply":
                slots["agent"] = self.display[actor]
                slots["evidence"] = _pick(rand, _EVIDENCE).format_map(slots)
                body = _REPLIES[arg].format_map(slots)
                self._agent_message(life, actor, t, "reply", body, out, event)
            elif kind == "customer":
                body = _pick(rand, _CUSTOMER_MESSAGES).format_map(slots)
                self._customer_message(life, t, body, out)
            elif kind == "comment":
                others = [m for m in self.members[life.team] if m != actor]
                who = _pick(rand, others)
                body = _pick(rand, _COMMENTS).format(who=names[who])
                message = self._agent_message(life, actor, t, "comment", body, out, event)
                out.rows["message_mentions"].append((message, who))
            elif kind == "note":
                body = _pick(rand, _NOTES).format_map(slots)
                self._agent_message(life, actor, t, "note", body, out, event)
            elif kind == "activity":
                what, title, due, done = arg
                reminder = ts(due - 1800) if rand() < 0.5 and due - 1800 > t else None
                out.rows["activities"].append(
                    (tid, what, title, actor, ts(due), reminder, done is not None,
                     None if done is None else ts(done), actor, ts(t))
                )  # fmt: skip
                event(actor, t, what, None, None, title)
            elif kind == "done":
                what, title = arg
                event(actor, t, "done", what, None, title)
            elif kind == "time":
                billable = life.account is not None and rand() < 0.4
                note = _pick(rand, _TIME_NOTES).format_map(slots)
                out.rows["time_entries"].append((tid, actor, ts(t - arg * 60), arg, billable, note))
                event(
                    actor, t, "time", None, None, f"{arg} min" + (" billable" if billable else "")
                )
            elif kind == "attach":
                name, media_type, content = _attachment(rng, slots, self.times.aware(t))
                out.rows["attachments"].append(
                    (tid, name, media_type, len(content), hashlib.sha256(content).hexdigest(),
                     content, actor, ts(t))
                )  # fmt: skip
                event(actor, t, "attach", None, None, f"{name} ({len(content)} bytes)")
            elif kind == "sticky":
                event(actor, t, "edit", "sticky", "no", "yes")
                life.sticky = True
        # Every action after the creation is one transaction that touches the ticket, and
        # the actions come in time order.
        life.version = 1 + len(actions)
        life.updated = actions[-1][0] if actions else life.created
        return owner

    def _agent_message(
        self,
        life: _Life,
        actor: int,
        t: int,
        kind: str,
        body: str,
        out: _Batch,
        event: Callable[..., None],
    ) -> int:
        message = self._next_message
        self._next_message += 1
        out.rows["messages"].append((message, life.tid, kind, actor, None, body, self.times.db(t)))
        event(actor, t, kind, None, None, _preview(body))
        if kind == "reply" and life.first_response is None:
            life.first_response = t
        return message

    def _customer_message(self, life: _Life, t: int, body: str, out: _Batch) -> None:
        message = self._next_message
        self._next_message += 1
        customer = life.customer
        stamp = self.times.db(t)
        out.rows["messages"].append((message, life.tid, "customer", None, customer.id, body, stamp))
        out.rows["events"].append(
            (life.tid, life.number, "customer", None, customer.name, stamp, "customer", None,
             None, _preview(body))
        )  # fmt: skip

    def _approval(
        self,
        life: _Life,
        actor: int,
        t: int,
        info: dict[str, Any],
        out: _Batch,
        event: Callable[..., None],
    ) -> None:
        """Write an approval as it ends up (pending or decided) with its request event;
        ``info`` keeps what the decision (a later action) records."""
        rand = self.rng.random
        account = self.account_name.get(life.account or 0, life.customer.name)
        if info["kind"] == "amc_exception":
            assert life.account is not None
            subject = f"AMC exception for {account}"
            details = (
                f"The support contract of {account} ended "
                f"{self.times.day(self.expiry_day[life.account])}; the customer is renewing "
                "and needs this fixed meanwhile."
            )
        else:
            template, details = _pick(rand, _APPROVALS[life.department])
            subject = template.format_map(
                {"amount": f"€{int(rand() * 900) + 50}", "account": account,
                 "site": _pick(rand, _SITES), "host": _pick(rand, _HOSTS)}
            )  # fmt: skip
        # Leads decide (an AMC exception needs a lead or an admin); a lead asks the admin.
        approvers = [life.lead] if actor != life.lead else [self.admin]
        if rand() < 0.25 and self.admin not in approvers:
            approvers.append(self.admin)
        approval = self._next_approval
        self._next_approval += 1
        out.rows["approval_approvers"].extend((approval, a) for a in sorted(approvers))
        ts = self.times.db
        if "decided" not in info:
            out.rows["approvals"].append(
                (approval, life.tid, info["kind"], actor, subject, details, "pending", None, None,
                 ts(t), None)
            )  # fmt: skip
        else:
            approved = info["verdict"] == "approved"
            comment: str | None
            if info["kind"] == "amc_exception":
                comment = (
                    "Approved: the renewal is in progress with Sales."
                    if approved
                    else "Rejected: ask the customer to renew first."
                )
            else:
                comment = _pick(rand, _APPROVE_COMMENTS if approved else _REJECT_COMMENTS)
            info.update(decider=approvers[0], subject=subject, comment=comment)
            out.rows["approvals"].append(
                (approval, life.tid, info["kind"], actor, subject, details, info["verdict"],
                 approvers[0], comment, ts(t), ts(info["decided"]))
            )  # fmt: skip
        event(actor, t, "approval", None, None, subject)

    def _resolution(
        self,
        life: _Life,
        actor: int,
        t: int,
        topic: _Topic,
        slots: dict[str, str],
        out: _Batch,
        event: Callable[..., None],
    ) -> None:
        rand = self.rng.random
        body = _pick(rand, topic.resolutions).format_map(slots)
        publish = rand() < 0.12
        notify = rand() < 0.4
        ts = self.times.db
        out.rows["resolutions"].append((life.tid, body, publish, notify, actor, ts(t)))
        event(actor, t, "resolution", "resolution", None, _preview(body))
        if publish:
            out.rows["articles"].append((life.subject, body, life.tid, ts(t)))
            event(actor, t, "publish", "knowledge base", None, life.subject)
        if notify:
            self._agent_message(life, actor, t, "reply", f"Resolution:\n{body}", out, event)


def _attachment(
    rng: random.Random, slots: dict[str, str], when: datetime
) -> tuple[str, str, bytes]:
    """A small, plausible file of 1-6 KB: a server log, an invoice extract or a traceroute."""
    kind = rng.randrange(3)
    target = rng.randint(1024, 6144)
    lines: list[str] = []
    line: Callable[[int], str]
    if kind == 0:
        name, media_type = f"{slots['host']}-syslog.log", "text/plain"
        entries = (
            "kernel: eth0: link down", "kernel: eth0: link up 1000Mbps full duplex",
            "sshd[812]: Accepted publickey for deploy", "CRON[2231]: (root) CMD (backup.sh)",
            "nginx[1190]: upstream timed out (110: Connection timed out)",
            "systemd[1]: Started Daily clean-up of temporary directories.",
        )  # fmt: skip
        start = when - timedelta(hours=3)
        offsets = [0]

        def line(_n: int) -> str:
            offsets[0] += rng.randint(1, 240)
            at = start + timedelta(seconds=offsets[0])
            return f"{at:%Y-%m-%dT%H:%M:%SZ} {slots['host']} {rng.choice(entries)}"

    elif kind == 1:
        name, media_type = f"{slots['invoice'].lower()}.csv", "text/csv"
        items = ("Cloud Hosting Pro", "Business Email seat", "Backup Plus 100 GB", "Managed VPS",
                 "SSL certificate", "Support hour")  # fmt: skip
        lines.append("line,description,quantity,unit_price_eur,total_eur")

        def line(n: int) -> str:
            quantity, price = rng.randint(1, 25), rng.randint(5, 400)
            return f"{n},{rng.choice(items)},{quantity},{price}.00,{quantity * price}.00"

    else:
        name = f"traceroute-{slots['site'].replace(' ', '-').lower()}.txt"
        media_type = "text/plain"
        lines.append(f"traceroute to {slots['ip']}, 30 hops max, 60 byte packets")

        def line(n: int) -> str:
            return (
                f"{n:2d}  198.51.100.{rng.randint(1, 254)}  {rng.uniform(0.5, 40):.3f} ms  "
                f"{rng.uniform(0.5, 40):.3f} ms  {rng.uniform(0.5, 60):.3f} ms"
            )

    size = sum(len(x.encode()) + 1 for x in lines)
    while size < target:
        lines.append(line(len(lines)))
        size += len(lines[-1].encode()) + 1
    return name, media_type, "".join(x + "\n" for x in lines).encode()
