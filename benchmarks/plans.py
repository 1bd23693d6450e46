"""Figure 5: SQLite's query plan of every queue query the console sends.

Every window (each view x stage x sort, for its first page, the next page after a row and
the page before a row), the stage counts of every view, the view counts and one ticket's
detail are run through ``Queries`` as the console runs them, for an agent, a lead and an
admin.  A hook on the engine asks SQLite for the plan of each statement exactly as sent
(``EXPLAIN QUERY PLAN`` with the same bound parameters).  A plan is wrong when it scans
the tickets table without an index or sorts through a temporary B-tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select

from console.data.db import Database
from console.data.directory import resolve_actor
from console.data.models import Agent, Ticket
from console.data.queries import SORTS, VIEWS, Queries, QueueQuery, mine_when_many, plans_mine
from console.data.workflow import STAGES, Actor

#: Names the tickets table goes by in the queries (itself and its aliases).
_TICKETS = re.compile(r"^SCAN (tickets|merged|tickets_\d+)\b")
_TEMP_SORT = re.compile(r"USE TEMP B-TREE FOR (.*ORDER BY|GROUP BY)")

#: A keyset bound for each sort: (updated_at, id), (due_at, id), (priority, due_at, id).
_MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AFTER: dict[str, tuple[Any, ...]] = {
    "updated": (_MOMENT, 500),
    "due": (_MOMENT, 500),
    "priority": (2, _MOMENT, 500),
}
PAGES = ("first", "next", "previous")


def _scans(line: str) -> bool:
    """A plan line that reads the whole tickets table (no index)."""
    return bool(_TICKETS.match(line)) and "USING INDEX" not in line and "COVERING INDEX" not in line


def _sorts(line: str) -> bool:
    """A plan line that sorts rows in a temporary B-tree."""
    return bool(_TEMP_SORT.search(line))


@dataclass
class Plan:
    """One statement and SQLite's plan for it."""

    sql: str
    parameters: Any
    lines: list[str]
    #: Which variant of the query it was (stage and page of a window).
    label: str = ""
    #: Whether a temporary B-tree sort counts as wrong (it does for queue queries, whose
    #: rows grow with the queue; not for one ticket's few rows of a detail tab).
    sorts_matter: bool = True

    @property
    def problems(self) -> list[str]:
        """The plan's lines that scan the tickets table or sort in a temporary B-tree."""
        return [line for line in self.lines if _scans(line) or (self.sorts_matter and _sorts(line))]


@dataclass
class Case:
    """One query of the console for one role: every statement it sent, with plans."""

    role: str
    query: str
    plans: list[Plan] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Every wrong plan line, with its statement."""
        return [
            f"{p.label + ': ' if p.label else ''}{line}  <=  {' '.join(p.sql.split())}  "
            f"{p.parameters}"
            for p in self.plans
            for line in p.problems
        ]

    @property
    def failing(self) -> list[str]:
        """Short names of the variants with a wrong plan, and what is wrong."""
        return sorted(
            {f"{p.label or self.query}: {line}" for p in self.plans for line in p.problems}
        )


class PlanRecorder:
    """Records the plan of every statement an engine sends while ``recording``."""

    def __init__(self, db: Database) -> None:
        self.plans: list[Plan] = []
        self._on = False
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._explain)

    def _explain(
        self,
        conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if not self._on or not statement.lstrip().upper().startswith("SELECT"):
            return
        explain = conn.connection.cursor()
        try:
            explain.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [str(row[3]) for row in explain.fetchall()]
        finally:
            explain.close()
        self.plans.append(Plan(statement, parameters, lines))

    @contextmanager
    def recording(self) -> Iterator[list[Plan]]:
        """The plans of the statements sent inside the block."""
        start = len(self.plans)
        taken: list[Plan] = []
        self._on = True
        try:
            yield taken
        finally:
            self._on = False
            taken.extend(self.plans[start:])


async def role_actors(db: Database) -> dict[str, Actor]:
    """An agent, a lead and an admin of a demo database: the demo's default lead, an
    agent of that lead's team, and the admin."""
    async with db.read() as session:
        rows = (await session.execute(select(Agent.username, Agent.role, Agent.team_id))).all()
    from benchmarks.databases import default_agent

    lead = await default_agent(db)
    team = next(t for name, _role, t in rows if name == lead)
    agent = next(name for name, role, t in sorted(rows) if role == "agent" and t == team)
    admin = next(name for name, role, _t in sorted(rows) if role == "admin")
    actors = {}
    for kind, name in (("agent", agent), ("lead", lead), ("admin", admin)):
        actors[kind] = await resolve_actor(db, name, login="benchmark-nobody")
    return actors


def window_key(view: str, stage: str, sort: str) -> str:
    """The name of a window case."""
    return f"window {view} / {stage} / {sort}"


async def collect(db: Database) -> list[Case]:
    """Every queue query of every role, with the plans of the statements it sent."""
    recorder = PlanRecorder(db)
    cases: list[Case] = []
    async with db.read() as session:
        number = (await session.execute(select(Ticket.number).limit(1))).scalar_one()
    for role, actor in (await role_actors(db)).items():
        queries = Queries(db, actor)
        scope = await queries.scope()
        for view in VIEWS:
            for sort in SORTS:
                for stage in STAGES:
                    case = Case(role, window_key(view, stage, sort))
                    query = QueueQuery(view, stage, sort)
                    for page in PAGES:
                        after = None if page == "first" else AFTER[sort]
                        # "My Tickets" as for a coordinator of many of a million tickets
                        # (the sort index walked); a few of mine are fetched and sorted.
                        stmt = queries._window_stmt(
                            scope,
                            query,
                            after,
                            page == "previous",
                            120,
                            mine_plan=mine_when_many(query) if plans_mine(query) else None,
                        )
                        with recorder.recording() as plans:
                            async with db.read() as session:
                                await session.execute(stmt)
                        for plan in plans:
                            plan.label = f"{page} page"
                        case.plans += plans
                    cases.append(case)
            case = Case(role, f"counts {view}")
            with recorder.recording() as plans:
                await queries.counts(QueueQuery(view))
            case.plans += plans
            cases.append(case)
        for name, run in (("view counts", queries.view_counts), ("detail", None)):
            case = Case(role, name)
            with recorder.recording() as plans:
                if run is not None:
                    await run()
                else:
                    await queries.detail(number)
            for plan in plans:
                plan.sorts_matter = run is not None
            case.plans += plans
            cases.append(case)
    return cases
