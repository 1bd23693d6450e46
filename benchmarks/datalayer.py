"""Figure 6: the data layer against its floor, and statements per user action.

Overhead: the stage counts, a queue window and one ticket are read through ``Queries``
(SQLAlchemy async on aiosqlite) and, with the very statements and parameters the layer
sent (recorded from the engine), through Python's ``sqlite3`` on one open connection.
The difference of the medians, divided by the statements the call sent, is the layer's
cost per statement.

Statements per action: every statement the engine sends (``before_cursor_execute``)
while the console's reads and the ticket services run, not counting the ``BEGIN`` each
transaction starts with.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from benchmarks.databases import Demo
from benchmarks.report import Figure, median, ms
from console.data.db import Database, make_engine
from console.data.directory import resolve_actor
from console.data.models import Ticket
from console.data.queries import Queries, QueueQuery
from console.data.scope import load_scope
from console.data.tickets import TicketService

OVERHEAD_BUDGET_MS = 0.5
STATEMENTS_BUDGET = 3


@dataclass
class Recorder:
    """Every statement an engine sends while ``counting``."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    on: bool = False

    def attach(self, db: Database) -> None:
        """Listen on the engine."""
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    @contextmanager
    def counting(self) -> Iterator[list[tuple[str, Any]]]:
        """The statements sent inside the block, ``BEGIN`` left out."""
        start = len(self.statements)
        taken: list[tuple[str, Any]] = []
        self.on = True
        try:
            yield taken
        finally:
            self.on = False
            taken.extend(
                (sql, params)
                for sql, params in self.statements[start:]
                if sql.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE")
            )


class _Raw:
    """The floor: the same statements through sqlite3 on one open connection."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def run(self, statements: list[tuple[str, Any]]) -> float:
        """Seconds to run the statements and fetch every row."""
        began = time.perf_counter()
        for sql, params in statements:
            self.conn.execute(sql, params).fetchall()
        return time.perf_counter() - began

    def close(self) -> None:
        self.conn.close()


async def _compare(
    call: Callable[[], Awaitable[Any]], raw: _Raw, sent: list[tuple[str, Any]], repeats: int
) -> tuple[float, float]:
    """Median seconds through the layer and raw, taken in turns (so that both meet the
    machine in the same state), after one untimed turn each."""
    layer_times, raw_times = [], []
    for turn in range(repeats + 1):
        began = time.perf_counter()
        await call()
        layer = time.perf_counter() - began
        floor = raw.run(sent)
        if turn:
            layer_times.append(layer)
            raw_times.append(floor)
    return median(layer_times), median(raw_times)


async def overhead(demo: Demo, repeats: int) -> list[Figure]:
    """The layer's cost per statement over raw sqlite3 for counts, a window, a ticket."""
    db = make_engine(demo.url)
    recorder = Recorder()
    recorder.attach(db)
    try:
        actor = await resolve_actor(db, demo.agent, login="benchmark-nobody")
        queries = Queries(db, actor)
        await queries.scope()
        first = await queries.window(QueueQuery("all", "All", "updated"), limit=120)
        number = first[0].number
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "counts": lambda: queries.counts(QueueQuery("all")),
            "window": lambda: queries.window(QueueQuery("all", "All", "updated"), limit=120),
            "ticket": lambda: queries.ticket(number),
        }
        figures = []
        floor = _Raw(str(demo.path))
        for name, call in calls.items():
            with recorder.counting() as sent:
                await call()
            layer, raw = await _compare(call, floor, sent, repeats)
            per_statement = (layer - raw) / max(1, len(sent))
            figures.append(
                Figure(
                    f"datalayer.overhead_{name}",
                    f"Data layer: {name} overhead per statement over sqlite3",
                    ms(per_statement),
                    "ms",
                    budget=f"<= {OVERHEAD_BUDGET_MS} ms",
                    holds=per_statement * 1000 <= OVERHEAD_BUDGET_MS,
                    details={
                        "layer_ms": ms(layer),
                        "raw_ms": ms(raw),
                        "statements": len(sent),
                        "shown": f"layer {ms(layer)} ms vs raw {ms(raw)} ms, {len(sent)} stmt",
                    },
                )
            )
        floor.close()
        return figures
    finally:
        await db.dispose()


async def _workable_ticket(db: Database, service: TicketService) -> int:
    """A New, unassigned ticket of the actor's departments that the AMC gate lets through."""
    async with db.read() as session:
        scope = await load_scope(session, service.actor)
        stmt = select(Ticket.number).where(
            Ticket.status == "New", Ticket.owner_id.is_(None), Ticket.amc_state != "expired"
        )
        if not scope.everything:
            stmt = stmt.where(Ticket.department_id.in_(sorted(scope.department_ids)))
        number = (await session.execute(stmt.order_by(Ticket.number).limit(1))).scalar()
    if number is None:
        raise RuntimeError(f"no New unassigned ticket left for {service.actor.username}")
    return int(number)


async def statements_per_action(demo: Demo) -> list[Figure]:
    """Statements sent for each user action, on a database the actions may change."""
    db = make_engine(demo.url)
    recorder = Recorder()
    recorder.attach(db)
    counts: dict[str, int] = {}
    try:
        actor = await resolve_actor(db, demo.agent, login="benchmark-nobody")
        service = TicketService(db, actor)
        queries = service.queries
        number = await _workable_ticket(db, service)

        async def open_queue() -> None:
            await queries.counts(QueueQuery("all"))
            await queries.view_counts()
            await queries.window(QueueQuery("all", "All", "updated"), limit=120)

        soon = datetime.now(UTC) + timedelta(hours=2)
        actions: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("open queue, first time (scope read)", open_queue),
            ("open queue (counts, view counts, window)", open_queue),
            # What the console reads: the fields and the open tab (the conversation).
            ("cursor to a ticket (detail)", lambda: queries.detail(number, {"conversation"})),
            ("the same with every tab (ticket show)", lambda: queries.detail(number)),
            ("key check before an action (state)", lambda: queries.state(number)),
            ("pick up", lambda: service.pick_up(number)),
            ("schedule", lambda: service.schedule(number, soon)),
            ("start", lambda: service.start(number)),
            ("reply", lambda: service.reply(number, "Working on it now.")),
            ("close", lambda: service.close(number)),
        ]
        for name, action in actions:
            with recorder.counting() as sent:
                await action()
            counts[name] = len(sent)
    finally:
        await db.dispose()
    figures = []
    for name, count in counts.items():
        budgeted = not name.startswith(("open queue, first", "key check", "the same with"))
        figures.append(
            Figure(
                "statements." + name.split(" (")[0].replace(" ", "_").replace(",", ""),
                f"Statements: {name}",
                count,
                "stmt",
                budget=f"<= {STATEMENTS_BUDGET}" if budgeted else "",
                holds=count <= STATEMENTS_BUDGET if budgeted else None,
            )
        )
    return figures
