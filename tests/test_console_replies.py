"""Reply to all, forward and the split picker in the console: the keys, the forms, what
the conversation and the database then say.  Snapshots of the forward form, the reply
form with "reply to all" and the split picker at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.app import AgentConsole
from console.config import Mailbox, Settings, SmtpSettings
from console.data.db import make_engine
from console.data.schema import ensure_schema
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.ticket import TicketScreen
from console.widgets.tick_box import TickBox
from tests.conftest import Desk, FixedClock
from tests.test_console import console_as, goto, notices, settle, sqlite_only, start, until
from tests.test_replies import EVERYONE, SETUP, mailed_ticket, raw_mail
from tests.test_snapshots import login

__all__ = ["login"]  # the fixture: the snapshots run as root

SETTINGS = Settings(
    smtp=SmtpSettings("127.0.0.1", 25, "none", None, "desk@help.example"),
    mail_domain="help.example",
    mailboxes=[Mailbox("Billing", maildir=Path("/nonexistent"), address="inbox@help.example")],
)
CC = "Boss <boss@acme.example>, billing@help.example"


async def build_ticket(desk: Desk) -> int:
    """A ticket made from Pat's mail to several people, answered, with a comment and a
    log file; alice owns it."""
    number = await mailed_ticket(desk, raw_mail("The printer smokes.", to=EVERYONE, cc=CC))
    desk.mail = SETUP
    alice = desk.service("alice")
    await alice.pick_up(number)
    desk.clock.advance(minutes=5)
    await alice.reply(number, "Unplug it, please.")
    desk.clock.advance(minutes=5)
    await alice.comment(number, "Internal: a second printer in the same room.")
    await alice.attach_bytes(number, "printer.log", b"E42 fuser", media_type="text/plain")
    return number


def screen_text(app: AgentConsole, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def field_error(app: AgentConsole, name: str) -> str:
    return screen_text(app, f"#error-{name}")


async def open_form(app: AgentConsole, pilot: Pilot[None], number: int, key: str) -> FormScreen:
    await start(app, pilot)
    await goto(pilot, number)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, FormScreen), f"the form of {key}")
    await settle(pilot)
    assert isinstance(app.screen, FormScreen)
    return app.screen


@sqlite_only
async def test_reply_to_all_names_whom_it_adds_and_mails_them(desk: Desk) -> None:
    number = await build_ticket(desk)
    app = console_as(desk, "alice", settings=SETTINGS)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(app, pilot, number, "r")
        switch = form.query_one("#field-to_all", TickBox)
        assert str(switch.label) == "Reply to all"
        helps = [str(h.render()) for h in form.query(".field-help")]
        assert "Adds To: Jo Doe <jo@acme.example> · Cc: Boss <boss@acme.example>" in helps
        await pilot.press(*"Both printers: unplug them.")
        switch.focus()
        await pilot.press("space")
        assert switch.value
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, FormScreen), "the reply sent")
        await settle(pilot)
        shown = screen_text(app, "#body-conversation")
        assert "To: Pat Customer <pat@acme.example>, Jo Doe <jo@acme.example>" in shown
        assert "Cc: Boss <boss@acme.example>" in shown
    detail = await desk.service("alice").queries.detail(number)
    last = detail.messages[-1]
    assert (last.kind, last.body) == ("reply", "Both printers: unplug them.")
    assert last.to == ("Pat Customer <pat@acme.example>", "Jo Doe <jo@acme.example>")
    assert last.cc == ("Boss <boss@acme.example>",)
    assert last.outgoing is not None and last.outgoing.state == "queued"


@sqlite_only
async def test_forward_form_refuses_bad_addresses_then_forwards_with_the_file(
    desk: Desk,
) -> None:
    number = await build_ticket(desk)
    app = console_as(desk, "alice", settings=SETTINGS)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(app, pilot, number, "F")
        to = form.query_one("#field-to", Input)
        assert to.has_focus
        await pilot.press(*"vendor")
        form.query_one("#field-note", TextArea).text = "Fuser error E42, see the log."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'vendor' is not an address like name@example.com." in field_error(app, "to")
        to.value = "inbox@help.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "inbox@help.example is one of our own addresses" in field_error(app, "to")
        assert form.query_one("#field-note", TextArea).text == "Fuser error E42, see the log."
        to.value = "Vendor Support <help@vendor.example>"
        [attach] = [box for box in form.query(TickBox) if box.id and "attach-" in box.id]
        assert str(attach.label) == "Include printer.log (9 bytes)"
        attach.value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, FormScreen), "the forward sent")
        await settle(pilot)
        assert f"Forwarded #{number} to help@vendor.example." in notices(app)
        shown = screen_text(app, "#body-conversation")
        assert "FORWARD · to a third party  alice" in shown
        assert "To: Vendor Support <help@vendor.example>" in shown
        assert "mail 2 to help@vendor.example  … queued" in shown
        assert "Fuser error E42, see the log." in shown
    detail = await desk.service("alice").queries.detail(number)
    [forward] = [m for m in detail.messages if m.kind == "forward"]
    assert forward.to == ("Vendor Support <help@vendor.example>",)
    [event] = [e for e in detail.history if e.action == "forward"]
    assert event.new == "help@vendor.example with printer.log"


@sqlite_only
async def test_split_picker_moves_the_ticked_messages_and_opens_the_new_ticket(
    desk: Desk,
) -> None:
    number = await build_ticket(desk)
    app = console_as(desk, "alice", settings=SETTINGS)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(app, pilot, number, "K")
        boxes = list(form.query(TickBox))
        labels = [str(box.label) for box in boxes]
        assert labels == [
            "2026-03-02 09:00  CUSTOMER Pat Customer: The printer smokes.",
            "2026-03-02 09:05  REPLY    alice: Unplug it, please.",
            "2026-03-02 09:10  COMMENT  alice: Internal: a second printer in the same room.",
        ]
        assert boxes[0].has_focus
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose the messages to move" in screen_text(app, "#form-error")
        for box in boxes:
            box.value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Leave at least one message on #{number}" in screen_text(app, "#form-error")
        boxes[0].value = False
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the offer to open it")
        question = screen_text(app, ".confirm-question")
        new = number + 1
        assert question == f"Moved 2 messages of #{number} into a new ticket, #{new}. Open it?"
        await pilot.press("y")
        await until(
            pilot,
            lambda: isinstance(app.screen, TicketScreen) and app.screen.number == new,
            "the new ticket open",
        )
        await settle(pilot)
        # The form is gone from under the new ticket: esc goes back to the old one.
        assert not [screen for screen in app.screen_stack if isinstance(screen, FormScreen)]
        shown = screen_text(app, "#body-conversation")
        assert "Unplug it, please." in shown and "The printer smokes." not in shown
        await pilot.press("escape")
        await until(
            pilot,
            lambda: isinstance(app.screen, TicketScreen) and app.screen.number == number,
            "back on the old ticket",
        )
    service = desk.service("alice")
    old, moved = await service.queries.detail(number), await service.queries.detail(new)
    assert [m.body for m in old.messages] == ["The printer smokes."]
    assert (moved.ticket.contact, moved.ticket.account) == (old.ticket.contact, old.ticket.account)
    assert [e.new for e in moved.history if e.action == "split"] == [f"#{number}"]
    assert any(e.new and e.new.startswith(f"#{new} (2 messages") for e in old.history)


@sqlite_only
async def test_split_is_for_the_owner_or_a_lead(desk: Desk) -> None:
    number = await build_ticket(desk)
    app = console_as(desk, "bob", settings=SETTINGS)
    async with app.run_test(size=(120, 50)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("K")
        await until(pilot, lambda: bool(notices(app)), "a notice")
        assert not isinstance(app.screen, FormScreen)
        assert notices(app)[-1] == f"Split of #{number} is for its owner (alice) or a lead."


# -- snapshots -------------------------------------------------------------------------

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small desk with the ticket of ``build_ticket`` (#1001)."""
    path = tmp_path_factory.mktemp("replies") / "desk.db"

    async def build() -> None:
        db = make_engine(f"sqlite+aiosqlite:///{path}")
        await ensure_schema(db)
        await build_ticket(await Desk(db, FixedClock()).build())
        await db.dispose()

    asyncio.run(build())
    return path


