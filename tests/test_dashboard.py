"""The dashboard (g d): its figures agree with the tickets the database holds, its keys
change the period and the narrowing, and enter opens a figure's tickets as a queue."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable

from console.data.models import Ticket
from console.screens.dashboard import DashboardScreen, duration
from console.screens.main import MainScreen
from console.widgets.ticket_queue import TicketQueue
from tests.conftest import Desk
from tests.test_console import console_as, notices, settle, start


def _cells(app: object, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}", DataTable)  # type: ignore[attr-defined]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _title(app: object) -> str:
    return str(app.screen.query_one("#dash-title").render())  # type: ignore[attr-defined]


async def _week(desk: Desk) -> None:
    for day in range(3):
        for i in range(day + 1):
            await desk.ticket("alice", subject=f"Day {day} ticket {i}")
        desk.clock.advance(days=1)
    await desk.ticket("carl", department="Network", account="Oldco", subject="Network one")
    first = 1001
    await desk.service("alice").pick_up(first)
    await desk.service("alice").close(first)


async def test_the_dashboard_shows_the_teams_figures_and_opens_them(desk: Desk) -> None:
    await _week(desk)
    app = console_as(desk, "lena")
    async with app.run_test(size=(120, 60)) as pilot:
        await start(app, pilot)
        await pilot.press("g", "d")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "team Billing" in _title(app)
        async with desk.db.read() as session:
            tickets = list((await session.execute(select(Ticket))).scalars())
        # lena's team owns one ticket (alice's closed one): the team narrows to owners.
        team_ids = {t.owner_id for t in tickets if t.owner_id}
        assert len(team_ids) == 1
        # Everything lena sees: the Billing tickets, created per day as the database says.
        await pilot.press("t")  # team Billing -> team Network -> departments ...
        await settle(pilot)
        while "everything you see" not in _title(app):
            await pilot.press("t")
            await settle(pilot)
        days = _cells(app, "dash-days")
        billing = Counter(
            t.created_at.date().isoformat() for t in tickets if t.subject.startswith("Day")
        )
        assert [(row[0], int(row[1])) for row in days[:-1]] == [
            (row[0], billing.get(row[0], 0)) for row in days[:-1]
        ]
        assert days[-1][:2] == ["Total", "6"]
        backlog = {row[0]: row for row in _cells(app, "dash-backlog")}
        assert backlog["New"][-1] == "5"  # six Billing tickets, one closed
        # enter on the busiest day opens its tickets as a queue.
        busiest = max(range(len(days) - 1), key=lambda i: int(days[i][1]))
        table = app.screen.query_one("#dash-days", DataTable)
        table.focus()
        table.move_cursor(row=busiest)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        queue = app.screen.query_one(TicketQueue)
        assert queue.window.total == int(days[busiest][1]) == 3
        assert app.screen.search_text == f"created:{days[busiest][0]}"
        assert any("The queue shows created" in n for n in notices(app))


async def test_the_period_keys_move_and_lengthen_it(desk: Desk) -> None:
    await _week(desk)
    app = console_as(desk, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("g", "d")
        await settle(pilot)
        today = desk.clock.now.date()
        assert f"{today - timedelta(days=6)} to {today} (7 days" in _title(app)
        assert "everything you see" in _title(app)  # an admin starts on everything
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert f"to {today - timedelta(days=7)} (7 days" in _title(app)
        assert _cells(app, "dash-days")[-1][:2] == ["Total", "0"]
        await pilot.press("right_square_bracket", "r")
        await settle(pilot)
        assert f"{today - timedelta(days=29)} to {today} (30 days" in _title(app)
        assert len(_cells(app, "dash-days")) == 31
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


def test_durations_read_as_people_say_them() -> None:
    assert [duration(s) for s in (None, 59, 600, 3600 * 3 + 60 * 20, 86400 * 3 + 3600)] == [
        "-",
        "0m",
        "10m",
        "3h 20m",
        "3d 1h",
    ]
