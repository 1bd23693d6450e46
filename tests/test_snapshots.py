"""Snapshots of the main screens at 80x24 and 160x48, on the demo data with a fixed clock
and seed.  `pytest --snapshot-update` records new ones after a deliberate change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.app import AgentConsole
from console.config import Settings
from console.data.db import make_engine
from console.data.schema import ensure_schema
from console.demo import build_demo
from console.screens.form import FormScreen
from tests.conftest import NOW, FixedClock
from tests.test_console import settle, until

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snapshots") / "demo.db"

    async def build() -> None:
        db = make_engine(path)
        await ensure_schema(db)
        await build_demo(db, tickets=400, seed=7, now=NOW)
        await db.dispose()

    asyncio.run(build())
    return path


def console(demo_db: Path) -> AgentConsole:
    return AgentConsole(Settings(), str(demo_db), "maya", clock=FixedClock(), watch=False)


@pytest.fixture(autouse=True)
def login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue_screen(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=ready)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket_detail(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    async def open_ticket(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("j", "j", "enter")
        await settle(pilot, 0.3)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=open_ticket)  # type: ignore[operator]


def test_schedule_form(snap_compare: object, demo_db: Path) -> None:
    async def form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("1")  # stage New: its rows come from a worker
        await settle(pilot, 0.1)
        await pilot.press("j", "s")  # a New ticket with an owner
        await until(pilot, lambda: isinstance(pilot.app.screen, FormScreen), "the form opened")
        await settle(pilot, 0.3)

    assert snap_compare(console(demo_db), terminal_size=(80, 24), run_before=form)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    async def dashboard(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("g", "d")
        await settle(pilot, 0.3)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=dashboard)  # type: ignore[operator]
