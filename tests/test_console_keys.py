"""No keystroke loses work or acts by accident: what the screen shows after keys (the
question of every dialog, chords, quitting with typed text, the palette, pastes,
checkboxes that read without colour) and what the database then holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual import events
from textual.app import App

from console.commands import TicketCommands
from console.screens.bulk import BulkPreviewScreen, BulkReportScreen
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.jump import JumpScreen
from console.screens.main import MainScreen
from console.screens.ticket import TicketScreen
from console.widgets.ticket_queue import TicketQueue
from tests.conftest import Desk
from tests.test_console import console_as, goto, queue_desk, settle, sqlite_only, start
from tests.test_console_bulk import reach


def screen_text(app: App[None]) -> str:
    """Every line of the terminal as the person sees it (what is drawn, not the DOM)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def dialog_text(app: App[None]) -> str:
    """The words of the dialog on top, as drawn inside its frame, lines joined."""
    region = app.screen.query_one(".dialog").content_region
    strips = app.screen._compositor.render_strips()
    lines = [
        strips[y].crop(region.x, region.right).text.strip() for y in range(region.y, region.bottom)
    ]
    return " ".join(line for line in lines if line)


@sqlite_only
async def test_the_discard_question_shows_its_words(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("r")
        await reach(pilot, FormScreen)
        await pilot.press(*"Half a reply", "escape")
        await reach(pilot, ConfirmScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Discard what you typed?" in text
        assert "y yes · n no" in text
        await pilot.press("n")
        await reach(pilot, FormScreen)
        await pilot.pause()
        assert "Half a reply" in screen_text(app)


@sqlite_only
async def test_the_bulk_undo_question_shows_its_words(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("1")  # the New stage
        await settle(pilot)
        await pilot.press("asterisk")
        await settle(pilot)
        await pilot.press("semicolon", "p")
        await reach(pilot, BulkPreviewScreen)
        await pilot.press("y")
        await reach(pilot, BulkReportScreen)
        await pilot.press("escape")
        await reach(pilot, MainScreen)
        await pilot.press("U")
        await reach(pilot, ConfirmScreen)
        await pilot.pause()
        text = dialog_text(app)
        assert "Undo pick up on 2 tickets (those no one has touched since)?" in text
        assert "y yes · n no" in text
        await pilot.press("n")


@sqlite_only
async def test_a_checkbox_reads_on_and_off_without_colour(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("T")
        await reach(pilot, FormScreen)
        await pilot.pause()
        assert "[ ] Billable" in screen_text(app)
        await pilot.press(*"40", "tab", "space")
        await pilot.pause()
        assert "[x] Billable" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert "[ ] Billable" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = await desk.service("alice").queries.detail(numbers[0])
    assert detail.total_minutes == 40 and detail.billable_minutes == 0


@sqlite_only
async def test_ctrl_q_in_a_form_asks_before_the_typed_reply_is_lost(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("r")
        await reach(pilot, FormScreen)
        await pilot.press(*"Half a reply", "ctrl+q")
        await reach(pilot, ConfirmScreen)
        await pilot.pause()
        question = f"Quit? What you typed in “Reply on #{numbers[0]}” would be lost."
        assert question in dialog_text(app)
        await pilot.press("ctrl+q")  # asked already: the question stays, once
        await pilot.pause()
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        await pilot.press("n")
        await reach(pilot, FormScreen)
        await pilot.pause()
        assert "Half a reply" in screen_text(app)
        assert app.return_code is None  # still running
        await pilot.press("ctrl+q")
        await reach(pilot, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0


@sqlite_only
async def test_ctrl_q_quits_at_once_when_nothing_is_typed(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("r")
        await reach(pilot, FormScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
        assert app.return_code == 0


@sqlite_only
async def test_a_chord_waits_for_its_second_key_and_esc_cancels_it(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await start(app, pilot)
        await goto(pilot, numbers[0])  # alice's own, New: u here would release it
        await pilot.press("g")
        await reach(pilot, JumpScreen)
        await pilot.pause()
        assert screen_text(app).splitlines()[-1].startswith(" g: g top · u unassigned")
        await pilot.pause(2.0)  # a pause longer than the old 1.5 s limit
        await pilot.press("u")
        await settle(pilot)
        assert queue.view == "unassigned"
        await pilot.press("g")
        await reach(pilot, JumpScreen)
        await pilot.press("escape")
        await reach(pilot, MainScreen)
        await pilot.press("m")  # not a jump any more: m is the comment form
        await reach(pilot, FormScreen)
    assert (await desk.service("alice").queries.ticket(numbers[0])).owner == "alice"


@sqlite_only
@pytest.mark.parametrize(
    ("typed", "minutes"), [("1h30", 90), ("90m", 90), ("1.5h", 90), ("25", 25)]
)
async def test_time_is_typed_in_hours_and_minutes(desk: Desk, typed: str, minutes: int) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("T")
        await reach(pilot, FormScreen)
        await pilot.press(*typed, "ctrl+s")
        await reach(pilot, MainScreen)
        await settle(pilot)
    assert (await desk.service("alice").queries.detail(numbers[0])).total_minutes == minutes


@sqlite_only
async def test_after_the_palette_the_queue_takes_keys_again(desk: Desk) -> None:
    """ctrl+p, a word, esc: the palette is gone and the queue answers j and q."""
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        first = queue.current
        await pilot.press("ctrl+p", *"assign")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("j")
        await settle(pilot)
        assert queue.current is not first
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code == 0 and not app.is_running


@sqlite_only
async def test_a_ticket_number_typed_ahead_in_the_palette_opens_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+p, #N, enter at once, on a machine too busy to have gathered the list of
    matches yet: the ticket opens (the enter is not dropped), and after esc the queue
    takes keys again."""
    numbers = await queue_desk(desk)
    # The matches come only once the test lets them: until then, the list is not drawn.
    matches_may_come = asyncio.Event()
    search = TicketCommands.search

    async def busy_search(self: TicketCommands, query: str) -> AsyncIterator[Any]:
        await matches_may_come.wait()
        async for hit in search(self, query):
            yield hit

    monkeypatch.setattr(TicketCommands, "search", busy_search)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        # Typed faster than the palette gathers its matches: every key is queued before
        # any is handled (Pilot's press would wait after each).
        for key in [*f"#{numbers[2]}", "enter"]:
            app.post_message(events.Key(key, None if key == "enter" else key))
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen), screen_text(app)
        assert app.screen.number == numbers[2]
        matches_may_come.set()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code == 0 and not app.is_running
