"""What the console says it offers is what it does: the footer lists the actions allowed
now, notices go away, hints look like hints, and help says what its words mean."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer, Input, Static

from console.app import NOTICE_MOST, AgentConsole
from console.screens.form import FormScreen
from console.screens.help import HelpScreen
from console.screens.ticket import TicketScreen
from console.widgets.ticket_detail import TicketDetailView
from console.widgets.ticket_queue import TicketQueue
from tests.conftest import Desk
from tests.test_console import (
    console_as,
    goto,
    queue_desk,
    queue_lines,
    settle,
    sqlite_only,
    start,
    until,
)
from tests.test_console_keys import screen_text


def footer_text(app: App[None]) -> str:
    """The footer's line as drawn."""
    return screen_text(app).splitlines()[-1]


async def footer_on(app: AgentConsole, pilot: Pilot[None], number: int, wanted: str) -> str:
    """The footer once the cursor is on ticket ``number`` and the footer shows ``wanted``."""
    await goto(pilot, number)
    await until(pilot, lambda: wanted in footer_text(app), f"{wanted!r} in the footer")
    return footer_text(app)


async def open_full(app: AgentConsole, pilot: Pilot[None], number: int) -> None:
    """Start, and open ticket ``number`` full screen (a narrow terminal)."""
    await start(app, pilot)
    await goto(pilot, number)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, TicketScreen), "the ticket screen")


