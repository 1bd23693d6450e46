"""The suite's command line and the order of its sections.

Sections run one after the other (never two at once: they would slow each other):
demo generation, query plans, start-up, keys and bytes, open ticket, memory, the data
layer, and the eight agents on PostgreSQL and SQLite.  A section that breaks is reported
as an error figure and the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import concurrency, datalayer, keys, memory, plans, power, startup
from benchmarks.databases import (
    WORKDIR,
    Demo,
    build_sqlite,
    drop_pg_demo,
    pg_demo,
    pg_reachable,
    remove_sqlite,
    sqlite_demo,
)
from benchmarks.report import Figure, machine, table, write_json
from console.data.db import make_engine

SECTIONS = (
    "demo",
    "plans",
    "startup",
    "keys",
    "memory",
    "datalayer",
    "concurrency",
    "search",
    "bulk",
)
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PLAN_TICKETS = 2000


@dataclass(frozen=True)
class Settings:
    """How much of everything to measure."""

    tickets: int
    small: int
    concurrency_tickets: int
    workdir: Path
    json: Path
    presses: int
    runs: int
    pages: int
    cycles: int
    repeats: int
    pg: str | None
    drop_pg: bool
    demo_time: str
    sections: tuple[str, ...]


def parse(argv: Sequence[str] | None) -> Settings:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure the console against its budgets on generated demo databases.",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=1_000_000,
        metavar="N",
        help="tickets of the big database (default 1,000,000)",
    )
    parser.add_argument(
        "--small",
        type=int,
        default=10_000,
        metavar="N",
        help="tickets of the small database memory is compared with",
    )
    parser.add_argument(
        "--concurrency-tickets",
        type=int,
        metavar="N",
        help="tickets of the 8-agent databases (default min(N, 100,000))",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=WORKDIR,
        help="where the demo databases are kept and reused",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path(__file__).resolve().parent / "results.json",
        help="where to write the figures as JSON",
    )
    parser.add_argument("--presses", type=int, default=50, help="presses per key figure")
    parser.add_argument("--runs", type=int, default=5, help="starts per start-up figure")
    parser.add_argument("--pages", type=int, default=300, help="PageDowns for memory growth")
    parser.add_argument(
        "--cycles", type=int, default=10, help="pick-up/schedule/start/close cycles per agent"
    )
    parser.add_argument(
        "--repeats", type=int, default=30, help="repeats per data-layer statement timing"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("AGENT_CONSOLE_TEST_PG", DEFAULT_PG),
        metavar="URL",
        help="PostgreSQL server (its database is used to create the bench one)",
    )
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument(
        "--drop-pg",
        action="store_true",
        help="drop the PostgreSQL bench database afterwards (default: keep it for the next run)",
    )
    parser.add_argument(
        "--demo-time",
        choices=("fresh", "recorded", "skip"),
        default="fresh",
        help="when the big database is reused: time a fresh build into a "
        "temporary file (default), report the recorded build time, or skip",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: few presses, starts, pages and cycles"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections ({','.join(SECTIONS)})",
    )
    args = parser.parse_args(argv)
    sections = tuple(s for s in args.only.split(",") if s)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    quick = args.quick
    return Settings(
        tickets=args.tickets,
        small=args.small,
        concurrency_tickets=args.concurrency_tickets or min(args.tickets, 100_000),
        workdir=args.workdir.expanduser().resolve(),
        json=args.json,
        presses=min(args.presses, 5) if quick else args.presses,
        runs=min(args.runs, 2) if quick else args.runs,
        pages=min(args.pages, 20) if quick else args.pages,
        cycles=min(args.cycles, 2) if quick else args.cycles,
        repeats=min(args.repeats, 5) if quick else args.repeats,
        pg=None if args.no_pg else args.pg,
        drop_pg=args.drop_pg,
        demo_time=args.demo_time,
        sections=sections,
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def demo_generation(big: Demo, settings: Settings) -> list[Figure]:
    """Figure 8: building the big demo (budget under two minutes)."""
    title = f"Demo generation, {big.tickets:,} tickets"
    budget, limit = "< 120 s", 120.0
    how = "built for this run"
    seconds = big.built_in
    if seconds is None and settings.demo_time == "fresh":
        path = settings.workdir / f"demo-timing-{big.tickets}.db"
        try:
            seconds = await build_sqlite(path, big.tickets)
        finally:
            remove_sqlite(path)
        how = "fresh build into a temporary file (the cached database was reused)"
    elif seconds is None and settings.demo_time == "recorded" and big.recorded is not None:
        seconds = big.recorded
        how = f"recorded when the cached database was built ({big.recorded_at})"
    if seconds is None:
        return [
            Figure(
                "demo.generation",
                title,
                None,
                "s",
                budget,
                skipped="reused the cached database; no build time measured or recorded",
            )
        ]
    return [
        Figure(
            "demo.generation",
            title,
            round(seconds, 1),
            "s",
            budget,
            holds=seconds < limit,
            details={"how": how},
        )
    ]


async def plan_check(settings: Settings) -> list[Figure]:
    """Figure 5 in the suite: the query plans on a small demo (same check as the test)."""
    demo = await sqlite_demo(settings.workdir, PLAN_TICKETS)
    db = make_engine(demo.path)
    try:
        cases = await plans.collect(db)
    finally:
        await db.dispose()
    wrong = [c for c in cases if c.problems]
    return [
        Figure(
            "plans.wrong",
            "Query plans: queries with a tickets scan or temp B-tree sort",
            len(wrong),
            f"of {len(cases)}",
            budget="0",
            holds=not wrong,
            details={
                "statements": sum(len(c.plans) for c in cases),
                "wrong": [
                    {"role": c.role, "query": c.query, "problems": c.problems} for c in wrong
                ],
            },
        )
    ]


def _guard(name: str, figures: list[Figure], step: Callable[[], list[Figure]]) -> None:
    """Run one section; a failure becomes an error figure and the run goes on."""
    _say(f"-- {name}")
    began = time.perf_counter()
    try:
        figures.extend(step())
    except Exception as exc:  # one broken section must not hide the others' figures
        traceback.print_exc()
        figures.append(
            Figure(
                f"error.{name}",
                f"{name}: could not measure",
                None,
                "",
                holds=False,
                details={"error": f"{type(exc).__name__}: {exc}"},
            )
        )
    _say(f"   {name} took {time.perf_counter() - began:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; exit 0 when it ran (budgets that fail are reported, not errors)."""
    settings = parse(argv)
    settings.workdir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    began = time.perf_counter()
    wanted = set(settings.sections)
    _say(f"databases in {settings.workdir}")
    big = asyncio.run(sqlite_demo(settings.workdir, settings.tickets))
    how = "reused" if big.built_in is None else f"built in {big.built_in:.1f} s"
    _say(f"   {big.tickets:,} tickets: {how}")
    figures: list[Figure] = []
    run = {
        "started": started.isoformat(timespec="seconds"),
        "tickets": settings.tickets,
        "machine": machine(),
        "settings": {k: str(v) for k, v in settings.__dict__.items()},
        "databases": {"big": str(big.path)},
        "code": _code_state(),
    }

    if "demo" in wanted:
        _guard("demo", figures, lambda: asyncio.run(demo_generation(big, settings)))
    if "plans" in wanted:
        _guard("plans", figures, lambda: asyncio.run(plan_check(settings)))
    if "startup" in wanted:
        _guard("startup", figures, lambda: startup.measure(big, settings.workdir, settings.runs))
    if "keys" in wanted:
        _guard("keys", figures, lambda: keys.wide_session(big, settings.workdir, settings.presses))
        _guard(
            "open ticket",
            figures,
            lambda: keys.open_ticket_session(big, settings.workdir, settings.presses),
        )
    if "memory" in wanted:

        def memory_section() -> list[Figure]:
            small = asyncio.run(sqlite_demo(settings.workdir, settings.small))
            return memory.measure(
                big, small, settings.workdir, max(1, settings.runs // 2 + 1), settings.pages
            )

        _guard("memory", figures, memory_section)
    if "datalayer" in wanted:
        _guard("datalayer", figures, lambda: asyncio.run(datalayer.overhead(big, settings.repeats)))
    if "concurrency" in wanted or "datalayer" in wanted:
        shared = asyncio.run(sqlite_demo(settings.workdir, settings.concurrency_tickets))
        run["databases"]["concurrency_sqlite"] = str(shared.path)  # type: ignore[index]
        if "datalayer" in wanted:
            _guard(
                "statements", figures, lambda: asyncio.run(datalayer.statements_per_action(shared))
            )
        if "concurrency" in wanted:
            _guard(
                "concurrency sqlite",
                figures,
                lambda: asyncio.run(concurrency.run(shared, "sqlite", settings.cycles)),
            )
            _guard("concurrency pg", figures, lambda: _pg_section(settings))

    if "search" in wanted:
        _guard("search", figures, lambda: asyncio.run(power.search(big, settings.repeats)))
    if "bulk" in wanted:
        shared = asyncio.run(sqlite_demo(settings.workdir, settings.concurrency_tickets))
        _guard("bulk", figures, lambda: asyncio.run(power.bulk_close(shared)))

    run["seconds"] = round(time.perf_counter() - began, 1)
    write_json(settings.json, run, figures)
    print(table(figures))
    failed = [f.key for f in figures if f.holds is False]
    print(
        f"\n{len(figures)} figures, {len(failed)} over budget"
        + (f": {', '.join(failed)}" if failed else "")
        + f"; JSON in {settings.json}"
    )
    return 0


def _code_state() -> dict[str, str]:
    """The commit measured and the files changed since (the figures are of the work tree)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {"commit": git("rev-parse", "HEAD"), "changed_files": ", ".join(changed)}


def _pg_section(settings: Settings) -> list[Figure]:
    if settings.pg is None:
        return concurrency.skipped("pg", "--no-pg")
    why = asyncio.run(pg_reachable(settings.pg))
    if why is not None:
        return concurrency.skipped("pg", why)
    demo = asyncio.run(pg_demo(settings.pg, settings.concurrency_tickets))
    try:
        return asyncio.run(concurrency.run(demo, "pg", settings.cycles))
    finally:
        if settings.drop_pg:
            asyncio.run(drop_pg_demo(settings.pg, settings.concurrency_tickets))
