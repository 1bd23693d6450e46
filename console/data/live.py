"""Noticing other agents' changes: SQLite's ``PRAGMA data_version``, PostgreSQL's
LISTEN/NOTIFY.

``ChangeWatcher.changes()`` yields once per batch of changes made by other connections;
the console reloads what it shows when it does.  If the watcher loses the database it
reports ``live = False`` and keeps trying.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from console.data.db import NOTIFY_CHANNEL, Database

POLL_SECONDS = 1.0


@dataclass
class ChangeWatcher:
    """Watches one database for commits made elsewhere."""

    db: Database
    poll_seconds: float = POLL_SECONDS
    live: bool = False
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    async def changes(self) -> AsyncIterator[None]:
        """Yield after each batch of outside changes; runs until cancelled."""
        if self.db.is_sqlite:
            async for _ in self._poll_sqlite():
                yield None
        else:
            async for _ in self._listen_postgresql():
                yield None

    async def _poll_sqlite(self) -> AsyncIterator[None]:
        # data_version is per connection: the same connection must ask every time.
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    last = None
                    while True:
                        version = (await conn.exec_driver_sql("PRAGMA data_version")).scalar()
                        await conn.rollback()
                        self.live = True
                        if last is not None and version != last:
                            yield None
                        last = version
                        await asyncio.sleep(self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.live = False
                await asyncio.sleep(self.poll_seconds * 3)

    async def _listen_postgresql(self) -> AsyncIterator[None]:
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    raw: Any = await conn.get_raw_connection()
                    driver = raw.driver_connection
                    self._event.clear()

                    def heard(*_args: Any) -> None:
                        self._event.set()

                    await driver.add_listener(NOTIFY_CHANNEL, heard)
                    self.live = True
                    try:
                        while True:
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(self._event.wait(), timeout=15)
                            if self._event.is_set():
                                self._event.clear()
                                # Let a burst of notifications arrive; reload once.
                                await asyncio.sleep(0.1)
                                self._event.clear()
                                yield None
                            elif driver.is_closed():
                                raise ConnectionError("listener connection closed")
                            else:
                                await conn.execute(text("SELECT 1"))
                                await conn.rollback()
                    finally:
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(NOTIFY_CHANNEL, heard)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.live = False
                await asyncio.sleep(self.poll_seconds * 3)
