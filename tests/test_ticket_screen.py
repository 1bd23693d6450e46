"""Opening tickets full screen: every ticket opens on the console's one ticket screen as a
new screen would show it; a tab's body is built when it is opened, for the ticket shown;
the footer keeps its keys while it offers the same ones."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent
from textual.widgets._footer import FooterKey

from console.app import AgentConsole
from console.data.outbox import MailSetup
from console.data.records import DETAIL_PARTS, TicketMarks
from console.messages import DatabaseChanged, OpenTicket
from console.screens.form import StaleSendScreen
from console.screens.main import MainScreen
from console.screens.ticket import TicketScreen
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader
from console.widgets.ticket_detail import TicketDetailView
from tests.conftest import Desk
from tests.statements import selects_sent
from tests.test_console import console_as, goto, notices, settle, start, until
from tests.test_console_bulk import reach
from tests.test_console_keys import screen_text

pytestmark = pytest.mark.usefixtures("login_root")
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LONG = "\n".join(f"Line {i} of what the customer wrote." for i in range(1, 121))


@pytest.fixture
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


def shown(app: AgentConsole, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def conversation_scroll(app: AgentConsole) -> float:
    pane = app.screen.query_one(TabbedContent).get_pane("tab-conversation")
    return pane.query_one(VerticalScroll).scroll_y


async def until_ticket(pilot: Pilot[None], app: AgentConsole, number: int) -> TicketScreen:
    """The ticket screen on top, showing ``number`` (once workers are done)."""
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TicketScreen), notices(app)
    assert screen.number == number
    return screen


async def open_full(pilot: Pilot[None], app: AgentConsole, number: int) -> TicketScreen:
    """From the queue (120 columns: no detail pane), ``enter`` on ``number``."""
    await goto(pilot, number)
    await pilot.press("enter")
    return await until_ticket(pilot, app, number)


@sqlite_only
async def test_each_ticket_opens_on_one_ticket_screen_as_a_new_one_would(desk: Desk) -> None:
    first = await desk.ticket("alice", subject="Router keeps rebooting", description=LONG)
    second = await desk.ticket("alice", subject="Invoice in the wrong currency")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        screen = await open_full(pilot, app, first)
        await pilot.press("pagedown", "pagedown")
        assert conversation_scroll(app) > 0
        await pilot.press("l")  # History
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-history"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)

        again = await open_full(pilot, app, second)
        assert again is screen  # the same screen, built once
        assert app.screen.query_one(TabbedContent).active == "tab-conversation"
        assert conversation_scroll(app) == 0
        assert "Invoice in the wrong currency" in shown(app, "#detail-fields")
        body = shown(app, "#body-conversation")
        assert "Line 1 of" not in body
        assert "(no description)" in body
        assert app.screen.query_one(ConsoleHeader).place == f"#{second}"
        # Its actions act on the ticket shown, not the one shown before.
        assert again.current_ticket() == (second, again.version)
        await pilot.press("p")  # pick up
        await settle(pilot)
    picked = await desk.service("alice").queries.ticket(second)
    assert picked.owner == "alice"
    assert (await desk.service("alice").queries.ticket(first)).owner is None


@sqlite_only
async def test_a_ticket_that_cannot_be_read_leaves_the_queue_as_it_was(desk: Desk) -> None:
    number = await desk.ticket("alice", subject="Quiet one")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        queue = await start(app, pilot)
        app.post_message(OpenTicket(number + 1000))
        await settle(pilot)
        assert app.screen is queue
        assert f"No ticket #{number + 1000} (or not one you may see)." in notices(app)


@sqlite_only
async def test_a_ticket_opened_over_an_open_ticket_gets_a_screen_of_its_own(desk: Desk) -> None:
    first = await desk.ticket("alice", subject="Router keeps rebooting")
    second = await desk.ticket("alice", subject="Invoice in the wrong currency")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        under = await open_full(pilot, app, first)
        # (as the inbox or the palette does, over the ticket screen)
        app.post_message(OpenTicket(second))
        over = await until_ticket(pilot, app, second)
        assert over is not under
        assert "Invoice in the wrong currency" in shown(app, "#detail-fields")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is under
        assert "Router keeps rebooting" in shown(app, "#detail-fields")


@sqlite_only
async def test_a_tab_opened_after_a_change_shows_the_ticket_as_it_is_now(desk: Desk) -> None:
    number = await desk.ticket("alice", subject="Router keeps rebooting")
    await desk.service("alice").pick_up(number)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await open_full(pilot, app, number)
        conversation = app.screen.query_one("#body-conversation", Static)
        drawn = conversation.content
        await desk.service("alice").log_time(number, 25, billable=True, note="Replaced the cable")
        await pilot.press("ctrl+r")
        await settle(pilot)
        # The conversation did not change: it is left as it was drawn.
        assert conversation.content is drawn
        for _ in range(5):  # Conversation -> Time log
            await pilot.press("l")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-time"
        time_log = shown(app, "#body-time")
        assert "Replaced the cable" in time_log
        assert "Total 25m" in time_log or "Total 0h 25m" in time_log, time_log


@sqlite_only
async def test_tabs_follow_a_keymap_set_after_they_were_drawn(desk: Desk, tmp_path: Path) -> None:
    number = await desk.ticket("alice", subject="Quiet one")
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await settle(pilot, 0.2)
        side = app.screen.query_one(TicketDetailView)
        assert "r reply" in str(side.query_one("#body-conversation", Static).render())
        app.set_keymap({"ticket.reply": "ctrl+y"})
        side.show(side.detail)
        await pilot.pause()
        assert "ctrl+y reply" in str(side.query_one("#body-conversation", Static).render())


def footer_keys(app: AgentConsole) -> list[FooterKey]:
    return list(app.screen.query_one(KeyFooter).query(FooterKey))


@sqlite_only
async def test_the_footer_keeps_its_keys_while_it_offers_the_same_ones(desk: Desk) -> None:
    numbers = [await desk.ticket("alice", subject=f"Question {i}") for i in range(3)]
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await settle(pilot)
        before = footer_keys(app)
        before_labels = [key.description for key in before]
        assert "Pick up" in before_labels, before_labels
        await pilot.press("j")
        await settle(pilot)
        assert footer_keys(app) == before  # the same widgets: nothing rebuilt
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert footer_keys(app) == before  # back on the queue: nothing rebuilt either
        await pilot.press("p")
        await settle(pilot)
        after = [key.description for key in footer_keys(app)]
        assert "Pick up" not in after
        assert "Schedule" in after
        assert "Schedule" not in before_labels
        assert "Schedule" in screen_text(app).splitlines()[-1]
        assert "Pick up" not in screen_text(app).splitlines()[-1]


@sqlite_only
async def test_the_footer_shows_each_tickets_keys_and_frees_those_it_no_longer_shows(
    desk: Desk,
) -> None:
    new = await desk.ticket("alice", subject="Question")
    picked = await desk.ticket("alice", subject="Picked up")
    await desk.service("alice").pick_up(picked)
    closed = await desk.ticket("alice", subject="Closed")
    await desk.service("alice").close(closed, resolution="Answered")
    app = console_as(desk, "alice")
    async with app.run_test(size=(160, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("6")  # All: tickets of every stage, whose keys differ
        await settle(pilot)
        counts = set()
        for number in (new, picked, closed, new, closed, picked, new):
            await goto(pilot, number)
            await settle(pilot)
            footer = app.screen.query_one(KeyFooter)
            assert footer.shows_offered_keys()
            offered = {entry[2] for entry in footer.offered()}
            shown = {
                key.description for key in footer_keys(app) if not key.has_class("-command-palette")
            }
            assert shown == offered, number
            counts.add(len(shown))
            line = screen_text(app).splitlines()[-1]
            assert all(description in line for description in shown), (number, line)
        assert len(counts) > 1  # keys were added and removed, not only relabelled
        gc.collect()
        loose = [
            key.description
            for key in gc.get_objects()
            if isinstance(key, FooterKey) and (key.parent is None or key not in key.parent.children)
        ]
        assert not loose  # keys removed from a footer are freed
        footer = app.screen.query_one(KeyFooter)
        bound = [k for k in footer_keys(app) if not k.has_class("-command-palette")]
        assert bound
        assert all(key.has_class("-compact") == footer.compact for key in bound)
        for compact in (not footer.compact, footer.compact):
            footer.compact = compact  # the keys follow the footer's compactness
            await pilot.pause()
            assert all(key.has_class("-compact") == compact for key in bound)


# -- a tab's part read when the tab is shown ------------------------------------------------


async def busy_ticket(desk: Desk) -> int:
    """A ticket with something on every tab, an approval waiting on bob and a queued mail."""
    desk.mail = MailSetup(configured=True, sender="desk@help.example", domain="help.example")
    number = await desk.ticket("alice", subject="Router keeps rebooting")
    alice = desk.service("alice")
    await alice.pick_up(number)
    await alice.reply(number, "Please send the router's log.")
    await alice.attach_bytes(number, "router.log", b"reboot\n", media_type="text/plain")
    await alice.log_time(number, 25, billable=True, note="Read the log")
    await alice.request_approval(number, ["bob"], "Replace the router")
    return number


@sqlite_only
async def test_a_part_read_alone_holds_that_tab_and_the_marks_the_footer_needs(
    desk: Desk,
) -> None:
    number = await busy_ticket(desk)
    queries = desk.service("bob").queries
    whole = await queries.detail(number)
    await queries.detail(number, {"time"})  # the agents' names and the scope, read once
    with selects_sent(desk.db) as seen:
        part = await queries.detail(number, {"time"})
    assert len(seen) == 2, seen  # the fields with the marks, then the time log
    assert part.parts == {"time"}
    assert part.time_entries == whole.time_entries != ()
    assert part.messages == part.history == part.attachments == part.approvals == ()
    assert part.ticket == whole.ticket
    assert (
        part.marks
        == whole.marks
        == TicketMarks(awaits_my_decision=True, attachments=1, mail_pending=True)
    )
    # For alice no approval waits; the marks follow who reads.
    assert (
        await desk.service("alice").queries.detail(number, ())
    ).marks.awaits_my_decision is False
    with pytest.raises(ValueError, match="not parts of a ticket"):
        await queries.detail(number, {"nonsense"})
    merged = part.with_parts(await queries.detail(number, {"conversation", "approvals"}))
    assert merged.parts == {"time", "conversation", "approvals"}
    assert merged.messages == whole.messages and merged.approvals == whole.approvals
    assert merged.time_entries == whole.time_entries


@sqlite_only
async def test_the_ticket_screen_reads_the_open_tab_and_each_tab_when_opened(desk: Desk) -> None:
    number = await busy_ticket(desk)
    app = console_as(desk, "bob")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await open_full(pilot, app, number)  # (the agents' names: read once a session)
        await pilot.press("escape")
        await settle(pilot)
        with selects_sent(desk.db) as seen:
            await open_full(pilot, app, number)
            opened = list(seen)
            view = app.screen.query_one(TicketDetailView)
            assert view.detail is not None and view.detail.parts == {"conversation"}
            assert "Please send the router's log." in shown(app, "#body-conversation")
            seen.clear()
            for _ in range(6):  # to Attachments, each tab read as it opens
                await pilot.press("l")
                await settle(pilot)
        # The fields with the marks, then the conversation: its mails, messages, mentions.
        assert len(opened) == 4, [s[:60] for s in opened]
        assert app.screen.query_one(TabbedContent).active == "tab-attachments"
        assert "router.log" in shown(app, "#body-attachments")
        assert view.detail.parts == DETAIL_PARTS
        await pilot.press("h", "h")  # back to Time log: read already, nothing more read
        await settle(pilot)
        assert "Read the log" in shown(app, "#body-time")
        # The footer offers what the marks say, whatever the tab: decide, save, outbox.
        footer = {key.description for key in footer_keys(app)}
        assert {"Decide approval", "Save attachment", "Retry mail"} <= footer, sorted(footer)


@sqlite_only
async def test_a_ticket_opened_on_a_tab_reads_and_shows_that_tab(desk: Desk) -> None:
    number = await busy_ticket(desk)
    other = await desk.ticket("alice", subject="Invoice in the wrong currency")
    app = console_as(desk, "bob")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        for shown_first in (number, other):  # the screen built, then the screen reused
            if shown_first == other:
                await open_full(pilot, app, other)
                await pilot.press("escape")
                await settle(pilot)
            with selects_sent(desk.db) as seen:
                app.post_message(OpenTicket(number, "approvals"))  # as the inbox does
                await until_ticket(pilot, app, number)
            assert app.screen.query_one(TabbedContent).active == "tab-approvals"
            assert "Replace the router" in shown(app, "#body-approvals")
            assert not [s for s in seen if "FROM messages" in s]  # the conversation is not read
            await pilot.press("escape")
            await settle(pilot)


# -- the ticket behind the dialogs ----------------------------------------------------------


@sqlite_only
async def test_the_ticket_behind_a_form_and_its_question_shows_it_as_it_is_now(
    desk: Desk,
) -> None:
    """A change to the ticket while the reply form and the stale-send question are open
    over it shows behind both (the form between kept the old picture of it)."""
    number = await desk.ticket("alice", subject="Router keeps rebooting", priority="Low")
    alice = desk.service("alice")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        ticket = await open_full(pilot, app, number)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"We have restarted the mail server.")
        await alice.customer_message(number, "Still nothing arrives here.")
        await pilot.press("ctrl+s")
        await reach(pilot, StaleSendScreen)
        await settle(pilot, waiting=("form-submit",))
        assert "New · Low" in screen_text(app)
        # The priority is raised elsewhere; the console hears of it (as it would live).
        await alice.edit(number, {"priority": "High"})
        app.broadcast(DatabaseChanged())
        await until(
            pilot,
            lambda: (
                ticket.footer_detail is not None and ticket.footer_detail.ticket.priority == "High"
            ),
            "the ticket read again",
        )
        await settle(pilot, waiting=("form-submit",))
        drawn = screen_text(app)
        assert "New · High" in drawn, drawn
        assert "New · Low" not in drawn
        assert isinstance(app.screen, StaleSendScreen)
