"""Who else is on a ticket: each running console says which ticket its agent has open and
whether they are writing a reply or a comment on it.

One row per console (``presence``), written with an upsert when what the agent does
changes and again every ``HEARTBEAT_SECONDS`` to say the console still runs; a clean exit
deletes it, and readers ignore a row whose heartbeat is older than ``EXPIRY_SECONDS`` (a
console killed with ``kill -9`` drops out by itself).  Presence is not a change to the
ticket: no history event, no new ticket version, no reload of anyone's queue.  Others hear
of it cheaply: on PostgreSQL a change (not a heartbeat) sends a ``NOTIFY`` with the payload
``PRESENCE_PAYLOAD``; on SQLite the watcher tells a heartbeat from a change by the change
counter that every other write transaction moves (``Database.write``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, literal, select, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Select

from console.data.db import NOTIFY_CHANNEL, Database
from console.data.models import Agent, LiveSeq, Presence, Ticket
from console.data.workflow import Actor

VIEWING = "viewing"
REPLYING = "replying"
COMMENTING = "commenting"
#: What an agent can be doing on a ticket, in the order the detail names them.
DOING = (REPLYING, COMMENTING, VIEWING)

#: How often a console says it still runs.
HEARTBEAT_SECONDS = 10.0
#: A row older than this is a console that stopped without saying so (killed, a lost
#: network): readers ignore it.  A killed console's last heartbeat is at most this old
#: when it is dropped, so it disappears well within 30 s.
EXPIRY_SECONDS = 25.0
#: The NOTIFY payload of a presence change on PostgreSQL (a ticket's number otherwise).
PRESENCE_PAYLOAD = "presence"

#: The glyph of each activity in a queue row (with colour), and its words under NO_COLOR.
GLYPHS = {VIEWING: "👁", REPLYING: "✎", COMMENTING: "✎"}


@dataclass(frozen=True)
class PresenceRecord:
    """Another agent on a ticket: who, which ticket, doing what, since when.  Two records
    are equal when they say the same thing (a new heartbeat changes nothing shown)."""

    agent: str
    number: int
    doing: str
    since: datetime
    heartbeat_at: datetime = field(compare=False)

    def marker(self, plain: bool = False) -> str:
        """What a queue row shows: ``👁 lucia`` / ``✎ lucia``, or in words without colour
        (``(lucia viewing)``)."""
        if plain:
            return f"({self.agent} {self.doing})"
        return f"{GLYPHS.get(self.doing, '👁')} {self.agent}"

    def since_local(self, zone: Any = None) -> str:
        """Since when, as the terminal's local ``HH:MM``."""
        return f"{self.since.astimezone(zone):%H:%M}"

    def sentence(self, zone: Any = None) -> str:
        """What the detail says: ``lucia is replying, since 10:41``."""
        return f"{self.agent} is {self.doing}, since {self.since_local(zone)}"


def on_ticket(records: Sequence[PresenceRecord], number: int) -> list[PresenceRecord]:
    """The others on one ticket, writers first, then by name."""
    found = [r for r in records if r.number == number]
    return sorted(found, key=lambda r: (DOING.index(r.doing), r.agent))


def markers(records: Sequence[PresenceRecord], plain: bool = False) -> dict[int, str]:
    """Each ticket's queue marker: the writers and viewers on it, writers first."""
    numbers = sorted({r.number for r in records})
    return {n: " ".join(r.marker(plain) for r in on_ticket(records, n)) for n in numbers}


def _upsert(db: Database) -> Any:
    """The INSERT ... ON CONFLICT of this database's dialect."""
    return sqlite.insert(Presence) if db.is_sqlite else postgresql.insert(Presence)


