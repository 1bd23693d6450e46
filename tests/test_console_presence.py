"""Who else is on a ticket, seen from two consoles on one database (SQLite and
PostgreSQL): the queue row's marker and the detail's line, the replying marker, the
"someone is replying" question, expiry, a clean exit; and the stale-send block (a
customer's mail arriving while the reply form is open)."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

import console.app
from console.app import AgentConsole
from console.data.models import Message, Presence
from console.data.presence import REPLYING, PresenceBoard
from console.screens.form import ConfirmScreen, FormScreen, StaleSendScreen
from console.widgets.ticket_detail import TicketDetailView
from tests.conftest import Desk
from tests.test_console import console_as, goto, queue_desk, queue_lines, settle, start, until
from tests.test_presence import counts

pytestmark = pytest.mark.usefixtures("login_root")
both = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
WIDE = (160, 48)


@pytest.fixture
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


def row_of(app: AgentConsole, number: int) -> str:
    """The queue line of a ticket ("" when it is not shown)."""
    return next((line for line in queue_lines(app) if f" {number} " in line), "")


def presence_line(app: AgentConsole) -> str:
    """What the detail says of the others on its ticket ("" when nobody is)."""
    view = app.screen.query_one(TicketDetailView)
    line = view.query_one("#detail-presence", Static)
    return str(line.render()) if line.display else ""


async def history_and_version(desk: Desk, number: int) -> tuple[int, int]:
    """The ticket's history length and version."""
    events, version, _count = await counts(desk, number)
    return events, version


async def stable(pilot: Pilot[None]) -> None:
    await settle(pilot, 0.1)


async def replies(desk: Desk) -> list[str]:
    """The replies' texts in the database, oldest first."""
    async with desk.db.read() as session:
        found = await session.execute(
            select(Message.body).where(Message.kind == "reply").order_by(Message.id)
        )
        return list(found.scalars())


async def reply_then_meanwhile(
    app: AgentConsole, pilot: Pilot[None], number: int, typed: str, meanwhile: Awaitable[object]
) -> str:
    """Open the reply form on ``number``, type, let ``meanwhile`` happen (someone else
    writes), press ctrl+s: the stale-send block must show; returns all it says."""
    await start(app, pilot)
    await goto(pilot, number)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, FormScreen), "the reply form")
    await pilot.press(*typed)
    await meanwhile
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, StaleSendScreen), "the block")
    return " ".join(str(s.render()) for s in app.screen.query(Static))


@both
async def test_two_consoles_see_each_other_on_a_ticket(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    target = numbers[1]
    before = await history_and_version(desk, target)
    alice, bob = console_as(desk, "alice", watch=True), console_as(desk, "bob", watch=True)
    async with bob.run_test(size=WIDE) as pb:
        async with alice.run_test(size=WIDE) as pa:
            await start(alice, pa)
            await start(bob, pb)
            assert "alice" not in row_of(bob, target)

            # alice's detail pane shows the ticket: bob's row says she is viewing it.
            await goto(pa, target)
            await until(pb, lambda: "👁 alice" in row_of(bob, target), "bob sees alice viewing")
            await goto(pb, target)
            await until(pb, lambda: "alice is viewing" in presence_line(bob), "the detail's line")
            await until(pa, lambda: "👁 bob" in row_of(alice, target), "alice sees bob")

            # alice opens the reply form: bob sees her replying.
            await pa.press("r")
            await until(pa, lambda: isinstance(alice.screen, FormScreen), "the reply form")
            await pa.press(*"Half a reply")
            await until(pb, lambda: "✎ alice" in row_of(bob, target), "the replying marker")
            await until(pb, lambda: "alice is replying, since" in presence_line(bob), "replying")

            # bob presses r too: he is told first, and "no" opens nothing.
            await pb.press("r")
            await until(pb, lambda: isinstance(bob.screen, ConfirmScreen), "the question")
            question = str(bob.screen.query_one(".confirm-question", Static).render())
            assert "alice (since " in question and f"is replying on #{target} already" in question
            assert "Write a reply as well?" in question
            await pb.press("n")
            await stable(pb)
            assert not isinstance(bob.screen, (ConfirmScreen, FormScreen))
            # ...and "yes" opens his own reply form.
            await pb.press("r")
            await until(pb, lambda: isinstance(bob.screen, ConfirmScreen), "the question again")
            await pb.press("y")
            await until(pb, lambda: isinstance(bob.screen, FormScreen), "bob's reply form")
            await pb.press("escape")
            await until(pb, lambda: not isinstance(bob.screen, FormScreen), "bob's form closed")

            # alice's typed text was never touched; esc, discard: she is viewing again.
            assert alice.screen.query_one("#field-body", TextArea).text == "Half a reply"
            await pa.press("escape", "y")
            await until(pa, lambda: not isinstance(alice.screen, FormScreen), "alice's form closed")
            await until(pb, lambda: "👁 alice" in row_of(bob, target), "viewing again")

            # None of it is history or a new version of the ticket.
            assert await history_and_version(desk, target) == before

        # A clean exit: her row goes at once, and bob's console shows it.
        await until(pb, lambda: "alice" not in row_of(bob, target), "alice gone")
        assert presence_line(bob) == ""
    async with desk.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Presence))).scalar() == 0


