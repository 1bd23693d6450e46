"""Running the Alembic migrations programmatically (imported only when they must run).

A migration runs in a worker thread, on an event loop and an engine of its own for the
same database, so the caller's event loop stays free: the console starts an upgrade from
its connect worker, and a long one (a search index over a large desk) must not freeze
the screen.  Alembic is synchronous, so on the caller's loop (``run_sync``) it would hold
that loop for the whole upgrade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection

from console.data.db import Database, make_engine

MIGRATIONS = Path(__file__).with_name("migrations")

#: One migration step, run by Alembic on a connection in a transaction.
Step = Callable[[Connection], None]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate the database to ``revision`` in one transaction, off the caller's loop."""

    def step(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    await _migrate(db, step)


async def downgrade(db: Database, revision: str) -> None:
    """Migrate the database back to ``revision`` ("base" empties it) in one transaction,
    off the caller's loop."""

    def step(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    await _migrate(db, step)


async def _migrate(db: Database, step: Step) -> None:
    """Run ``step`` in one transaction, in a worker thread when the database can be
    reached from another engine.

    The caller awaits the thread, so it sees the migration done (or its error) as before.
    Cancelling the caller does not stop the thread: the migration's transaction commits
    or rolls back whole, and ``asyncio.run`` waits for it when the caller's loop closes.
    """
    if _lives_in_the_engine(db.url):
        # An in-memory SQLite database exists only inside this engine's one connection;
        # another engine would migrate a database of its own.  Such a database is new
        # and empty, so migrating it where it is takes no time worth a thread.
        async with db.engine.begin() as conn:
            await conn.run_sync(step)
        return
    await asyncio.to_thread(_migrate_in_thread, db.url, step)


def _migrate_in_thread(url: URL, step: Step) -> None:
    """In the worker thread: a new event loop, and on it an engine for ``url``."""
    asyncio.run(_migrate_apart(url, step))


async def _migrate_apart(url: URL, step: Step) -> None:
    """Run ``step`` in one transaction on a new engine for ``url``, then close it."""
    # An engine of its own: the caller's engine and its connections belong to the
    # caller's loop and cannot be used from this one.  make_engine gives it the same
    # SQLite settings (WAL, busy timeout, foreign keys) as every other connection.
    own = make_engine(url, pool_size=1)
    try:
        async with own.engine.begin() as conn:
            await conn.run_sync(step)
    finally:
        await own.dispose()


def _lives_in_the_engine(url: URL) -> bool:
    """Whether the database is SQLite in memory (as SQLAlchemy decides it: no file, or
    ``mode=memory``), private to the engine that opened it."""
    if url.get_backend_name() != "sqlite":
        return False
    return not url.database or url.database == ":memory:" or url.query.get("mode") == "memory"
