"""One active worker per database.

PostgreSQL: a session advisory lock, held on a connection of its own for as long as the
worker runs; when the worker dies its connection closes and the lock is free at once.
SQLite: a row in ``worker_locks`` naming the holder, refreshed every few seconds; a row
not refreshed for ``STALE`` is a dead worker's, and the next worker takes it over.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from console.data.db import Database
from console.data.models import WorkerLock
from console.data.tickets.frame import Clock, utc_now

#: The advisory lock's key: "agent-console worker", as a number.
ADVISORY_KEY = 0x61676E74_776F726B
#: A SQLite lock row not refreshed for this long belongs to a worker that died.
STALE = timedelta(seconds=10)
NAME = "worker"


class ActiveWorker:
    """Taking, keeping and giving back the one active worker's lock."""

    def __init__(self, db: Database, holder: str, *, clock: Clock = utc_now) -> None:
        self.db = db
        self.holder = holder
        self.clock = clock
        self._conn: AsyncConnection | None = None

    async def take(self) -> bool:
        """Become the active worker if no other is; False while another one is alive."""
        if not self.db.is_sqlite:
            if self._conn is None:
                self._conn = await self.db.engine.connect()
            got = (
                await self._conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
                )
            ).scalar()
            await self._conn.commit()
            return bool(got)
        now = self.clock()
        async with self.db.write() as session:
            row = await session.get(WorkerLock, NAME)
            if row is None:
                session.add(WorkerLock(name=NAME, holder=self.holder, beat_at=now))
                return True
            if row.holder == self.holder or row.beat_at < now - STALE:
                row.holder, row.beat_at = self.holder, now
                return True
            return False

    async def holder_now(self) -> str | None:
        """Who holds the SQLite lock row (None on PostgreSQL or when free)."""
        if not self.db.is_sqlite:
            return None
        async with self.db.read() as session:
            return (
                await session.execute(select(WorkerLock.holder).where(WorkerLock.name == NAME))
            ).scalar_one_or_none()

    async def keep(self) -> bool:
        """Say the worker is alive (SQLite); False if another worker took the lock."""
        if not self.db.is_sqlite:
            return True
        return await self.take()

    async def give_back(self) -> None:
        """Free the lock for the next worker."""
        if not self.db.is_sqlite:
            if self._conn is not None:
                await self._conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                await self._conn.commit()
                await self._conn.close()
                self._conn = None
            return
        async with self.db.write() as session:
            await session.execute(
                delete(WorkerLock).where(WorkerLock.name == NAME, WorkerLock.holder == self.holder)
            )
