"""Every form and tab usable at 80x24: a compact ticket header, whole tab names, forms
whose buttons stay on screen (their fields scroll), help that wraps between phrases."""

from __future__ import annotations

from itertools import pairwise

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from console.data.actions import KEYED
from console.keys import catalogue
from console.screens.form import FormScreen
from console.screens.help import KEEP, HelpScreen, Phrased, key_lines
from console.screens.ticket import TicketScreen
from console.widgets.ticket_detail import TicketDetailView, tab_names
from console.widgets.ticket_queue import TicketQueue, columns_for
from tests.conftest import Desk
from tests.test_console import console_as, goto, queue_desk, settle, sqlite_only, start
from tests.test_console_keys import screen_text

#: Forms that need more than a new ticket of alice's (an approval waiting on her, an open
#: activity, an attachment, an admin, two messages to split, a message to split off, a
#: failed mail to retry); tests/test_console.py, test_console_replies.py,
#: test_console_mail_out.py and the dialog snapshots open them at 80x24.
UNREACHED = ("decide", "done", "activity_edit", "save", "delete", "split", "split_off", "outbox")


async def open_ticket(pilot: Pilot[None], number: int) -> TicketScreen:
    """The queue, then the full-screen ticket."""
    await start(pilot.app, pilot)  # type: ignore[arg-type]
    await goto(pilot, number)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    return pilot.app.screen


@sqlite_only
async def test_the_ticket_at_80x24_has_a_compact_header_and_whole_tab_names(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, numbers[0])
        lines = screen_text(app).splitlines()
        assert lines[1].strip() == f"#{numbers[0]} Billing question 1"
        assert lines[2].strip().startswith("New · High · owner alice · due ")
        # The header is the subject, one line of fields and the keys (two lines at 80).
        tabs = next(i for i, line in enumerate(lines) if "Conversation" in line)
        assert tabs <= 6, lines[:tabs]
        assert lines[tabs].split() == ["Conversation", *tab_names(78)[1:]]
        assert "Attach." in lines[tabs] and "Attachmen " not in lines[tabs]
        assert "DESCRIPTION" in lines[tabs + 2]
        assert "Creator" not in screen_text(app)
        # Every field is still there, at the top of the History tab.
        await pilot.press(">")
        await settle(pilot)
        history = screen_text(app)
        assert "Creator alice" in history and "Contact" in history


