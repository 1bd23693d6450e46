"""The power user's figures: search on the big database against raw FTS5, and a bulk
close of 1,000 tagged tickets with its report.

Search: for each term, the raw FTS5 query (``MATCH`` over subject and description, every
hit's rowid fetched, through Python's ``sqlite3``) and the console's search (the first
window of matches in the lead's scope, newest first, words looked up in the full-text
indexes and the contacts) are timed alternately; the budget is max(1.3 x raw, raw + 35 ms)
on the medians.

Bulk: on a copy of the concurrency database, the demo's lead tags 1,000 open tickets and
closes them with a resolution: preview, then one transaction per ticket, then the report.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.databases import Demo, sqlite_url
from benchmarks.report import Figure, median, ms
from console.data.bulk import Bulk, BulkRequest
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.queries import Queries, QueueQuery
from console.data.search import tokens
from console.data.tickets import TicketService
from console.data.workflow import Action

#: Terms searched: a common word, a rarer one, a phrase, a prefix being typed.
TERMS = ("invoice", "firewall", "duplicate charge", "refu")
BULK_TICKETS = 1000
BULK_BUDGET_S = 5.0


def _raw_fts(path: Path, term: str) -> float:
    words = tokens(term)
    query = " + ".join(f'"{w}"' for w in words[:-1])
    query = f'{query} + "{words[-1]}"*' if query else f'"{words[-1]}"*'
    with sqlite3.connect(path) as conn:
        started = time.perf_counter()
        conn.execute(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?", (query,)
        ).fetchall()
        return time.perf_counter() - started


async def search(big: Demo, repeats: int) -> list[Figure]:
    """Console search against raw FTS5, per term."""
    db = make_engine(sqlite_url(big.path))
    figures = []
    try:
        actor = await resolve_actor(db, big.agent, login=big.agent)
        queries = Queries(db, actor)
        await queries.window(QueueQuery("all"), limit=1)  # the scope, read once
        for term in TERMS:
            raw, ours = [], []
            for _ in range(max(3, repeats)):
                raw.append(_raw_fts(big.path, term))
                started = time.perf_counter()
                await queries.window(QueueQuery(filters=(term,)), limit=120)
                ours.append(time.perf_counter() - started)
            raw_ms, ours_ms = ms(median(raw)), ms(median(ours))
            budget = max(1.3 * raw_ms, raw_ms + 35)
            figures.append(
                Figure(
                    f"search.{term.replace(' ', '_')}",
                    f"Search {term!r}: first window of matches, newest first",
                    ours_ms,
                    "ms",
                    f"<= max(1.3x raw, raw + 35 ms) = {budget:.1f} ms",
                    ours_ms <= budget,
                    {
                        "raw_fts5_ms": raw_ms,
                        "ratio": round(ours_ms / raw_ms, 2) if raw_ms else None,
                    },
                )
            )
    finally:
        await db.dispose()
    return figures


async def bulk_close(shared: Demo) -> list[Figure]:
    """Tag 1,000 open tickets and close them all, with the preview and the report."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "bulk.db"
        shutil.copyfile(shared.path, copy)
        db = make_engine(sqlite_url(copy))
        try:
            actor = await resolve_actor(db, shared.agent, login=shared.agent)
            service = TicketService(db, actor)
            numbers, _total = await service.queries.numbers(
                QueueQuery("all", "New"), limit=BULK_TICKETS
            )
            numbers += (
                (
                    await service.queries.numbers(
                        QueueQuery("all", "ReOpen"), limit=BULK_TICKETS - len(numbers)
                    )
                )[0]
                if len(numbers) < BULK_TICKETS
                else []
            )
            bulk = Bulk(service)
            request = BulkRequest(Action.CLOSE, resolution="Closed in bulk: duplicate reports")
            started = time.perf_counter()
            preview = await bulk.preview(request, numbers)
            previewed = time.perf_counter()
            report = await bulk.apply(request, [n for n, _ in preview.changes])
            summary = report.summary()
            done = time.perf_counter()
        finally:
            await db.dispose()
    took = done - started
    return [
        Figure(
            "bulk.close",
            f"Bulk close of {len(numbers):,} tagged tickets with its report",
            round(took, 2),
            "s",
            f"< {BULK_BUDGET_S:.0f} s",
            took < BULK_BUDGET_S,
            {
                "preview_s": round(previewed - started, 2),
                "apply_s": round(done - previewed, 2),
                "per_ticket_ms": ms((done - previewed) / max(1, len(report.outcomes))),
                "report": summary,
            },
        )
    ]
