"""Presence: what "who else is on a ticket" costs.

1. One console left idle on a SQLite file with a ticket open, while eight colleagues'
   consoles (each its own connection) keep their presence fresh: the statements the
   console sends per second beyond the watcher's ``PRAGMA data_version`` (the price of
   live updates before presence), and the frames it draws.  Budget: presence adds at most
   one statement per second and no frame while nothing that is shown changes.
2. Fifty consoles' heartbeats on PostgreSQL, all at once, five rounds: p95 of one heartbeat.
   Budget: 20 ms.

    python -m benchmarks.presence [--idle SECONDS] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from benchmarks.databases import _maintenance
from benchmarks.report import Figure, percentile, table
from console.app import AgentConsole
from console.config import Settings
from console.data.db import Database, make_engine
from console.data.directory import Directory, resolve_actor
from console.data.presence import HEARTBEAT_SECONDS, VIEWING, PresenceBoard
from console.data.schema import ensure_schema
from console.data.tickets import TicketService

BUDGET_STATEMENTS = 1.0
BUDGET_FRAMES = 0
BUDGET_P95_MS = 20.0
COLLEAGUES = 8
CONSOLES = 50


async def desk(db: Database, agents: int) -> list[int]:
    """A department, ``agents`` agents (``a0``...) and one ticket per agent."""
    await ensure_schema(db)
    admin = await resolve_actor(db, login="root")
    directory = Directory(db, admin)
    await directory.add_department("Billing")
    for i in range(agents):
        await directory.add_agent(f"a{i}", role="agent", team="Billing", departments=["Billing"])
    service = TicketService(db, admin)
    return [
        (
            await service.create(subject=f"Question {i}", contact_name="Kim", department="Billing")
        ).number
        for i in range(agents)
    ]


async def colleagues(db: Database, numbers: list[int], stop: asyncio.Event) -> None:
    """Colleagues' consoles on tickets, each beating every ``HEARTBEAT_SECONDS``."""
    boards = [
        PresenceBoard(db, await resolve_actor(db, f"a{i + 1}", login="root"))
        for i in range(COLLEAGUES)
    ]
    for board, number in zip(boards, numbers[1:], strict=False):
        await board.say(number, VIEWING)
    while not stop.is_set():
        for board in boards:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS / len(boards))
            await board.beat()
    for board in boards:
        await board.leave()


async def idle_console(idle: float, verbose: bool = False) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="presence-bench-"))
    url = str(folder / "desk.db")
    setup = make_engine(url)
    numbers = await desk(setup, COLLEAGUES + 1)
    await setup.dispose()
    console_db, others_db = make_engine(url), make_engine(url)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(console_db.engine.sync_engine, "before_cursor_execute", seen)
    app = AgentConsole(Settings(), url, "a0", database=console_db)
    frames = 0
    stop = asyncio.Event()
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.queries is not None and app.board is not None and app.board.state:
                break
        # Colleagues arrive and settle; then nothing changes but heartbeats.
        beating = asyncio.ensure_future(colleagues(others_db, numbers, stop))
        for _ in range(400):
            await pilot.pause(0.05)
            if len(app.presence) == COLLEAGUES:
                break
        await pilot.pause(3)
        drawn = app._display

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal frames
            frames += 1
            return drawn(*args, **kwargs)

        app._display = counted  # type: ignore[method-assign]
        statements.clear()
        started = time.perf_counter()
        await asyncio.sleep(idle)
        elapsed = time.perf_counter() - started
        app._display = drawn  # type: ignore[method-assign]
        polls = sum(1 for s in statements if "data_version" in s)
        # Each poll is its own read transaction (BEGIN, PRAGMA): live updates' own price.
        begins = sum(1 for s in statements if s.strip() == "BEGIN")
        if verbose:
            for text_, n in Counter(s.split()[0] + " " + s[:60] for s in statements).items():
                print(n, text_.replace("\n", " "))
        extra = len(statements) - polls - min(begins, polls)
        stop.set()
        await beating
    await others_db.dispose()
    rate = extra / elapsed
    return [
        Figure(
            "presence_statements_per_second",
            f"idle console, {COLLEAGUES} colleagues beating: statements/s added",
            round(rate, 3),
            "/s",
            f"<= {BUDGET_STATEMENTS}",
            rate <= BUDGET_STATEMENTS,
            {"polls_per_second": round(polls / elapsed, 3), "seconds": round(elapsed, 1)},
        ),
        Figure(
            "presence_idle_frames",
            "idle console: frames drawn while only heartbeats happen",
            frames,
            "frames",
            f"<= {BUDGET_FRAMES}",
            frames <= BUDGET_FRAMES,
        ),
    ]


async def pg_heartbeats(url: str) -> Figure:
    name = f"presence_bench_{uuid.uuid4().hex[:8]}"
    await _maintenance(url, f'CREATE DATABASE "{name}"')
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    db = make_engine(own)
    try:
        numbers = await desk(db, CONSOLES)
        # Each console has its own engine (its own connection), as real ones do.
        engines = [make_engine(own) for _ in range(CONSOLES)]
        boards = [
            PresenceBoard(engine, await resolve_actor(engine, f"a{i}", login="root"))
            for i, engine in enumerate(engines)
        ]
        for board, number in zip(boards, numbers, strict=True):
            await board.say(number, VIEWING)
        times: list[float] = []
        burst: list[float] = []

        async def beat(board: PresenceBoard, into: list[float], after: float = 0.0) -> None:
            await asyncio.sleep(after)
            started = time.perf_counter()
            await board.beat()
            into.append((time.perf_counter() - started) * 1000)

        # As consoles beat: each at its own moment.  A real team of 50 makes 5 heartbeats
        # a second; here they come ten times as fast (one every 20 ms), five rounds.
        for _ in range(5):
            await asyncio.gather(*(beat(b, times, i * 0.02) for i, b in enumerate(boards)))
        # The worst case, for reference: all fifty in the same instant.
        await asyncio.gather(*(beat(b, burst) for b in boards))
        p95 = percentile(times, 95)
        for engine in engines:
            await engine.dispose()
        return Figure(
            "presence_pg_heartbeat_p95",
            f"{CONSOLES} consoles' heartbeats on PostgreSQL (50/s): p95",
            round(p95, 2),
            "ms",
            f"<= {BUDGET_P95_MS}",
            p95 <= BUDGET_P95_MS,
            {
                "median_ms": round(percentile(times, 50), 2),
                "beats": len(times),
                "all_at_once_p95_ms": round(percentile(burst, 95), 2),
            },
        )
    finally:
        await db.dispose()
        await _maintenance(url, f'DROP DATABASE IF EXISTS "{name}"')


async def run(idle: float, pg: str | None, verbose: bool = False) -> list[Figure]:
    figures = await idle_console(idle, verbose)
    if pg:
        figures.append(await pg_heartbeats(pg))
    else:
        figures.append(
            Figure(
                "presence_pg_heartbeat_p95",
                "PostgreSQL heartbeats",
                None,
                "ms",
                skipped="no --pg URL",
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds left idle")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL for the heartbeats")
    parser.add_argument("--verbose", action="store_true", help="list the idle statements")
    args = parser.parse_args()
    figures = asyncio.run(run(args.idle, args.pg, args.verbose))
    print(table(figures))
    for figure in figures:
        if figure.details:
            print(f"{figure.key}: {figure.details}")


if __name__ == "__main__":
    main()
