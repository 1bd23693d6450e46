"""The plans of what this part adds to the queries, on SQLite and PostgreSQL: the filter
terms ``mentions:me``, ``approval:me``, ``approval:pending`` and ``has:reminder`` reach
the mentions, approvals and activities of a ticket through an index (never a scan of
those tables), and My tasks reads an agent's open activities through
``ix_activities_owner``.  On PostgreSQL sequential scans are turned off for the check:
what is left as a ``Seq Scan`` has no index that could answer it (a tiny test table
would otherwise always be scanned, whatever the indexes).  Plans, not timings."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from console.data.db import Database
from console.data.queries import QueueQuery
from console.data.tasks import open_tasks
from tests.conftest import NOW, Desk

TERMS = ("mentions:me", "approval:me", "approval:pending", "has:reminder", "-has:reminder")
#: The tables the terms read, by the ticket they belong to.
SIDE_TABLES = ("activities", "messages", "message_mentions", "approvals", "approval_approvers")


async def plans_of(db: Database, run: Callable[[], Awaitable[Any]]) -> list[list[str]]:
    """The plan of every SELECT that ``run`` sends, as its database explains it."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await run()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    found = []
    async with db.read() as session:
        raw = await (await session.connection()).get_raw_connection()
        driver: Any = raw.driver_connection
        for statement, parameters in sent:
            if db.is_sqlite:
                cursor = await driver.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                found.append([str(row[3]) for row in await cursor.fetchall()])
            else:
                await driver.execute("SET enable_seqscan = off")
                rows = await driver.fetch("EXPLAIN " + statement, *parameters)
                found.append([row[0] for row in rows])
    return found


def scans(plan: list[str], sqlite: bool) -> list[str]:
    """The lines of a plan that read one of the side tables without an index."""
    if sqlite:
        pattern = re.compile(rf"^SCAN ({'|'.join(SIDE_TABLES)})\b")
        return [line for line in plan if pattern.match(line.strip()) and "INDEX" not in line]
    pattern = re.compile(rf"Seq Scan on ({'|'.join(SIDE_TABLES)})\b")
    return [line for line in plan if pattern.search(line)]


async def planned_desk(desk: Desk) -> list[int]:
    numbers = [await desk.ticket("alice", subject=f"Plan {i}") for i in range(4)]
    alice = desk.service("alice")
    await alice.comment(numbers[0], "@bob have a look")
    await alice.request_approval(numbers[1], ["lena"], "Credit")
    await alice.add_activity(numbers[2], "Call", reminder=NOW + timedelta(hours=1))
    return numbers


@pytest.mark.parametrize("who", ["alice", "lena", "root"])
async def test_filter_terms_use_indexes(desk: Desk, who: str) -> None:
    await planned_desk(desk)
    queries = desk.service(who).queries
    checked = 0
    for term in TERMS:
        for sort in ("updated", "priority"):
            for stage in ("All", "New"):
                query = QueueQuery("all", stage, sort, filters=(term,), now=NOW)

                async def run(q: QueueQuery = query) -> None:
                    await queries.window(q, limit=50)
                    await queries.counts(q)

                for plan in await plans_of(desk.db, run):
                    checked += 1
                    assert scans(plan, desk.db.is_sqlite) == [], (term, plan)
    assert checked >= len(TERMS) * 4 * 2


async def test_my_tasks_read_the_owner_index(desk: Desk) -> None:
    await planned_desk(desk)
    queries = desk.service("alice").queries

    async def run() -> None:
        assert len(await open_tasks(queries)) == 1

    plans = [p for p in await plans_of(desk.db, run) if any("activities" in x for x in p)]
    assert plans, "My tasks sent no statement on activities"
    for plan in plans:
        assert any("ix_activities_owner" in line for line in plan), plan
        assert scans(plan, desk.db.is_sqlite) == [], plan