@both
async def test_a_killed_console_drops_out_of_presence(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A console killed with kill -9 says nothing more: its row stays, its heartbeat gets
    old, and the others stop showing it once it is past the expiry."""
    numbers = await queue_desk(desk)
    target = numbers[1]
    # The killed console: its last words, as a console writes them.
    killed = PresenceBoard(desk.db, desk.actors["lena"], clock=desk.clock)
    await killed.say(target, REPLYING)
    # Bob's console looks again as soon as the oldest row could have expired.
    monkeypatch.setattr(console.app, "EXPIRY_SECONDS", 0.0)
    bob = console_as(desk, "bob", watch=True)
    async with bob.run_test(size=WIDE) as pb:
        await start(bob, pb)
        await until(pb, lambda: "✎ lena" in row_of(bob, target), "lena replying")
        # No heartbeat comes for longer than the expiry: she drops out, with no commit
        # to tell anyone (a killed console sends nothing).
        desk.clock.advance(seconds=30)
        await until(pb, lambda: "lena" not in row_of(bob, target), "lena expired", most=10)


@both
async def test_a_customer_mail_while_replying_stops_the_send(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    target = numbers[1]
    alice = console_as(desk, "alice", watch=True)
    async with alice.run_test(size=WIDE) as pilot:
        # The customer writes meanwhile (the mail importer would do the same).
        customer = desk.service("bob").customer_message(target, "It works again, thanks!")
        shown = await reply_then_meanwhile(
            alice, pilot, target, "Please restart the router", customer
        )
        assert "It works again, thanks!" in shown and "Pat Customer" in shown
        assert "Send yours anyway?" in shown
        # Back to the form: nothing was sent, the text is kept, and the form says why.
        await pilot.press("n")
        await until(pilot, lambda: isinstance(alice.screen, FormScreen), "back in the form")
        form = alice.screen
        assert form.query_one("#field-body", TextArea).text == "Please restart the router"
        error = str(form.query_one("#form-error", Static).render())
        assert "Not sent" in error and "the customer wrote" in error
        assert await replies(desk) == []
        # Read it: a second ctrl+s sends the text as it is.
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(alice.screen, FormScreen), "sent")
    assert await replies(desk) == ["Please restart the router"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_send_anyway_from_the_block(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    target = numbers[1]
    alice = console_as(desk, "alice")
    async with alice.run_test(size=WIDE) as pilot:
        lena = desk.service("lena").reply(target, "I have this one.")
        shown = await reply_then_meanwhile(alice, pilot, target, "On my way", lena)
        assert "lena" in shown and "I have this one." in shown
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(alice.screen, FormScreen), "sent anyway")
    assert await replies(desk) == ["I have this one.", "On my way"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_enter_in_the_block_goes_back_to_the_text(desk: Desk) -> None:
    """An enter typed on from the form is no answer to send: only a deliberate y sends."""
    numbers = await queue_desk(desk)
    target = numbers[1]
    alice = console_as(desk, "alice")
    async with alice.run_test(size=WIDE) as pilot:
        lena = desk.service("lena").reply(target, "I have this one.")
        await reply_then_meanwhile(alice, pilot, target, "On my way", lena)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(alice.screen, FormScreen), "back to the form")
        assert alice.screen.query_one(TextArea).text == "On my way"
        assert await replies(desk) == ["I have this one."]
        await pilot.press("ctrl+s")  # seen now: the second ctrl+s sends
        await until(pilot, lambda: not isinstance(alice.screen, FormScreen), "sent")
    assert await replies(desk) == ["I have this one.", "On my way"]
