"""Snapshots of My tasks and of the form that changes an activity, at 80x24 and 160x48, on
the demo data with a fixed clock and seed (maya, a lead: everyone's open activities, since
the demo plans few for her)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.screens.form import FormScreen
from console.screens.tasks import MyTasksScreen
from tests.test_snapshots import SIZES, console, demo_db, login
from tests.test_snapshots_dialogs import SIZE_IDS, still

__all__ = ["demo_db", "login"]


async def everyones_tasks(pilot: Pilot[None]) -> None:
    await still(pilot)
    await pilot.press("g", "T")
    await still(pilot)
    assert isinstance(pilot.app.screen, MyTasksScreen)
    await pilot.press("o")
    await still(pilot)
    assert pilot.app.screen.tasks  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_my_tasks(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    assert snap_compare(console(demo_db), terminal_size=size, run_before=everyones_tasks)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_activity_edit_form(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    async def edit(pilot: Pilot[None]) -> None:
        await everyones_tasks(pilot)
        await pilot.press("e")
        await still(pilot)
        assert isinstance(pilot.app.screen, FormScreen)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=edit)  # type: ignore[operator]
