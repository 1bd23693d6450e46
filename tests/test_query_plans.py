"""Every queue query's plan on SQLite: no scan of the tickets table, no temporary B-tree
sort, for an agent, a lead and an admin (deterministic: plans, not timings).

The queries are those the console sends (``Queries`` windows for each view x stage x
sort, their next and previous pages, the stage counts of each view, the view counts and a
ticket's detail), on a demo database of 2,000 tickets as ``agent-console demo`` builds it
(no ANALYZE statistics; without them SQLite's plans do not depend on the table's size, so
they are the plans of a million tickets too).  See ``benchmarks/plans.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.plans import Case, collect, window_key
from console.data.db import make_engine
from console.data.queries import SORTS, VIEWS
from console.data.schema import ensure_schema
from console.data.workflow import STAGES
from console.demo import build_demo
from tests.conftest import NOW

ROLES = ("agent", "lead", "admin")

#: Known wrong plans, to be fixed in console/data/queries.py; each is reported by
#: ``python -m benchmarks`` with its statement and plan.  With the stage "All" there is
#: no status to lead an index with, so a narrow view (owner, creator, account
#: coordinator) walks its own index and sorts every match in a temporary B-tree.
#: Still sorted in a temporary B-tree at stage All: "my" (by coordinated account) by due
#: time, and "unassigned" / "assigned" / "created" sorted by due time or priority; their
#: indexes (account/owner/creator, then status or updated_at) give queue order only by
#: update time.  "team" walks the sort index, and so does "my" otherwise for a coordinator
#: of many tickets (``Queries.mine_plan``: the plans here are those, as at a million);
#: "assigned" and "created" newest first use ix_tickets_owner_updated /
#: ix_tickets_creator_updated (migration 0005).
NARROW_VIEWS = ("my", "unassigned", "assigned", "created")
SORTED_IN_ORDER = {
    ("my", "updated"),
    ("my", "priority"),
    ("unassigned", "updated"),
    ("assigned", "updated"),
    ("created", "updated"),
}
TEMP_SORT_WINDOW = (
    "USE TEMP B-TREE FOR ORDER BY: with stage All the narrow view's index "
    "(owner/creator/account, then status or updated_at) gives no queue order for this sort"
)
#: Stage counts of the "my" view (by coordinated account) group in a temporary B-tree
#: (its index starts with the account, not the status).
TEMP_SORT_COUNTS = {
    ("agent", "my"),
    ("lead", "my"),
    ("admin", "my"),
}
#: Views that start from a small set of their own, not from the queue: "approvals" reads
#: the approvals pending on me through ix_approval_approvers_agent, then those tickets by
#: primary key, and sorts only them (as many as approvals wait on me, never the queue).
#: Their only allowed problem is that sort; walking a sort index instead would read the
#: whole scope to find a handful of tickets.
FROM_OWN_SET = {"approvals": "ix_approval_approvers_agent"}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Case]:
    """Every case's plans, collected once on one demo database."""
    path = Path(tmp_path_factory.mktemp("plans")) / "demo.db"

    async def run() -> list[Case]:
        db = make_engine(path)
        try:
            await ensure_schema(db)
            await build_demo(db, tickets=2000, now=NOW)
            return await collect(db)
        finally:
            await db.dispose()

    return {(case.role, case.query): case for case in asyncio.run(run())}


def window_sorts_in_temp_tree(view: str, stage: str, sort: str) -> bool:
    """The windows still known to sort in a temporary B-tree (see NARROW_VIEWS)."""
    return stage == "All" and view in NARROW_VIEWS and (view, sort) not in SORTED_IN_ORDER


def _expected_failure(role: str, view: str, stage: str, sort: str) -> list[pytest.MarkDecorator]:
    if window_sorts_in_temp_tree(view, stage, sort):
        return [pytest.mark.xfail(strict=True, reason=TEMP_SORT_WINDOW)]
    return []


def _check(cases: dict[tuple[str, str], Case], role: str, query: str, view: str = "") -> None:
    case = cases[(role, query)]
    assert case.plans, f"{role} {query}: no statement was sent"
    if view in FROM_OWN_SET and case.problems:
        for plan in case.plans:
            assert any(FROM_OWN_SET[view] in line for line in plan.lines), plan.lines
            assert any("tickets USING INTEGER PRIMARY KEY" in line for line in plan.lines)
            assert all("USE TEMP B-TREE" in line for line in plan.problems), plan.problems
        return
    assert not case.problems, "\n".join(case.problems)


@pytest.mark.parametrize(
    ("role", "view", "stage", "sort"),
    [
        pytest.param(role, view, stage, sort, marks=_expected_failure(role, view, stage, sort))
        for role in ROLES
        for view in VIEWS
        for stage in STAGES
        for sort in SORTS
    ],
)
def test_window_plans(
    cases: dict[tuple[str, str], Case], role: str, view: str, stage: str, sort: str
) -> None:
    _check(cases, role, window_key(view, stage, sort), view)


@pytest.mark.parametrize(
    ("role", "view"),
    [
        pytest.param(
            role,
            view,
            marks=[pytest.mark.xfail(strict=True, reason="USE TEMP B-TREE FOR GROUP BY")]
            if (role, view) in TEMP_SORT_COUNTS
            else [],
        )
        for role in ROLES
        for view in VIEWS
    ],
)
def test_stage_count_plans(cases: dict[tuple[str, str], Case], role: str, view: str) -> None:
    _check(cases, role, f"counts {view}", view)


@pytest.mark.parametrize("role", ROLES)
def test_view_count_plans(cases: dict[tuple[str, str], Case], role: str) -> None:
    _check(cases, role, "view counts")


@pytest.mark.parametrize("role", ROLES)
def test_detail_plans_never_scan_tickets(cases: dict[tuple[str, str], Case], role: str) -> None:
    _check(cases, role, "detail")


def test_every_query_was_explained(cases: dict[tuple[str, str], Case]) -> None:
    windows = [c for c in cases.values() if c.query.startswith("window ")]
    assert len(windows) == len(ROLES) * len(VIEWS) * len(STAGES) * len(SORTS)
    # First, next and previous page of each window: one statement each.
    assert all(len(c.plans) == 3 for c in windows)
    assert all(plan.lines for c in cases.values() for plan in c.plans)