async def open_form(pilot: Pilot[None], key: str, what: str) -> None:
    """Press an action's key and wait for its form."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, FormScreen), what)


@sqlite_only
async def test_the_footer_offers_only_what_is_allowed_now(desk: Desk, tmp_path: Path) -> None:
    numbers = await queue_desk(desk)
    unassigned, closed = numbers[1], numbers[4]
    alice = desk.service("alice")
    file = tmp_path / "invoice.txt"
    file.write_text("Invoice 42\n")
    await alice.attach(numbers[0], file)
    await desk.service("lena").request_approval(numbers[0], ["alice"], "Refund 40 EUR")
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        footer = await footer_on(app, pilot, unassigned, "Pick up")
        assert "Start" not in footer and "Reopen" not in footer
        assert "Decide approval" not in footer and "Save attachment" not in footer
        footer = await footer_on(app, pilot, closed, "Reopen")
        for offered in ("Pick up", "Assign", "Schedule", "Start", "Close"):
            assert f" {offered} " not in footer, footer
        footer = await footer_on(app, pilot, numbers[0], "Decide approval")
        assert "O Save attachment" in footer and "D Decide approval" in footer
        assert "Pick up" not in footer
    # The same on the full-screen ticket of a narrow terminal.
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_full(app, pilot, closed)
        await until(pilot, lambda: "Reopen" in footer_text(app), "Reopen in the footer")
        assert "Pick up" not in footer_text(app) and "Close" not in footer_text(app)
        await settle(pilot)


@sqlite_only
async def test_the_footer_is_rebuilt_only_when_what_it_offers_changes(desk: Desk) -> None:
    """Moving between two tickets that allow the same actions leaves the footer's keys
    as they are (a rebuild on every move is most of what a cursor move costs); moving to
    one that allows other actions shows those."""
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        await footer_on(app, pilot, numbers[1], "Pick up")
        await settle(pilot)
        keys = list(app.screen.query_one(Footer).children)
        drawn = footer_text(app)
        side = app.screen.query_one("#side", TicketDetailView)
        queue = app.screen.query_one(TicketQueue)
        order = [row.number for row in queue.window.rows]
        here, there = order.index(numbers[1]), order.index(numbers[2])
        assert abs(here - there) == 1, order
        await pilot.press("j" if there > here else "k")  # also New and unassigned
        await until(
            pilot,
            lambda: side.detail is not None and side.detail.ticket.number == numbers[2],
            "the detail of the second unassigned ticket",
        )
        await settle(pilot)
        assert list(app.screen.query_one(Footer).children) == keys
        assert footer_text(app) == drawn
        footer = await footer_on(app, pilot, numbers[4], "Reopen")
        assert "Pick up" not in footer
        assert list(app.screen.query_one(Footer).children) != keys


def toast_text(app: App[None]) -> str:
    """The notices showing now."""
    return " ".join(n.message for n in app._notifications)


@sqlite_only
async def test_notices_go_away_and_problems_stay_a_little_longer(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_full(app, pilot, numbers[0])
        await open_form(pilot, "n", "the note form")
        await pilot.press(*"Customer prefers phone", "ctrl+s")
        await until(pilot, lambda: "Noted on" in toast_text(app), "the notice of the note")
        done = next(n.timeout for n in app._notifications if n.message.startswith("Noted on"))
        # Nobody touches a key: the notice goes by itself.
        await until(pilot, lambda: "Noted on" not in toast_text(app), "the notice gone", most=15)
        # The ticket is deleted meanwhile: the refresh says so, and that stays longer.
        await desk.service("root").delete(numbers[0], confirm=True)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "No ticket" in toast_text(app), "the problem shown")
        problem = [n for n in app._notifications if n.message.startswith("No ticket")]
        assert problem and problem[0].severity == "error"
        assert done < problem[0].timeout <= NOTICE_MOST


@sqlite_only
async def test_reopen_asks_why_and_starts_the_sla_again(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    scheduled = numbers[3]  # Medium: 24 hours of SLA
    await desk.service("alice").close(scheduled, resolution="Done")
    desk.clock.advance(days=3)  # long past its old due time
    app = console_as(desk, "alice")
    # Tall enough for the full header (every field; 80x24 shows the compact one).
    async with app.run_test(size=(80, 40)) as pilot:
        await open_full(app, pilot, scheduled)
        await until(pilot, lambda: "Status Closed" in screen_text(app), "the closed ticket")
        # Closed: its old scheduled time is not shown as if work were planned.
        assert "Scheduled —" in screen_text(app)
        await open_form(pilot, "R", "the reopen form")
        assert "Why (optional" in screen_text(app)
        await pilot.press(*"Customer says the refund never arrived", "ctrl+s")
        await until(pilot, lambda: "Status ReOpen" in screen_text(app), "the reopened ticket")
        assert "ESCALATED" not in screen_text(app)
    detail = await desk.service("alice").queries.detail(scheduled)
    assert detail.ticket.status == "ReOpen"
    assert detail.ticket.due == desk.clock.now + timedelta(hours=24)
    assert detail.ticket.scheduled_at is None
    assert [(m.kind, m.body) for m in detail.messages][-1] == (
        "comment",
        "Customer says the refund never arrived",
    )


@sqlite_only
async def test_by_time_to_breach_closed_tickets_come_last(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    # Closed long ago, with the earliest due time of all.
    old = await desk.ticket(
        "alice", subject="Closed last June", due=desk.clock.now - timedelta(days=270)
    )
    await desk.service("alice").pick_up(old)
    await desk.service("alice").close(old)
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        for _ in range(3):
            if "sorted by time to breach" in screen_text(app):
                break
            await pilot.press("z")
            await settle(pilot)
        assert "sorted by time to breach" in screen_text(app)
        rows = [line for line in queue_lines(app)[1:] if line.strip()]
        statuses = ["Closed" if "Closed" in line else "open" for line in rows]
        assert statuses == ["open"] * 4 + ["Closed"] * 2, rows
        assert str(old) in rows[4] or str(old) in rows[5]
        assert str(numbers[4]) in " ".join(rows[4:])


@sqlite_only
async def test_hints_in_empty_fields_read_as_hints(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_full(app, pilot, numbers[0])
        await open_form(pilot, "T", "the time form")
        await settle(pilot)
        strips = app.screen._compositor.render_strips()
        line = next(strip for strip in strips if "e.g. 25, 90m or 1h30" in strip.text)
        hint = [segment for segment in line if "90m" in segment.text]
        # In words, and slanted: it reads as a hint without colour too.
        assert hint and all(s.style is not None and s.style.italic for s in hint)
        await pilot.press("escape")
        await settle(pilot)
        await open_form(pilot, "f", "the attach form")
        await settle(pilot)
        assert "e.g. ~/Downloads/router.log" in screen_text(app)


@sqlite_only
async def test_tab_takes_the_suggestion_where_the_label_says_so(desk: Desk, tmp_path: Path) -> None:
    numbers = await queue_desk(desk)
    (tmp_path / "router.log").write_text("line\n" * 3)
    app = console_as(desk, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_full(app, pilot, numbers[0])
        await open_form(pilot, "f", "the attach form")
        assert "tab completes paths" in screen_text(app)
        field = app.screen.query_one("#field-path", Input)
        await pilot.press(*f"{tmp_path}/rou")
        await until(pilot, lambda: field._suggestion.endswith("router.log"), "the suggestion")
        await pilot.press("tab")
        await settle(pilot)
        assert field.value == f"{tmp_path}/router.log" and field.has_focus
        await pilot.press("tab")  # nothing more to take: on to the next field
        await settle(pilot)
        assert not field.has_focus
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen), "the form done")
    detail = await desk.service("alice").queries.detail(numbers[0])
    assert [a.file_name for a in detail.attachments] == ["router.log"]


@sqlite_only
async def test_help_and_the_view_list_say_what_their_words_mean(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:  # the view list shows at 120
        await start(app, pilot)
        assert "mine + my accounts'" in screen_text(app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await settle(pilot)
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "My Tickets: the tickets I own and those of the accounts I coordinate" in shown
        assert "never shown to the customer" in shown