@sqlite_only
async def test_the_full_header_shows_where_there_is_room(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_ticket(pilot, numbers[0])
        text = screen_text(app)
        assert "Creator alice" in text and "Priority High" in text
        assert "Time log" in text and "Attachments" in text
        # The terminal shrinks: the header becomes compact, the tab names short.
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        view = app.screen.query_one(TicketDetailView)
        assert view.compact
        text = screen_text(app)
        assert "Creator alice" not in text and "Attach." in text


@sqlite_only
async def test_every_form_shows_its_buttons_at_80x24(desk: Desk) -> None:
    """Each form a ticket offers alice opens with its Submit and Cancel buttons drawn
    with their words, and tabbing to the last field keeps it in view."""
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await open_ticket(pilot, numbers[0])
        allowed = await app.queries.allowed(numbers[0])
        opened = []
        for action in KEYED:
            if action.form is None or action.id in UNREACHED:
                continue
            if action.rule is not None and allowed.get(action.rule.value, "x") is not None:
                continue
            await pilot.press(action.keys.split(",")[0])
            await settle(pilot)
            assert isinstance(app.screen, FormScreen), action.id
            text = screen_text(app)
            assert "Submit (ctrl+s)" in text and "Cancel (esc)" in text, (action.id, text)
            for _ in app.screen.fields:
                await pilot.press("tab")
                focused = app.screen.focused
                assert focused is not None
                await pilot.pause()
                assert app.screen.region.contains_region(focused.region), action.id
            await pilot.press("escape")
            await settle(pilot)
            if app.screen is not ticket:  # typed text (the tab of a completion) is asked about
                await pilot.press("y")
                await settle(pilot)
            assert app.screen is ticket, action.id
            opened.append(action.id)
        assert {"approval", "time", "reply", "task", "edit"} <= set(opened), opened


def test_help_wraps_between_phrases() -> None:
    """A note wraps only at plain spaces, each wrapped line indented; a time example and
    the binding id of a key never break across lines."""
    note = Phrased(f"Times: +30m, today{KEEP}17:00, tomorrow{KEEP}09:00.")
    for width in range(14, 60):
        lines = note.lines(width)
        assert any("today 17:00" in line for line in lines), (width, lines)
        assert all(line.startswith("  ") for line in lines[1:])


@sqlite_only
async def test_help_at_80x24_keeps_each_key_on_its_line(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(app, pilot)
        rendered = Console(width=66, record=True, color_system=None)
        rendered.print(key_lines(screen))
        lines = rendered.export_text().splitlines()
        for place_binding in catalogue().place("MainScreen").all_bindings:
            if place_binding.id and place_binding.description:
                # The binding id is whole, on a line of its own key (never wrapped under it).
                assert any(f"({place_binding.id})" in line for line in lines), place_binding.id
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        notes = next(w for w in app.screen.query(Static) if isinstance(w.content, Phrased))
        lines = [notes.render_line(y).text.rstrip() for y in range(notes.size.height)]
        assert any("today 17:00" in line for line in lines), lines
        assert not any(line.endswith(("today", "2026-03-02", "ISO")) for line in lines)


def test_queue_columns_follow_the_room_there_is() -> None:
    def titles(width: int) -> list[str]:
        return [c.title for c in columns_for(width)]

    narrow = ["#", "Prio", "Subject", "Owner", "Status", "Due"]
    assert titles(80) == narrow
    assert titles(85) == [*narrow, "Updated"]
    middle = ["#", "Prio", "Subject", "Contact / Account", "Owner", "Status", "Due", "Updated"]
    assert titles(93) == middle  # the queue at 160 columns, the detail beside it
    assert titles(160) == middle and columns_for(160)[3].width == 28


@sqlite_only
async def test_at_160x48_the_queue_beside_the_detail_shows_contact_and_updated(
    desk: Desk,
) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        assert screen.query_one(TicketDetailView).display
        header = queue.render_line(0).text
        assert "Contact/Acct." in header and "Updated" in header, header
        assert "Pat Customer" in queue.render_line(1).text


@sqlite_only
async def test_each_queue_line_is_one_segment_per_run_of_one_style(desk: Desk) -> None:
    """Every segment reaches the terminal with its own colour codes: a line drawn as one
    run per style costs a third of the bytes of one segment per column (a scrolled queue
    writes every line)."""
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        drawn = 0
        for y in range(1, queue.size.height):
            strip = queue.render_line(y)
            segments = list(strip)
            assert strip.cell_length == queue.size.width
            styles = [segment.style for segment in segments]
            assert all(a != b for a, b in pairwise(styles)), styles
            row = queue.window.row(queue.top + y - 1)
            if row is not None and row.priority != "High":
                drawn += 1
                assert len(segments) <= 3, [s.text for s in segments]  # Due may stand out
        assert drawn >= 3


@sqlite_only
async def test_queue_lines_are_drawn_again_only_when_what_they_show_changed(desk: Desk) -> None:
    """A line is kept as drawn while its ticket, its marks and its times stay: the cursor
    moving away, a tag, the clock moving on or the focus leaving draw it again."""
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        first, second = queue.render_line(1), queue.render_line(2)
        assert queue.render_line(2) is second  # nothing changed: the same line
        await pilot.press("j")
        await settle(pilot)
        assert queue.render_line(1) is not first  # the cursor left it
        assert queue.render_line(1).text.startswith("  ")
        assert queue.render_line(2).text.startswith("▶")
        plain = queue.render_line(1)
        queue.tagged = {queue.window.row(0).number}  # type: ignore[union-attr]
        tagged = queue.render_line(1)
        assert tagged is not plain and tagged.text.startswith(" ✓")
        queue.tagged = set()
        assert queue.render_line(1) is plain  # as it was: the line drawn before
        row = queue.window.row(0)
        assert row is not None
        before = queue.render_line(1).text
        desk.clock.advance(hours=2)  # its Due and Updated times read two hours on
        after = queue.render_line(1).text
        assert after != before
        assert after.split()[-2:] != before.split()[-2:], (before, after)
        cursor = queue.render_line(2)
        queue.blur()
        await settle(pilot)
        assert queue.render_line(2) is not cursor  # no focus: no cursor bar


def footer_text(app: object) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


@sqlite_only
async def test_with_the_detail_hidden_the_footer_offers_what_the_row_allows(desk: Desk) -> None:
    """At 80x24 no ticket is read on a cursor move; the footer's ticket keys come from the
    row: pick up on an unassigned New ticket, reopen (and no pick up) on a Closed one."""
    numbers = await queue_desk(desk)
    unassigned, closed = numbers[1], numbers[4]
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, unassigned)
        await settle(pilot)
        footer = footer_text(app)
        assert "p Pick up" in footer and "R Reopen" not in footer, footer
        await goto(pilot, closed)
        await settle(pilot)
        footer = footer_text(app)
        assert "R Reopen" in footer and "p Pick up" not in footer, footer
        # What the footer offers is what the key does: p on the unassigned ticket.
        await goto(pilot, unassigned)
        await pilot.press("p")
        await settle(pilot)
        record = (await desk.service("alice").queries.detail(unassigned)).ticket
        assert record.owner == "alice"
