"""One key undoes the last thing I did: ``U`` (or ``ctrl+z``) puts back a single ticket's
pick up, assign, release or stage change, as it does a bulk action, only while the ticket
is at the very version my action left (no one has touched it since)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from console.screens.form import ConfirmScreen
from console.screens.ticket import TicketScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, queue_desk, settle, start
from tests.test_console_keys import dialog_text

both_backends = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)


async def pick_up(pilot: Pilot[None], number: int) -> None:
    """On the queue, the cursor to ``number`` and ``p``."""
    await start(pilot.app, pilot)  # type: ignore[arg-type]
    await goto(pilot, number)
    await pilot.press("p")
    await settle(pilot)


@both_backends
async def test_undo_puts_back_a_pick_up_made_on_the_queue(desk: Desk) -> None:
    unassigned = (await queue_desk(desk))[1]
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await pick_up(pilot, unassigned)
        detail = await desk.service("alice").queries.detail(unassigned)
        assert detail.ticket.owner == "alice"
        await pilot.press("U")
        await settle(pilot, waiting=("bulk",))
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Undo the pick up of #{unassigned}" in dialog_text(app)
        await pilot.press("y")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(unassigned)
        assert detail.ticket.owner is None and detail.ticket.status == "New"
        assert detail.history[0].action == "undo"
        assert f"Undid the pick up of #{unassigned}." in notices(app)
        # Done once: nothing of mine is left to undo.
        await pilot.press("U")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "There is nothing of yours to undo." in notices(app)


@both_backends
async def test_undo_leaves_a_ticket_someone_touched_since(desk: Desk) -> None:
    """alice picks a ticket up; lena (a lead) then assigns it to bob: alice's undo is
    refused, says who changed it, and bob keeps it."""
    unassigned = (await queue_desk(desk))[2]
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await pick_up(pilot, unassigned)
        await desk.service("lena").assign(unassigned, to="bob")
        await pilot.press("U")
        await settle(pilot, waiting=("bulk",))
        await pilot.press("y")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(unassigned)
        assert detail.ticket.owner == "bob"
        assert all(e.action != "undo" for e in detail.history)
        said = notices(app)[-1]
        assert f"#{unassigned} was changed by lena" in said and "left as it is" in said


@both_backends
async def test_ctrl_z_on_the_ticket_puts_back_a_stage_change(desk: Desk) -> None:
    """On the full-screen ticket: start a Scheduled ticket, ctrl+z: Scheduled again, for
    the time it was scheduled for."""
    numbers = await queue_desk(desk)
    scheduled = numbers[3]
    before = (await desk.service("alice").queries.detail(scheduled)).ticket
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, scheduled)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("S")
        await settle(pilot)
        started = (await desk.service("alice").queries.detail(scheduled)).ticket
        assert started.status == "InProgress"
        await pilot.press("ctrl+z")
        await settle(pilot, waiting=("bulk",))
        assert f"Undo the start of #{scheduled}" in dialog_text(app)
        await pilot.press("y")
        await settle(pilot)
        after = (await desk.service("alice").queries.detail(scheduled)).ticket
        assert after.status == "Scheduled" and after.planned_for == before.planned_for
        # The ticket screen shows it as it is now.
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.version == after.version
