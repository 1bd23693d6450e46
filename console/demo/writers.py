"""Writing a million tickets fast: the bulk writers and what they switch off meanwhile.

Rows go straight through the driver in large batches (``executemany`` on SQLite, binary
``COPY`` on PostgreSQL), with no ORM and no per-row type processing.  The tickets'
secondary indexes and the triggers that do per-row work are dropped first and made again
once at the end, and SQLite skips fsync while the build runs.  All of it happens inside
the build's one transaction, so a build that fails leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from console.data.audit import GENESIS, canonical_time, chain_tuples
from console.demo.rows import TABLES, Batch, Row

#: SQLite page cache for the build's connection: big enough to keep a million tickets'
#: table in memory while its indexes are built (SQLite allocates it only as pages fill).
BUILD_CACHE_KIB = 512 * 1024
#: Triggers suspended during a build (their work is done once at the end) -> their table.
SUSPENDED_TRIGGERS = {
    "events_move_head": "events",  # the audit chain's head (migration 0002)
    "tickets_search_insert": "tickets",  # the search index (migration 0003)
    "messages_search_insert": "messages",
}


async def tune_sqlite(driver: Any) -> dict[str, Any]:
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
    await pragmas(driver, synchronous=0, cache_size=-BUILD_CACHE_KIB, threads=2, foreign_keys=0)
    return saved


async def pragmas(driver: Any, **values: int) -> None:
    """Set SQLite pragmas on a driver connection (whole numbers only)."""
    for name, value in values.items():
        async with driver.execute(f"PRAGMA {name} = {int(value)}"):
            pass


async def drop_ticket_indexes(conn: AsyncConnection, sqlite: bool) -> list[str]:
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


async def suspend_triggers(conn: AsyncConnection, sqlite: bool) -> list[str]:
    """Drop the triggers that do per-row work the build does once at the end (moving the
    audit chain's head, adding each row to the search index) and return the statements
    that recreate them, then bring the search index up to date in one pass."""
    if sqlite:
        listing = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
    else:
        listing = "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname IN :names"
    found = (
        await conn.execute(
            text(listing).bindparams(bindparam("names", expanding=True)),
            {"names": list(SUSPENDED_TRIGGERS)},
        )
    ).all()
    again = []
    for name, statement in found:
        table = SUSPENDED_TRIGGERS[str(name)]
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


class Writer:
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

    async def write(self, batch: Batch) -> None:
        """Write one batch, table by table, parents first; events are chained onto the
        audit chain as they go, hashed exactly as the services hash theirs."""
        for table, columns in TABLES:
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
        """Insert rows (tuples in ``columns`` order) into ``table``."""
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        await self.driver.executemany(sql, rows)


class CopyWriter(Writer):
    """PostgreSQL: binary ``COPY`` of each table's rows, in the build's transaction."""

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        """Copy rows (tuples in ``columns`` order) into ``table``."""
        await self.driver.copy_records_to_table(table, records=rows, columns=columns)

    @staticmethod
    def moment(value: Any) -> str:
        """An event's time as the audit hash takes it: asyncpg rows hold datetimes."""
        return canonical_time(value)
