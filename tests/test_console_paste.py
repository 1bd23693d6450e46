"""A paste keeps the order of its text and drops control sequences, in a one-line field
and in a text area, and what is stored is what was shown."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from console.screens.form import FormScreen
from tests.conftest import Desk
from tests.test_console import console_as, queue_desk, settle, sqlite_only
from tests.test_console_small import open_ticket

#: Posted to the app, as the terminal driver does: the app hands it to the focused field.
HOSTILE_PASTE = "Plain \x1b[31mred\x1b[0m tail\x1b]0;title\x07"


@sqlite_only
async def test_a_paste_keeps_its_order_and_drops_control_sequences(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_ticket(pilot, numbers[0])
        # A comment: a text area.
        await pilot.press("m")
        await settle(pilot)
        area = app.screen.focused
        assert isinstance(app.screen, FormScreen) and isinstance(area, TextArea)
        app.post_message(events.Paste(HOSTILE_PASTE + "\r\nsecond line"))
        await settle(pilot)
        assert area.text == "Plain red tail\nsecond line"
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(numbers[0])
        assert [m.body for m in detail.messages] == ["Plain red tail\nsecond line"]
        # The edit form's subject: a one-line field takes the paste's first line.
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.focused
        assert isinstance(field, Input)
        field.value = ""
        app.post_message(events.Paste(HOSTILE_PASTE))
        await settle(pilot)
        assert field.value == "Plain red tail"