def snapshot_app(desk_db: Path) -> AgentConsole:
    return AgentConsole(SETTINGS, str(desk_db), "alice", clock=FixedClock(), watch=False)


async def open_on_ticket(pilot: Pilot[None], key: str) -> None:
    await settle(pilot, 0.3)
    await goto(pilot, 1001)
    await settle(pilot, 0.3)  # the detail beside the queue follows the cursor first
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, FormScreen), f"the form of {key}")
    await settle(pilot, 0.3)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_forward_form_snapshot(snap_compare: object, desk_db: Path, size: tuple[int, int]) -> None:
    """The forward form: To, the note above the quoted conversation, the file to include."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_on_ticket(pilot, "F")
        await pilot.press(*"help@vendor.example")
        await settle(pilot)

    assert snap_compare(snapshot_app(desk_db), terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reply_form_to_all_snapshot(
    snap_compare: object, desk_db: Path, size: tuple[int, int]
) -> None:
    """The reply form with "reply to all" ticked: it names whom it adds."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_on_ticket(pilot, "r")
        await pilot.press(*"We are on it.")
        switch = pilot.app.screen.query_one("#field-to_all", TickBox)
        switch.value = True
        switch.focus()
        await settle(pilot)

    assert snap_compare(snapshot_app(desk_db), terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_split_picker_snapshot(snap_compare: object, desk_db: Path, size: tuple[int, int]) -> None:
    """The split picker: one line per message, the reply ticked."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_on_ticket(pilot, "K")
        await pilot.press("tab", "space")
        await settle(pilot)

    assert snap_compare(snapshot_app(desk_db), terminal_size=size, run_before=run_before)  # type: ignore[operator]
