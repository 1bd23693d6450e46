"""The lead's seat: the dashboard and every ``report`` on demo databases of growing size,
for the demo's lead, against a budget of 200 ms each.

    python -m benchmarks.lead --sizes 10000,100000,1000000 --workdir DIR [--pg URL]

With ``--pg`` (a PostgreSQL URL whose server may create databases) the same figures are
taken on PostgreSQL demos of the same sizes (``benchmarks.databases.pg_demo``) instead.
Prints each figure's time (median of ``--repeats``) at each size, so the growth is
visible, and whether it holds the budget.  The demo databases are those of
``benchmarks.databases`` (built once, reused); the period is the demo's last 7 days.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.databases import default_agent, pg_demo, sqlite_demo
from benchmarks.report import Figure
from console.data.db import Database, make_engine
from console.data.directory import get_meta, resolve_actor
from console.data.figures import Figures, Period, Rates

BUDGET_MS = 200.0


def measures(figures: Figures, period: Period) -> dict[str, Callable[[], Awaitable[Any]]]:
    """What is timed: the dashboard as a whole, each of its figures, and each report."""
    rates = Rates(6000, 2500)
    return {
        "dashboard (all figures)": lambda: figures.dashboard(period),
        "created/closed per day": lambda: figures.per_day(period),
        "backlog by stage and age": lambda: figures.backlog(period),
        "SLA breaches, count": lambda: figures.breach_count(period),
        "SLA breaches, all (report sla)": lambda: figures.breaches(period),
        "due within 4 h": lambda: figures.due_soon(period),
        "first response, resolution": lambda: figures.response_times(period),
        "per agent (report agents, time)": lambda: figures.agents(period),
        "billing (report billing)": lambda: figures.billing(period, rates),
        "approvals pending": lambda: figures.approvals(period),
    }


async def measure(workdir: Path, tickets: int, repeats: int, pg: str | None = None) -> list[Figure]:
    """Every measure on the demo of ``tickets`` tickets (on PostgreSQL with ``pg``)."""
    demo = await (pg_demo(pg, tickets) if pg else sqlite_demo(workdir, tickets))
    backend = "postgresql" if pg else "sqlite"
    db = make_engine(demo.url)
    try:
        lead = await default_agent(db)
        actor = await resolve_actor(db, lead, login=lead)
        moment = await get_meta(db, "demo_now")
        now = datetime.fromisoformat(moment) if moment else datetime.now().astimezone()
        figures = Figures(db, actor, clock=lambda: now)
        period = Period.last_days(now.date(), 7)
        out: list[Figure] = []
        for name, run in measures(figures, period).items():
            await run()  # warm: the first read fills the page cache
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                await run()
                times.append((time.perf_counter() - start) * 1000)
            median = statistics.median(times)
            out.append(
                Figure(
                    key=f"lead.{name}.{tickets}.{backend}",
                    title=f"{name}, {tickets:,} tickets, {backend}, lead {lead}",
                    value=round(median, 2),
                    unit="ms",
                    budget=f"<= {BUDGET_MS:g} ms",
                    holds=median <= BUDGET_MS,
                    details={"min_ms": round(min(times), 2), "max_ms": round(max(times), 2)},
                )
            )
        return out
    finally:
        await db.dispose()


async def plans(db: Database, run: Callable[[], Awaitable[Any]]) -> list[tuple[str, list[str]]]:
    """SQLite's plan of every statement ``run`` sends (the scope's own read aside)."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await run()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    found: list[tuple[str, list[str]]] = []
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for statement, parameters in seen:
            cursor = await raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            found.append((statement, [str(row[-1]) for row in await cursor.fetchall()]))
    return found


def table(results: dict[int, list[Figure]]) -> str:
    """One row per measure, one column per size."""
    sizes = sorted(results)
    names = [f.key.split(".")[1] for f in results[sizes[0]]]
    width = max(len(n) for n in names)
    head = f"{'figure (median ms)':<{width}}  " + "  ".join(f"{s:>10,}" for s in sizes)
    lines = [head, "-" * len(head)]
    for i, name in enumerate(names):
        cells = []
        for s in sizes:
            f = results[s][i]
            cells.append(f"{f.value:>9.1f}{'' if f.holds else '!'}")
        lines.append(f"{name:<{width}}  " + "  ".join(f"{c:>10}" for c in cells))
    lines.append(f"(budget {BUDGET_MS:g} ms for a lead; ! marks a figure over it)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure and print; exit 1 when a figure is over its budget."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lead")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workdir", type=Path, default=Path("bench-data"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL: measure there instead of SQLite")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {n: asyncio.run(measure(args.workdir, n, args.repeats, args.pg)) for n in sizes}
    print(table(results))
    return 0 if all(f.holds for fs in results.values() for f in fs) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
