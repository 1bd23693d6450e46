"""Shared fixtures: a fresh, migrated database on SQLite, and on PostgreSQL when
AGENT_CONSOLE_TEST_PG names a server (as CI does)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from console.data.db import SHARED_FILE_MODE, Database, make_engine
from console.data.directory import Directory, resolve_actor
from console.data.outbox import MailSetup
from console.data.schema import ensure_schema
from console.data.tickets import TicketService
from console.data.workflow import Actor

# Times are shown in local time: the tests (and their snapshots) see UTC everywhere.
os.environ["TZ"] = "UTC"
time.tzset()

PG_URL = os.environ.get("AGENT_CONSOLE_TEST_PG")
PG_SKIP = "PostgreSQL tests need AGENT_CONSOLE_TEST_PG=postgresql+asyncpg://user@host:port/db"

#: The fixed "now" of the tests.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FixedClock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


async def _admin_pg(sql: str) -> None:
    assert PG_URL
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def new_pg_database() -> str:
    """Create an empty PostgreSQL database for one test and return its URL."""
    assert PG_URL
    name = f"ac_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_pg(f'CREATE DATABASE "{name}"'))
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by ``new_pg_database``."""
    name = make_url(url).database
    asyncio.run(_admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url = new_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database file URL."""
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"


@pytest.fixture(autouse=True)
def own_config_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests never read, nor write on first run, the config file of whoever runs them."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "config"))


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors in the tests do not blink: a snapshot taken while a cursor blinks
    catches it on or off by how fast the machine is."""
    from textual.widgets import Input, TextArea

    for kind in (Input, TextArea):
        mounted = kind._on_mount

        def steady(self: Any, event: Any, _mounted: Any = mounted) -> Any:
            self.cursor_blink = False
            return _mounted(self, event)

        monkeypatch.setattr(kind, "_on_mount", steady)


@pytest.fixture
def clock() -> FixedClock:
    """The tests' clock, starting at ``NOW``."""
    return FixedClock()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of an empty SQLite database at the current schema, migrated once per
    test process: each test's ``db`` starts as a copy (migrating takes about half a
    second, a copy a millisecond)."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"

    async def migrate() -> None:
        database = make_engine(path)
        await ensure_schema(database)
        await database.dispose()  # checkpointed: the file holds everything

    asyncio.run(migrate())
    return path.read_bytes()


@pytest.fixture(scope="session")
def migrated_pg() -> Iterator[str]:
    """A PostgreSQL database at the current schema, migrated once per test process, that
    each test's ``db`` is created from (``CREATE DATABASE ... TEMPLATE``)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    name = f"ac_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_pg(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        database = make_engine(url)
        await ensure_schema(database)
        await database.dispose()  # a template must have no one connected

    try:
        asyncio.run(migrate())
        yield name
    finally:
        asyncio.run(_admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _from_template(db_url: str, request: pytest.FixtureRequest) -> None:
    """Make the test's empty database a copy of the migrated one."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.fchmod(fd, SHARED_FILE_MODE)  # as make_engine creates a new file
                os.write(fd, request.getfixturevalue("migrated_sqlite"))
            finally:
                os.close(fd)
        return
    template = request.getfixturevalue("migrated_pg")
    name = url.database
    asyncio.run(_admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin_pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


@pytest.fixture
def migrated_url(db_url: str, request: pytest.FixtureRequest) -> str:
    """``db_url``, its database now a copy of the migrated one."""
    _from_template(db_url, request)
    return db_url


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend (a copy of one migrated once)."""
    database = make_engine(migrated_url)
    await ensure_schema(database)  # already current: one look at the revision
    try:
        yield database
    finally:
        await database.dispose()


class Desk:
    """A small help desk: two teams, their departments and accounts, and the agents."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db = db
        self.clock = clock
        self.actors: dict[str, Actor] = {}
        #: the mail setup the services get (none: mail is stored, not sent)
        self.mail = MailSetup()

    async def build(self) -> Desk:
        admin = await resolve_actor(self.db, login="root", clock=self.clock)
        self.actors["root"] = admin
        directory = Directory(self.db, admin, self.clock)
        await directory.add_department("Billing")
        await directory.add_department("Network")
        await directory.add_agent("lena", role="lead", team="Billing", departments=["Billing"])
        await directory.add_agent("alice", role="agent", team="Billing", departments=["Billing"])
        await directory.add_agent("bob", role="agent", team="Billing", departments=["Billing"])
        await directory.add_agent("nina", role="lead", team="Network", departments=["Network"])
        await directory.add_agent("carl", role="agent", team="Network", departments=["Network"])
        await directory.add_account("Acme Ltd", coordinator="alice", amc_expires=date(2027, 1, 1))
        await directory.add_account("Oldco", coordinator="carl", amc_expires=date(2025, 12, 31))
        for name in ("lena", "alice", "bob", "nina", "carl"):
            self.actors[name] = await resolve_actor(self.db, name, login="root", clock=self.clock)
        return self

    def service(self, who: str) -> TicketService:
        """The ticket service acting as ``who``."""
        return TicketService(self.db, self.actors[who], clock=self.clock, mail=self.mail)

    async def ticket(self, who: str = "alice", **fields: object) -> int:
        """Create a ticket as ``who`` and return its number."""
        values: dict[object, object] = {
            "subject": "Printer on fire",
            "contact_name": "Pat Customer",
            "contact_email": "pat@acme.example",
            "account": "Acme Ltd",
            "department": "Billing",
        }
        values.update(fields)
        record = await self.service(who).create(**values)  # type: ignore[arg-type]
        return record.number


@pytest.fixture
async def desk(db: Database, clock: FixedClock) -> Desk:
    """A built help desk on a fresh database."""
    return await Desk(db, clock).build()
