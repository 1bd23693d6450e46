"""The inbox in the console: two consoles on one database (SQLite and PostgreSQL), every
kind of entry arriving live in the other agent's console (the header's count, a notice),
``g i`` listing them with the unread marked, ``enter`` opening each where it points and
marking it read, ``M`` writing a message, and a reminder firing at its time."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import OptionList, TabbedContent

from console.app import AgentConsole
from console.config import Settings
from console.data.db import make_engine
from console.data.inbox import Inbox
from console.messages import WriteMessage
from console.screens.form import FormScreen
from console.screens.inbox import InboxScreen
from console.screens.main import MainScreen
from console.screens.pager import PagerScreen
from console.screens.ticket import TicketScreen
from tests.conftest import Desk
from tests.test_console import notices, settle, until


def console_on(desk: Desk, who: str, url: object) -> AgentConsole:
    """A console of its own (its own connections, as another terminal has) as ``who``."""
    return AgentConsole(
        Settings(), "unused", who, clock=desk.clock, watch=True, database=make_engine(url)
    )


def unread(app: AgentConsole) -> int | None:
    return app.header_info.inbox


def told(app: AgentConsole, words: str) -> bool:
    return any(words in n for n in notices(app))


async def started(app: AgentConsole, pilot: Pilot[None]) -> None:
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the queue shows")
    await until(pilot, lambda: app.header_info.inbox is not None, "the inbox is counted")
    await until(pilot, lambda: app.header_info.live is True, "live updates run")


def rows(app: AgentConsole) -> list[str]:
    options = app.screen.query_one("#inbox-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_every_kind_arrives_live_and_opens_where_it_points(desk: Desk) -> None:
    number = await desk.ticket("alice", subject="Printer on fire")
    url = desk.db.url
    alice, bob = console_on(desk, "alice", url), console_on(desk, "bob", url)
    async with alice.run_test(size=(120, 36)) as apilot, bob.run_test(size=(120, 36)) as bpilot:
        await started(alice, apilot)
        await started(bob, bpilot)
        assert unread(bob) == 0

        # A private message, written in alice's console with M.
        await apilot.press("M")
        await until(apilot, lambda: isinstance(alice.screen, FormScreen), "the message form")
        for key in "bob":
            await apilot.press(key)
        await apilot.press("tab")
        for key in "Lunch?":
            await apilot.press(key)
        await apilot.press("tab")
        for key in "At noon":
            await apilot.press(key)
        await apilot.press("ctrl+s")
        await until(apilot, lambda: isinstance(alice.screen, MainScreen), "the form closes")
        assert told(alice, "Sent \u201cLunch?\u201d to bob.")
        await until(bpilot, lambda: unread(bob) == 1, "bob's count shows the message")
        assert told(bob, "Inbox: alice wrote: Lunch?")
        assert "✉ Inbox 1" in str(bob.screen.query_one("ConsoleHeader").render())

        service = alice.service
        await service.comment(number, "@bob can you look?")
        await until(bpilot, lambda: told(bob, "alice mentioned you on #"), "the mention")
        await service.request_approval(number, ["bob"], "Refund 20 EUR")
        await until(bpilot, lambda: told(bob, "asks your approval on #"), "the approval")
        await desk.service("lena").assign(number, "bob")
        await until(bpilot, lambda: told(bob, "lena assigned you on #"), "the assignment")
        await service.customer_message(number, "Still burning!")
        await until(bpilot, lambda: told(bob, "customer replied on #"), "the customer reply")
        await service.add_activity(
            number, "Call Pat", owner="bob", reminder=desk.clock() + timedelta(minutes=5)
        )
        await until(bpilot, lambda: bob.next_reminder is not None, "bob knows the reminder")
        desk.clock.advance(minutes=5)
        await until(bpilot, lambda: told(bob, "Reminder on #"), "the reminder fires")
        await until(bpilot, lambda: unread(bob) == 6, "six unread")
        assert unread(alice) == 0  # nothing of it is alice's

        # g i: the list, newest first, every one unread (● and bold).
        await bpilot.press("g", "i")
        await until(bpilot, lambda: isinstance(bob.screen, InboxScreen), "the inbox opens")
        await until(bpilot, lambda: len(rows(bob)) == 6, "six entries listed")
        assert all(row.startswith("● ") for row in rows(bob))
        assert "Reminder: task: Call Pat" in rows(bob)[0]
        assert "alice wrote: Lunch?" in rows(bob)[-1]

        async def open_row(index: int) -> TicketScreen:
            bob.screen.query_one("#inbox-list", OptionList).highlighted = index
            await bpilot.press("enter")
            await until(bpilot, lambda: isinstance(bob.screen, TicketScreen), "the ticket")
            ticket = bob.screen
            assert isinstance(ticket, TicketScreen)
            await settle(bpilot)
            return ticket

        ticket = await open_row(3)  # the approval: on the Approvals tab
        assert ticket.number == number
        assert ticket.query_one(TabbedContent).active == "tab-approvals"
        await bpilot.press("escape")
        await until(bpilot, lambda: isinstance(bob.screen, InboxScreen), "back in the inbox")
        await until(bpilot, lambda: not rows(bob)[3].startswith("● "), "marked read")
        assert unread(bob) == 5

        ticket = await open_row(4)  # the mention: at its comment
        assert ticket.query_one(TabbedContent).active == "tab-conversation"
        await bpilot.press("escape")
        ticket = await open_row(0)  # the reminder: on the Activities tab
        assert ticket.query_one(TabbedContent).active == "tab-activities"
        await bpilot.press("escape")
        await until(bpilot, lambda: isinstance(bob.screen, InboxScreen), "back in the inbox")

        bob.screen.query_one("#inbox-list", OptionList).highlighted = 5
        await bpilot.press("enter")  # the message: in full
        await until(bpilot, lambda: isinstance(bob.screen, PagerScreen), "the message")
        assert "At noon" in bob.screen.text
        await bpilot.press("escape")
        await until(bpilot, lambda: isinstance(bob.screen, InboxScreen), "back in the inbox")

        await bpilot.press("r")  # unread again
        await until(bpilot, lambda: unread(bob) == 3, "marked unread again")
        await bpilot.press("x")
        await until(bpilot, lambda: unread(bob) == 0, "all read")
        assert not any(row.startswith("● ") for row in rows(bob))
        assert await Inbox(desk.db, desk.actors["bob"], desk.clock).unread_count() == 0

        # The sent folder is alice's; a message is deleted for oneself.
        await bpilot.press("d")
        await until(bpilot, lambda: told(bob, "Deleted the message"), "deleted")
        await until(bpilot, lambda: len(rows(bob)) == 5, "the message's entry went")
        await apilot.press("g", "i")
        await until(apilot, lambda: isinstance(alice.screen, InboxScreen), "alice's inbox")
        await apilot.press("s")
        await until(apilot, lambda: any("Lunch?" in r for r in rows(alice)), "the sent folder")
    for app in (alice, bob):
        assert app.db is not None
        await app.db.dispose()


async def test_a_bad_recipient_is_said_in_the_form_and_the_text_kept(desk: Desk) -> None:
    number = await desk.ticket("alice")
    app = console_on(desk, "alice", desk.db.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(app, pilot)
        app.post_message(WriteMessage(number))
        await until(pilot, lambda: isinstance(app.screen, FormScreen), "the message form")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.form_title == f"Message about #{number}"
        for key in "ghost":
            await pilot.press(key)
        await pilot.press("tab")
        await pilot.press("S")
        await pilot.press("tab")
        for key in "Keep me":
            await pilot.press(key)
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: "Not an active agent: ghost" in str(form.query_one("#error-to").render()),
            "the error under To",
        )
        assert form.values()["body"] == "Keep me"
    assert app.db is not None
    await app.db.dispose()