@dataclass
class PresenceBoard:
    """One console's presence: what it says of its agent, and what it reads of others."""

    db: Database
    actor: Actor
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    #: this run of the console (one agent may have two open)
    console: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: what this console says now: (ticket number, doing), or None
    state: tuple[int, str] | None = None

    async def say(self, number: int | None, doing: str = VIEWING) -> None:
        """The agent now has ticket ``number`` open, ``doing`` what (None: no ticket);
        tells the others at once."""
        if doing not in DOING:
            raise ValueError(f"doing must be one of {DOING}, not {doing!r}")
        state = None if number is None else (number, doing)
        if state == self.state:
            return
        async with self.db.write(counted=False) as session:
            if state is None:
                await session.execute(delete(Presence).where(Presence.console == self.console))
            else:
                await self._write(session, *state)
            if not self.db.is_sqlite:
                await session.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": NOTIFY_CHANNEL, "payload": PRESENCE_PAYLOAD},
                )
        self.state = state

    async def beat(self) -> None:
        """Say the console still runs (one statement; nobody is notified: nothing that
        others show has changed)."""
        if self.state is None:
            return
        async with self.db.write(counted=False) as session:
            await self._write(session, *self.state)

    async def leave(self) -> None:
        """A clean exit: this console's row goes (the others hear of it)."""
        await self.say(None)

    async def _write(self, session: AsyncSession, number: int, doing: str) -> None:
        """One upsert: the row of this console for ``number``; ``since`` stays while the
        ticket and the activity stay, so a heartbeat keeps it."""
        now = self.clock()
        insert = _upsert(self.db)
        chosen = select(
            literal(self.console),
            literal(self.actor.id),
            Ticket.id,
            literal(doing),
            literal(now, Presence.since.type),
            literal(now, Presence.heartbeat_at.type),
        ).where(Ticket.number == number)
        stmt = insert.from_select(
            ["console", "agent_id", "ticket_id", "doing", "since", "heartbeat_at"], chosen
        )
        same = and_(
            Presence.ticket_id == stmt.excluded.ticket_id, Presence.doing == stmt.excluded.doing
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["console"],
            set_={
                "agent_id": stmt.excluded.agent_id,
                "ticket_id": stmt.excluded.ticket_id,
                "doing": stmt.excluded.doing,
                "since": case((same, Presence.since), else_=stmt.excluded.since),
                "heartbeat_at": stmt.excluded.heartbeat_at,
            },
        )
        await session.execute(stmt)

    def _others(self) -> Select[str, int, str, datetime, datetime]:
        """The query of the other agents' fresh rows."""
        cutoff = self.clock() - timedelta(seconds=EXPIRY_SECONDS)
        return (
            select(
                Agent.username, Ticket.number, Presence.doing, Presence.since, Presence.heartbeat_at
            )
            .join(Agent, Agent.id == Presence.agent_id)
            .join(Ticket, Ticket.id == Presence.ticket_id)
            .where(
                Presence.heartbeat_at >= cutoff,
                Presence.console != self.console,
                Presence.agent_id != self.actor.id,
            )
            .order_by(Ticket.number, Agent.username)
        )

    async def others(self) -> tuple[PresenceRecord, ...]:
        """Every other agent on a ticket now (rows past their expiry left out)."""
        async with self.db.read() as session:
            rows = (await session.execute(self._others())).all()
        return tuple(PresenceRecord(row[0], row[1], row[2], row[3], row[4]) for row in rows)

    async def others_and_count(
        self, conn: AsyncConnection
    ) -> tuple[int, tuple[PresenceRecord, ...]]:
        """SQLite, in one statement on the watcher's connection: the change counter and
        every other agent on a ticket (the watcher reads both when the file changed)."""
        others = self._others().subquery()
        stmt = select(LiveSeq.n, *others.c).select_from(LiveSeq.__table__.outerjoin(others, true()))
        rows = (await conn.execute(stmt)).all()
        count = rows[0][0] if rows else 0
        found = sorted(
            (PresenceRecord(*row[1:]) for row in rows if row[1] is not None),
            key=lambda r: (r.number, r.agent),
        )
        return count, tuple(found)


async def change_count(conn: AsyncConnection) -> int:
    """SQLite: the change counter alone (a watcher without a presence board)."""
    return (await conn.execute(select(LiveSeq.n))).scalar() or 0
