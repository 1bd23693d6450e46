"""Every statement of the dashboard and the reports on SQLite: no scan of the tickets
table (nor of a whole index of it), and no gathering of the whole scope from four indexes
(``MULTI-INDEX OR``) to filter it by time, for a lead, an agent and an admin (plans, not
timings; see benchmarks/lead.py for the times at 10k, 100k and 1M tickets)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.lead import measures, plans
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.figures import Figures, Period
from console.data.schema import ensure_schema
from console.demo import build_demo
from tests.conftest import NOW


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("lead-plans")) / "demo.db"

    async def build() -> None:
        db = make_engine(path)
        await ensure_schema(db)
        await build_demo(db, tickets=2000, seed=7, now=NOW)
        await db.dispose()

    asyncio.run(build())
    return path


@pytest.mark.parametrize("who", ["maya", "jonas", "admin"])
async def test_no_figure_scans_the_tickets(demo: Path, who: str) -> None:
    db = make_engine(demo)
    try:
        actor = await resolve_actor(db, who, login=who)
        figures = Figures(db, actor, clock=lambda: NOW)
        period = Period.last_days(NOW.date(), 7)
        scans = []
        checked = 0
        for name, run in measures(figures, period).items():
            for statement, plan in await plans(db, run):
                checked += 1
                scans += [
                    (name, line, statement)
                    for line in plan
                    if "SCAN tickets" in line
                    # the scope gathered from four indexes, every ticket of it read
                    or ("MULTI-INDEX OR" in line and "tickets " in statement)
                ]
        assert checked > 20
        assert scans == []
    finally:
        await db.dispose()
