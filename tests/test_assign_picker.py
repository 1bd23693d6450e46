"""The assign picker: the department's agents first by open load, with load by stage,
availability and a suggested assignee (available, least loaded, works the department)."""

from __future__ import annotations

from textual.widgets import Select

from console.data.desk import DeskRecords
from console.data.figures import assign_candidates
from console.screens.form import FormScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, settle, start


async def _loads(desk: Desk) -> int:
    """alice holds two Low tickets, bob one High; lena is away."""
    for _ in range(2):
        await desk.service("alice").pick_up(await desk.ticket(priority="Low"))
    await desk.service("bob").pick_up(await desk.ticket(priority="High"))
    await DeskRecords(desk.db, desk.actors["lena"]).set_availability("away")
    return await desk.ticket(priority="Medium", subject="To assign")


async def test_candidates_come_by_department_and_load_with_a_suggestion(desk: Desk) -> None:
    number = await _loads(desk)
    candidates = await assign_candidates(desk.db, desk.actors["lena"], number)
    assert [(c.username, c.open, c.near, c.availability) for c in candidates] == [
        ("lena", 0, True, "away"),
        ("bob", 1, True, "available"),
        ("alice", 2, True, "available"),
        ("carl", 0, False, "available"),
        ("nina", 0, False, "available"),
        ("root", 0, False, "available"),
    ]
    assert [c.username for c in candidates if c.suggested] == ["bob"]  # lena is away
    assert candidates[2].open_by_stage == {"New": 2, "Scheduled": 0, "InProgress": 0, "ReOpen": 0}
    # A High ticket goes to whoever holds the fewest urgent ones: alice has none.
    urgent = await desk.ticket(priority="High", subject="Urgent")
    high = await assign_candidates(desk.db, desk.actors["lena"], urgent)
    assert [c.username for c in high if c.suggested] == ["alice"]


async def test_the_assign_form_chooses_the_suggested_agent(desk: Desk) -> None:
    number = await _loads(desk)
    app = console_as(desk, "lena")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        picker = app.screen.query_one(Select)
        assert picker.value == "bob"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (await desk.service("lena").queries.ticket(number)).owner == "bob"
