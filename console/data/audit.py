"""The audit trail: history events are append-only and chained by hash.

Every event carries ``prev_hash`` (the hash of the event before it) and ``hash``, the
SHA-256 of ``prev_hash`` and the event's own fields in a fixed, unambiguous form.  The
database refuses UPDATE and DELETE on ``events`` (triggers, see migration 0002) and keeps
the chain's head (last id and hash) in the ``meta`` row ``audit_head``.  ``verify`` walks
the chain and names the first event that was edited, inserted or deleted behind the
application's back.

Writers take the head row's lock before they append (``FOR UPDATE`` on PostgreSQL; on
SQLite the write transaction already holds the database), so two transactions never
chain onto the same event.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from console.data.db import Database
from console.data.errors import BadValue
from console.data.models import Event, Meta

#: The ``prev_hash`` of the first event.
GENESIS = "0" * 64
HEAD_KEY = "audit_head"

#: The fields an event's hash covers, in order (everything but its id and the hashes).
FIELDS: tuple[str, ...] = (
    "ticket_id",
    "ticket_number",
    "actor_kind",
    "actor_id",
    "actor_name",
    "at",
    "action",
    "field",
    "old_value",
    "new_value",
)

_BATCH = 20_000


def canonical_time(value: datetime | str) -> str:
    """A moment as the hash sees it: naive UTC, ``YYYY-MM-DD HH:MM:SS.ffffff`` (the text
    SQLite stores; PostgreSQL keeps the same microseconds)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _digest(
    prev_hash: str,
    ticket_id: int | None,
    ticket_number: int | None,
    actor_kind: str | None,
    actor_id: int | None,
    actor_name: str | None,
    at: str,
    action: str | None,
    field: str | None,
    old_value: str | None,
    new_value: str | None,
) -> str:
    """The hash of one event.  Numbers are written in decimal, texts with their length
    first, None as ``-`` and the time in its canonical form, so the text is unambiguous:
    no two different events give the same one, whatever the ticket text holds."""
    text = (
        f"{prev_hash}|{'-' if ticket_id is None else ticket_id}"
        f"|{'-' if ticket_number is None else ticket_number}"
        f"|{'-' if actor_kind is None else f'{len(actor_kind)}:{actor_kind}'}"
        f"|{'-' if actor_id is None else actor_id}"
        f"|{'-' if actor_name is None else f'{len(actor_name)}:{actor_name}'}|{at}"
        f"|{'-' if action is None else f'{len(action)}:{action}'}"
        f"|{'-' if field is None else f'{len(field)}:{field}'}"
        f"|{'-' if old_value is None else f'{len(old_value)}:{old_value}'}"
        f"|{'-' if new_value is None else f'{len(new_value)}:{new_value}'}"
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def chain_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The hash of an event whose ``FIELDS`` are ``values`` (``at`` already canonical),
    following the event whose hash is ``prev_hash``."""
    return _digest(prev_hash, *values)


def _values(row: Mapping[str, Any]) -> list[Any]:
    values = [row[name] for name in FIELDS]
    values[5] = canonical_time(values[5])
    return values


def chain(rows: Iterable[dict[str, Any]], prev_hash: str) -> str:
    """Give each event row (a dict of ``FIELDS``) its ``prev_hash`` and ``hash``, in order;
    returns the hash of the last one (``prev_hash`` when there are none)."""
    for row in rows:
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = chain_hash(prev_hash, _values(row))
    return prev_hash


def chain_tuples(
    rows: list[tuple[Any, ...]], prev_hash: str, at: Callable[[Any], str] = canonical_time
) -> tuple[list[tuple[Any, ...]], str]:
    """The bulk writer's form of ``chain``: rows are tuples in ``FIELDS`` order; returns
    them with ``prev_hash`` and ``hash`` appended, and the last hash."""
    out: list[tuple[Any, ...]] = []
    append = out.append
    digest: Callable[..., str] = _digest
    for row in rows:
        this = digest(prev_hash, *row[:5], at(row[5]), *row[6:])
        append((*row, prev_hash, this))
        prev_hash = this
    return out, prev_hash


def _head_value(value: str | None) -> tuple[int, str]:
    if not value:
        return 0, GENESIS
    ident, _, digest = value.partition(" ")
    return int(ident), digest


async def append_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Append history events at the end of the chain, in order, inside the caller's
    write transaction (after any ticket locks: the head row is always locked last)."""
    if not rows:
        return
    head = (
        await session.execute(select(Meta.value).where(Meta.key == HEAD_KEY).with_for_update())
    ).scalar_one_or_none()
    chain(rows, _head_value(head)[1])
    # One multi-row INSERT, in order; the database moves the head (a trigger on insert),
    # so there is no second write.
    await session.execute(insert(Event).values(rows))


# -- verifying --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """The first place where the chain does not hold."""

    kind: str  # "edited", "inserted", "deleted"
    event_id: int | None
    ticket_number: int | None
    sentence: str


@dataclass(frozen=True)
class Report:
    events: int
    head_id: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


@dataclass(frozen=True)
class _Stored:
    id: int
    ticket_number: int | None
    prev_hash: str | None
    hash: str | None
    computed: str | None  # what ``hash`` should be, from prev_hash and the fields


def _stored(row: Sequence[Any]) -> _Stored:
    ident, prev_hash, digest = row[0], row[1], row[2]
    fields = list(row[3:])
    if fields[5] is not None:
        fields[5] = canonical_time(fields[5])
    computed = chain_hash(prev_hash, fields) if prev_hash is not None else None
    return _Stored(ident, fields[1], prev_hash, digest, computed)


def _columns() -> list[Any]:
    table = Event.__table__
    return [table.c.id, table.c.prev_hash, table.c.hash, *(table.c[name] for name in FIELDS)]


async def _events(session: AsyncSession) -> AsyncIterator[_Stored]:
    """Every event in id order, read in keyset batches (the table may be millions long),
    all in the caller's one snapshot."""
    after = 0
    columns = _columns()
    while True:
        rows = (
            await session.execute(
                select(*columns).where(columns[0] > after).order_by(columns[0]).limit(_BATCH)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield _stored(tuple(row))
        after = rows[-1][0]


def _where(event: _Stored) -> str:
    on = f" (ticket #{event.ticket_number})" if event.ticket_number is not None else ""
    return f"event {event.id}{on}"


class _Walk:
    """Follows the chain one event at a time, holding back one event so that a break
    can be told apart by what the next event chains onto."""

    def __init__(self, anchor: tuple[int, str] | None = None) -> None:
        self.prev_hash = GENESIS
        self.prev_id = 0
        self.count = 0
        self.suspect: _Stored | None = None
        self.finding: Finding | None = None
        #: a head kept outside the database (``audit head``): the chain must pass through it
        self.anchor = anchor
        self.anchored = anchor is None

    def step(self, event: _Stored) -> None:
        self.count += 1
        if self.suspect is not None:
            self._judge(self.suspect, event)
            return
        if (
            event.computed is not None
            and event.computed == event.hash
            and event.prev_hash == self.prev_hash
        ):
            before = self.prev_id
            self.prev_hash, self.prev_id = event.hash, event.id
            if not self.anchored:
                self._pass_anchor(event, before)
            return
        self.suspect = event

    def _pass_anchor(self, event: _Stored, before: int) -> None:
        """The chain holds up to ``event``: does it hold the anchor's event, unchanged?"""
        assert self.anchor is not None
        anchor_id, anchor_hash = self.anchor
        if event.id < anchor_id:
            return
        self.anchored = True
        if event.id == anchor_id and event.hash == anchor_hash:
            return
        if event.id == anchor_id:
            self.finding = Finding(
                "rewritten",
                event.id,
                event.ticket_number,
                f"the history up to {_where(event)} was rewritten and hashed anew: its hash "
                f"is not the {anchor_hash[:12]}… of the head you kept.",
            )
        else:
            self.finding = Finding(
                "deleted",
                anchor_id,
                None,
                f"event {anchor_id}, the head you kept, is gone: the history was rewritten "
                f"without it (the chain goes from event {before or 'none, the start,'} "
                f"to {event.id}).",
            )

    def _judge(self, suspect: _Stored, following: _Stored | None) -> None:
        """``suspect`` broke the chain; ``following`` (the next event, if any) says how."""
        intact = suspect.computed is not None and suspect.computed == suspect.hash
        skips = following is not None and following.prev_hash == self.prev_hash
        if skips:
            self.finding = Finding(
                "inserted",
                suspect.id,
                suspect.ticket_number,
                f"{_where(suspect)} was inserted behind the application's back: the event "
                f"after it chains onto event {self.prev_id or 'none (the start)'}.",
            )
        elif intact:
            self.finding = Finding(
                "deleted",
                suspect.id,
                suspect.ticket_number,
                f"history was deleted or rewritten before {_where(suspect)}: it chains onto "
                f"an event that is no longer there (the last intact event is "
                f"{self.prev_id or 'none, the start'}).",
            )
        else:
            self.finding = Finding(
                "edited",
                suspect.id,
                suspect.ticket_number,
                f"{_where(suspect)} was edited after it was written: its hash no longer "
                "matches its contents.",
            )

    def end(self, head: tuple[int, str] | None) -> None:
        suspect = self.suspect
        if self.finding is None and suspect is not None:
            if head is not None and suspect.id > head[0]:
                self.finding = Finding(
                    "inserted",
                    suspect.id,
                    suspect.ticket_number,
                    f"{_where(suspect)} was inserted behind the application's back after the "
                    f"last event written ({head[0]}).",
                )
            else:
                self._judge(suspect, None)
        if self.finding is None and not self.anchored:
            assert self.anchor is not None
            self.finding = Finding(
                "deleted",
                self.anchor[0],
                None,
                f"event {self.anchor[0]}, the head you kept, is gone: the history ends at "
                f"event {self.prev_id or 'none'} (deleted, or rewritten from before it).",
            )
        if self.finding is not None:
            return
        if head is None:
            if self.count:
                self.finding = Finding(
                    "deleted", None, None, "the chain's head record (meta audit_head) is gone."
                )
            return
        head_id, head_hash = head
        if head_id == self.prev_id and head_hash == self.prev_hash:
            return
        if head_id > self.prev_id:
            self.finding = Finding(
                "deleted",
                head_id,
                None,
                f"history was deleted at the end: the last event written was {head_id}, "
                f"the last one left is {self.prev_id or 'none'}.",
            )
        else:
            self.finding = Finding(
                "inserted",
                self.prev_id,
                None,
                f"event {self.prev_id} was inserted behind the application's back after the "
                f"last event written ({head_id}).",
            )


async def head(db: Database) -> tuple[int, str]:
    """The chain's head: the id and hash of the last event written, for the admin to keep
    outside the database (``verify(anchor=...)`` proves the history up to it unchanged)."""
    async with db.snapshot() as session:
        value = (
            await session.execute(select(Meta.value).where(Meta.key == HEAD_KEY))
        ).scalar_one_or_none()
    return _head_value(value)


def parse_anchor(text: str) -> tuple[int, str]:
    """A head as ``audit head`` prints it, ``ID:HASH``; BadValue says what is wrong."""
    ident, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not ident.isdigit() or len(digest) != 64 or set(digest) - set("0123456789abcdef"):
        raise BadValue(
            f"{text!r} is not a head; give it as `agent-console audit head` prints it: "
            "the event id, a colon and the 64-character hash."
        )
    return int(ident), digest


async def verify(
    db: Database,
    progress: Callable[[int], None] | None = None,
    *,
    anchor: tuple[int, str] | None = None,
) -> Report:
    """Walk the whole chain and report the first event edited, inserted or deleted; with
    ``anchor`` (a head kept outside the database), also that the history up to it is the
    one that head was taken of.

    The head and every event are read in one snapshot (``Database.snapshot``): events
    that agents write while the walk goes on are not in it, so they are never taken for
    events inserted behind the application's back; an event in the snapshot past the
    head it holds is one the head never saw."""
    async with db.snapshot() as session:
        head_value = (
            await session.execute(select(Meta.value).where(Meta.key == HEAD_KEY))
        ).scalar_one_or_none()
        head = _head_value(head_value) if head_value is not None else None
        walk = _Walk(anchor if anchor is not None and anchor[0] > 0 else None)
        async for event in _events(session):
            walk.step(event)
            if walk.finding is not None:
                break
            if progress is not None and walk.count % 500_000 == 0:
                progress(walk.count)
    walk.end(head)
    return Report(walk.count, head[0] if head else 0, walk.finding)
