"""Noticing other agents' changes: SQLite's ``PRAGMA data_version``, PostgreSQL's
LISTEN/NOTIFY.

``ChangeWatcher.changes()`` yields once per batch of changes made by other connections;
the console reloads what it shows when it does.  ``heard()`` yields the same changes and,
with a presence board, what the other agents are on (``Heard``): a colleague's heartbeat
or presence is never a change to reload for.  If the watcher loses the database it
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
from console.data.presence import (
    PRESENCE_PAYLOAD,
    PresenceBoard,
    PresenceRecord,
    change_count,
)

POLL_SECONDS = 1.0
#: SQLite: after a file change that was only presence, the next look at the file waits
#: this much longer, so that many colleagues' heartbeats cost at most one statement
#: every two seconds.
PRESENCE_PAUSE = 1.0


@dataclass(frozen=True)
class Heard:
    """What the watcher heard: a change to reload for, and/or the others' presence as
    read just now (None: not read)."""

    data: bool
    presence: tuple[PresenceRecord, ...] | None = None


@dataclass
class ChangeWatcher:
    """Watches one database for commits made elsewhere."""

    db: Database
    poll_seconds: float = POLL_SECONDS
    live: bool = False
    #: the console's presence board: what the others are on is read with the changes
    board: PresenceBoard | None = None
    _event: asyncio.Event = field(default_factory=asyncio.Event)
    _payloads: set[str] = field(default_factory=set)

    async def changes(self) -> AsyncIterator[None]:
        """Yield after each batch of outside changes; runs until cancelled."""
        async for heard in self.heard():
            if heard.data:
                yield None

    async def heard(self) -> AsyncIterator[Heard]:
        """Yield each batch of outside changes and presence; runs until cancelled."""
        if self.db.is_sqlite:
            async for heard in self._poll_sqlite():
                yield heard
        else:
            async for heard in self._listen_postgresql():
                yield heard

    async def _poll_sqlite(self) -> AsyncIterator[Heard]:
        # data_version is per connection: the same connection must ask every time.  It
        # moves for any commit, a heartbeat too: the change counter says which it was.
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    last = None
                    count = None
                    while True:
                        version = (await conn.exec_driver_sql("PRAGMA data_version")).scalar()
                        self.live = True
                        pause = 0.0
                        if last is not None and version != last:
                            if self.board is not None:
                                now, presence = await self.board.others_and_count(conn)
                            else:
                                now, presence = await change_count(conn), None
                            data = now != count
                            count = now
                            pause = 0.0 if data else PRESENCE_PAUSE
                            await conn.rollback()
                            yield Heard(data, presence)
                        elif last is None:
                            count = await change_count(conn)
                        await conn.rollback()
                        last = version
                        await asyncio.sleep(self.poll_seconds + pause)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.live = False
                await asyncio.sleep(self.poll_seconds * 3)

    async def _listen_postgresql(self) -> AsyncIterator[Heard]:
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    raw: Any = await conn.get_raw_connection()
                    driver = raw.driver_connection
                    self._event.clear()

                    def heard(_conn: Any, _pid: Any, _channel: Any, payload: Any) -> None:
                        self._payloads.add(str(payload))
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
                                payloads, self._payloads = self._payloads, set()
                                data = bool(payloads - {PRESENCE_PAYLOAD})
                                presence = None
                                if PRESENCE_PAYLOAD in payloads and self.board is not None:
                                    presence = await self.board.others()
                                yield Heard(data, presence)
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
