"""Engine and transactions for SQLite (embedded default) and PostgreSQL (team backend).

SQLite: WAL, foreign keys, a 10 s busy timeout, and write transactions that take the
write lock when they begin (``BEGIN IMMEDIATE``): a deferred transaction that reads and
then writes either loses updates or fails at once with "database is locked" whatever the
busy timeout.  PostgreSQL: the services lock the ticket row (``SELECT ... FOR UPDATE``)
for the length of an action, and every write sends a ``NOTIFY`` for live consoles.

The schema (which revision a database has, bringing it up to date) is ``schema.py`` and
``migrate.py``, beside the migrations; they import this module, never the other way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from console.data.errors import Unavailable

#: The channel PostgreSQL consoles listen on for other agents' changes.
NOTIFY_CHANNEL = "agent_console"

BUSY_TIMEOUT_MS = 10_000

#: SQLite: every write transaction but presence counts itself (``console.data.live``).
COUNT_CHANGE = (
    "INSERT INTO live_seq (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = live_seq.n + 1"
)


def normalise_url(target: str | os.PathLike[str] | URL) -> URL:
    """A SQLAlchemy async URL from a URL or a plain file path.

    ``tickets.db`` and ``sqlite:///tickets.db`` both become ``sqlite+aiosqlite:///…``;
    ``postgresql://…`` becomes ``postgresql+asyncpg://…``.
    """
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if isinstance(target, URL):
        url = target
    elif "://" not in target:
        return make_url("sqlite+aiosqlite:///" + str(Path(target).expanduser().resolve()))
    else:
        url = make_url(target)
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
        if url.database and url.database != ":memory:":
            url = url.set(database=str(Path(url.database).expanduser().resolve()))
    elif backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise Unavailable(
            f"Unsupported database {url.render_as_string(hide_password=True)}; "
            "use a SQLite file path or a postgresql+asyncpg:// URL."
        )
    return url


def describe_url(url: URL) -> str:
    """What the header shows: the file name, or host/database (never the password)."""
    if url.get_backend_name() == "sqlite":
        return Path(url.database or ":memory:").name
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database}"


def password_account(target: str | URL) -> str | None:
    """The keyring account a database's password is kept under (``user@host:port/db``),
    or None when it needs none from us: a SQLite file, or a URL that carries one."""
    url = normalise_url(target)
    if url.get_backend_name() != "postgresql" or url.password:
        return None
    port = url.port or 5432
    return f"{url.username or ''}@{url.host or 'localhost'}:{port}/{url.database or ''}"


def shown_url(target: str | URL) -> str:
    """A database as people may be shown it: a file path, or the URL without password."""
    if isinstance(target, str) and "://" not in target:
        return target
    return make_url(target).render_as_string(hide_password=True)


@dataclass
class Database:
    """One database: its engine and how to open read and write transactions on it."""

    url: URL
    engine: AsyncEngine

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite backend."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def label(self) -> str:
        """File name or host/database, for display."""
        return describe_url(self.url)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading (one snapshot per statement on PostgreSQL, per
        transaction on SQLite); never commits."""
        try:
            async with AsyncSession(self.engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise translate_error(exc) from exc

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A session that reads one unchanging snapshot from its first statement to its
        end, however long, while others write: a REPEATABLE READ, read-only transaction
        on PostgreSQL; one read transaction (WAL) on SQLite.  Never commits."""
        try:
            async with self.engine.connect() as conn:
                if not self.is_sqlite:
                    conn = await conn.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                    yield session
        except (OperationalError, DBAPIError) as exc:
            raise translate_error(exc) from exc

    @asynccontextmanager
    async def write(self, *, counted: bool = True) -> AsyncIterator[AsyncSession]:
        """A session in one write transaction: committed on success, rolled back on error.

        On SQLite the transaction begins IMMEDIATE, taking the write lock at once, and
        (unless not ``counted``: presence) adds one to the change counter, so that live
        consoles reload for it and not for a colleague's presence heartbeat.
        """
        try:
            async with self.engine.connect() as conn:
                await conn.execution_options(write_transaction=True)
                session = AsyncSession(bind=conn, expire_on_commit=False)
                async with session, session.begin():
                    yield session
                    if counted and self.is_sqlite:
                        await session.execute(text(COUNT_CHANGE))
        except (OperationalError, DBAPIError) as exc:
            raise translate_error(exc) from exc

    async def notify(self, session: AsyncSession, payload: str) -> None:
        """Tell live PostgreSQL consoles that something changed (sent at commit)."""
        if not self.is_sqlite:
            await session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": payload},
            )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def translate_error(exc: Exception) -> Exception:
    """Turn driver errors a person can act on into a plain sentence; others pass through."""
    message = str(getattr(exc, "orig", exc) or exc).lower()
    if "database is locked" in message or "database is busy" in message:
        return Unavailable(
            "The database stayed busy for 10 s (another agent is writing a lot); nothing was "
            "changed. Try again."
        )
    if "readonly" in message or "read-only" in message or "attempt to write a readonly" in message:
        return Unavailable("The database is read-only here; nothing was changed.")
    if "disk is full" in message or "no space left" in message or "disk full" in message:
        return Unavailable("The disk holding the database is full; nothing was changed.")
    if "unable to open database" in message:
        return Unavailable("The database file cannot be opened (check the path and permissions).")
    if any(t in message for t in ("connection refused", "could not connect", "connect call")):
        return Unavailable("The database server cannot be reached; nothing was changed.")
    return exc


#: A new SQLite database file: read and write for its owner and its group, nothing for
#: others, whatever the umask.  SQLite gives the -wal and -shm files the database file's
#: permissions, so the agents of one group (the folder's, with its setgid bit) share all
#: three.
SHARED_FILE_MODE = 0o660


def create_shared_file(path: Path) -> None:
    """Create the (empty) database file with ``SHARED_FILE_MODE`` unless it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SHARED_FILE_MODE)
    except (FileExistsError, PermissionError, IsADirectoryError, FileNotFoundError):
        return  # SQLite opens (or refuses) it as it is, and says why
    try:
        os.fchmod(fd, SHARED_FILE_MODE)  # the umask narrowed the mode given to open
    finally:
        os.close(fd)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so we choose DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # A read-only file keeps its journal mode; reads still work.
        with contextlib.suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("write_transaction"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(
    url: str | os.PathLike[str] | URL, *, pool_size: int = 5, password: str | None = None
) -> Database:
    """Build (but do not connect) the engine for a URL or a file path (``password``: the
    server's, when the URL has none)."""
    resolved = normalise_url(url)
    if password is not None and resolved.get_backend_name() == "postgresql":
        resolved = resolved.set(password=password)
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
            create_shared_file(Path(resolved.database))
        engine = create_async_engine(resolved)
        _install_sqlite_hooks(engine)
    else:
        engine = create_async_engine(
            resolved, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
    return Database(url=resolved, engine=engine)
