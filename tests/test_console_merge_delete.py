"""Merge (M) and delete (X) from the console: a form asks which ticket to merge into, and
deleting needs the ticket's number typed again; an agent is refused deleting."""

from __future__ import annotations

from console.data.errors import NotFound
from console.screens.form import FormScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, settle, start


async def test_merge_from_the_console(desk: Desk) -> None:
    source = await desk.ticket(subject="Duplicate")
    target = await desk.ticket(subject="Original")
    app = console_as(desk, "lena")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, source)
        await pilot.press("J")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"12x", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # the mistake is shown where it was typed
        await pilot.press("backspace", "backspace", "backspace", *str(target), "ctrl+s")
        await settle(pilot)
    merged = await desk.service("lena").queries.ticket(source)
    assert merged.status == "Closed" and merged.merged_into == target


async def test_delete_needs_the_number_typed_and_an_admin(desk: Desk) -> None:
    number = await desk.ticket(subject="Spam")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("X")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert any("admin" in n for n in notices(app))
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"999", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # the wrong number deletes nothing
        await desk.service("root").queries.ticket(number)
        await pilot.press("backspace", "backspace", "backspace", *str(number), "ctrl+s")
        await settle(pilot)
        assert any(f"Deleted #{number} for good" in n for n in notices(app))
    try:
        await desk.service("root").queries.ticket(number)
    except NotFound:
        pass
    else:
        raise AssertionError("the ticket is still there")
