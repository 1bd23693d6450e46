"""Snapshots of the desk's records (g r) and each of its forms at 80x24 and 160x48, on
the demo data with a fixed clock and seed, as the demo's admin.  `pytest
--snapshot-update` records new ones after a deliberate change."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from console.app import AgentConsole
from console.config import Settings
from console.screens.form import FormScreen
from console.screens.records import RecordsScreen
from tests.conftest import FixedClock
from tests.test_console import until
from tests.test_snapshots import SIZES, demo_db, login
from tests.test_snapshots_dialogs import still

__all__ = ["demo_db", "login"]

SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]

#: What is shown: the keys pressed on the records screen (a section, then a form's key).
SHOWN: dict[str, tuple[str, ...]] = {
    "agents": (),
    "agent_form": ("down", "down", "e"),
    "account_form": ("2", "enter"),
    "contact_form": ("3", "e"),
    "department_form": ("4", "e"),
    "department_remove": ("4", "down", "x"),
}


def measured(table: DataTable[str | Text]) -> bool:
    """Every column as wide as its widest cell: the table measures new rows when idle,
    and a snapshot taken before that would show the columns as wide as their titles."""
    for key, column in table.columns.items():
        cells = table.get_column(key)
        widest = max((c.cell_len if isinstance(c, Text) else len(str(c)) for c in cells), default=0)
        if column.content_width < widest:
            return False
    return True


def admin_console(demo_db: Path) -> AgentConsole:
    return AgentConsole(Settings(), str(demo_db), "admin", clock=FixedClock(), watch=False)


@pytest.mark.parametrize("shown", list(SHOWN))
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_records(snap_compare: object, demo_db: Path, size: tuple[int, int], shown: str) -> None:
    async def records(pilot: Pilot[None]) -> None:
        app = pilot.app
        await until(pilot, lambda: app.screen.__class__.__name__ == "MainScreen", "the queue")
        await pilot.press("g", "r")
        await until(pilot, lambda: isinstance(app.screen, RecordsScreen), "the records")
        screen = app.screen
        await until(pilot, lambda: len(screen.shown) > 0, "the agents listed")  # type: ignore[attr-defined]
        table = screen.query_one(DataTable)
        await until(pilot, lambda: measured(table), "the table's columns measured")
        keys = SHOWN[shown]
        if keys:
            await pilot.press(*keys)
            if shown != "agents":
                await until(pilot, lambda: isinstance(app.screen, FormScreen), "the form")
        await still(pilot)

    assert snap_compare(admin_console(demo_db), terminal_size=size, run_before=records)  # type: ignore[operator]
