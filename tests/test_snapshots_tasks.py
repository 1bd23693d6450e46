"""Snapshots of My tasks and of the form that changes an activity, at 80x24 and 160x48, on
a copy of the demo data with a fixed clock and seed, where maya (a lead) has planned four
activities: one overdue, two upcoming (one with a reminder, one with a hostile title) and
one with no due time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.queries import QueueQuery
from console.data.tickets import TicketService
from console.screens.form import FormScreen
from console.screens.tasks import MyTasksScreen
from tests.conftest import NOW, FixedClock
from tests.test_snapshots import SIZES, console, demo_db, login
from tests.test_snapshots_dialogs import SIZE_IDS, still

__all__ = ["demo_db", "login"]


@pytest.fixture(scope="module")
def tasks_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, with maya's own activities added at the tests' fixed time."""
    copy = tmp_path_factory.mktemp("tasks") / "demo.db"
    copy.write_bytes(demo_db.read_bytes())

    async def plan() -> None:
        db = make_engine(copy)
        try:
            maya = await resolve_actor(db, "maya", login="root")
            early = FixedClock(NOW - timedelta(days=2))
            service = TicketService(db, maya, clock=early)
            rows = await service.queries.window(QueueQuery("all", "InProgress"), limit=4)
            numbers = [r.number for r in rows]
            await service.add_activity(
                numbers[0], "Call back about the refund", kind="call", due=NOW - timedelta(hours=3)
            )
            await service.add_activity(
                numbers[1],
                "Check the backup ran [bold]tonight[/]",
                due=NOW + timedelta(hours=6),
                reminder=NOW + timedelta(hours=5),
            )
            await service.add_activity(
                numbers[2], "Site visit", kind="event", due=NOW + timedelta(days=2)
            )
            await service.add_activity(numbers[3], "Write up the workaround")
        finally:
            await db.dispose()

    asyncio.run(plan())
    return copy


async def my_tasks(pilot: Pilot[None]) -> None:
    await still(pilot)
    await pilot.press("g", "T")
    await still(pilot)
    assert isinstance(pilot.app.screen, MyTasksScreen)
    assert len(pilot.app.screen.tasks) == 4


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_my_tasks(snap_compare: object, tasks_db: Path, size: tuple[int, int]) -> None:
    assert snap_compare(console(tasks_db), terminal_size=size, run_before=my_tasks)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_activity_edit_form(snap_compare: object, tasks_db: Path, size: tuple[int, int]) -> None:
    async def edit(pilot: Pilot[None]) -> None:
        await my_tasks(pilot)
        await pilot.press("j", "e")
        await still(pilot)
        assert isinstance(pilot.app.screen, FormScreen)

    assert snap_compare(console(tasks_db), terminal_size=size, run_before=edit)  # type: ignore[operator]
