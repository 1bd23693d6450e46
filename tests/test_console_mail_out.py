"""The reply form mails the customer: To prefilled, Cc checked where it is typed, the
ticket's attachments to include, send and close; the conversation shows each mail's
delivery.  Snapshots of the form at 80x24 and 160x48."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.app import AgentConsole
from console.config import Settings, SmtpSettings
from console.data.errors import NotFound, Refused
from console.data.outbox import MailSetup, Outbox
from console.mail.sender import send_outbox
from console.mail.smtp import Server
from console.screens.form import FormScreen
from tests.conftest import Desk, FixedClock
from tests.smtp_server import loopback_smtp
from tests.test_console import console_as, goto, notices, settle, sqlite_only, start
from tests.test_snapshots import demo_db, login

__all__ = ["demo_db", "login"]  # the fixtures, shared with the other snapshots

MAIL_SETTINGS = Settings(smtp=SmtpSettings("127.0.0.1", 25, "none", None, "desk@help.example"))


def field_error(app: object, name: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one(f"#error-{name}").render())


async def open_reply(app: object, pilot: Pilot[None], number: int) -> FormScreen:
    await start(app, pilot)  # type: ignore[arg-type]
    await goto(pilot, number)
    await pilot.press("r")
    await settle(pilot)
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, FormScreen)
    return screen


@sqlite_only
async def test_the_reply_form_mails_the_contact_and_shows_its_delivery(desk: Desk) -> None:
    desk.mail = MailSetup(configured=True, sender="desk@help.example", domain="help.example")
    number = await desk.ticket(subject="Printer")
    await desk.service("alice").attach_bytes(number, "log.txt", b"x", media_type="text/plain")
    app = console_as(desk, "alice", settings=MAIL_SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_reply(app, pilot, number)
        assert form.query_one("#field-to", Input).value == "Pat Customer <pat@acme.example>"
        assert form.query_one("#field-body", TextArea).has_focus
        await pilot.press(*"Pull the plug.")
        form.query_one("#field-cc", Input).value = "lena@"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # refused where it was typed, text kept
        assert "'lena@' is not an address like name@example.com." in field_error(app, "cc")
        assert app.screen.query_one("#field-body", TextArea).text == "Pull the plug."
        app.screen.query_one("#field-cc", Input).value = "Lena <lena@acme.example>"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        # The agent is told at once what became of the mail, whatever the pane shows.
        assert f"Replied to #{number}: mail queued." in notices(app)
        detail = await desk.service("alice").queries.detail(number)
        [reply] = [m for m in detail.messages if m.kind == "reply"]
        assert reply.outgoing is not None and reply.outgoing.state == "queued"
        assert reply.outgoing.to == "pat@acme.example,lena@acme.example"
        await pilot.press("enter")
        await settle(pilot)
        shown = str(app.screen.query_one("#body-conversation").render())
        assert "to pat@acme.example, lena@acme.example  … queued" in shown
        for handler, port in loopback_smtp():
            await send_outbox(desk.db, Server("127.0.0.1", port, "none"), clock=desk.clock)
            assert len(handler.received) == 1
        await pilot.press("ctrl+r")
        await settle(pilot)
        shown = str(app.screen.query_one("#body-conversation").render())
        assert "✓ sent 09:00" in shown


@sqlite_only
async def test_without_a_mail_server_the_form_says_so_and_send_and_close(desk: Desk) -> None:
    number = await desk.ticket(subject="Printer")
    await desk.service("alice").pick_up(number)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_reply(app, pilot, number)
        help_texts = " ".join(str(h.render()) for h in form.query(".field-help"))
        assert "No mail server is configured ([smtp]): the reply is stored" in help_texts
        await pilot.press(*"Done, closing.")
        form.query_one("#field-close").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(number)
        assert detail.ticket.status == "Closed"
        [reply] = [m for m in detail.messages if m.kind == "reply"]
        assert reply.outgoing is not None
        assert reply.outgoing.detail == "not sent: no mail server configured"
        assert f"Replied to #{number}: not sent: no mail server configured." in notices(app)


SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reply_form_snapshot(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    """The reply form on a demo ticket: the body, To prefilled with the contact, Cc,
    the ticket's attachments to include and "close once sent"."""
    app = AgentConsole(MAIL_SETTINGS, str(demo_db), "maya", clock=FixedClock(), watch=False)

    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("j")
        await settle(pilot, 0.3)  # the detail beside the queue follows the cursor first
        await pilot.press("r")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"We are on it.")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_form)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reply_form_without_a_mail_server_snapshot(
    snap_compare: object, demo_db: Path, size: tuple[int, int]
) -> None:
    """Before anything is typed, the form says the reply will not be sent."""
    app = AgentConsole(Settings(), str(demo_db), "maya", clock=FixedClock(), watch=False)

    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("j")
        await settle(pilot, 0.3)  # the detail beside the queue follows the cursor first
        await pilot.press("r")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, FormScreen)

    assert snap_compare(app, terminal_size=size, run_before=open_form)  # type: ignore[operator]


async def failed_reply(desk: Desk) -> int:
    """A ticket whose reply the server refused for good (550)."""
    desk.mail = MailSetup(configured=True, sender="desk@help.example", domain="help.example")
    number = await desk.ticket(subject="Printer")
    await desk.service("alice").reply(number, "Pull the plug.")
    for handler, port in loopback_smtp():
        handler.mode = "550"
        report = await send_outbox(desk.db, Server("127.0.0.1", port, "none"), clock=desk.clock)
        assert report.failed == 1
    return number


def shown_choice(form: object) -> str:
    """What the mail picker of the form shows as chosen."""
    return str(form.query_one("#field-mail #label").render())  # type: ignore[attr-defined]


def conversation(app: object) -> str:
    return str(app.screen.query_one("#body-conversation").render())  # type: ignore[attr-defined]


async def test_a_failed_mail_is_retried_and_cancelled_from_the_conversation(desk: Desk) -> None:
    """``Y`` on a ticket with a failed mail puts it back in the outbox (the conversation
    then says queued); on a queued one it cancels it; history says who did it."""
    number = await failed_reply(desk)
    app = console_as(desk, "alice", settings=MAIL_SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        assert "✗ failed: 550 5.1.1 Mailbox unavailable  (Y retries)" in conversation(app)
        await pilot.press("Y")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "Retry mail" in shown_choice(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "… queued" in conversation(app)
        assert "(Y retries)" not in conversation(app)
        [row] = await Outbox(desk.db).listing()
        assert (row.state, row.tries) == ("queued", 0)
        # Queued (the server still down, say): the same key cancels it.
        await pilot.press("Y")
        await settle(pilot)
        assert "Cancel mail" in shown_choice(app.screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cancelled" in conversation(app)
        assert (await Outbox(desk.db).get(row.id)).state == "cancelled"
        # Nothing left to retry or cancel: the key says so and opens nothing.
        await pilot.press("Y")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    events = [e for e in (await desk.service("alice").queries.detail(number)).history]
    said = [(e.actor, e.new) for e in events if e.action == "mail"]
    assert ("alice", f"mail {row.id} to pat@acme.example queued again") in said
    assert ("alice", f"mail {row.id} to pat@acme.example cancelled") in said


async def test_retry_mail_refuses_a_mail_of_another_ticket_and_a_sent_one(desk: Desk) -> None:
    number = await failed_reply(desk)
    other = await desk.ticket(subject="Other")
    [row] = await Outbox(desk.db).listing()
    alice = desk.service("alice")
    with pytest.raises(NotFound):
        await alice.retry_mail(other, row.id)
    with pytest.raises(Refused, match="Only a queued mail can be cancelled"):
        await alice.retry_mail(number, row.id, cancel=True)
    await alice.retry_mail(number, row.id)
    with pytest.raises(Refused, match="is queued already"):
        await alice.retry_mail(number, row.id)


@sqlite_only
async def test_alt_s_sends_and_closes(desk: Desk) -> None:
    """The reply form's second key sends and closes; its button names the key."""
    number = await desk.ticket(subject="Printer")
    await desk.service("alice").pick_up(number)
    app = console_as(desk, "alice", settings=MAIL_SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_reply(app, pilot, number)
        assert "Send and close (alt+s)" in str(form.query_one("#form-submit-close").render())
        await pilot.press(*"Done, closing.")
        # As a terminal delivers it (ESC s): a key that carries the character "s", which
        # the text field must not take as typed.
        app.post_message(events.Key("alt+s", "s"))
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    detail = await desk.service("alice").queries.detail(number)
    assert detail.ticket.status == "Closed"
    assert [m.body for m in detail.messages if m.kind == "reply"] == ["Done, closing."]


@sqlite_only
async def test_comment_form_has_no_send_and_close(desk: Desk) -> None:
    number = await desk.ticket(subject="Printer")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert not app.screen.query("#form-submit-close")
        await pilot.press(*"Internal.", "alt+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # nothing sent, nothing closed
    assert (await desk.service("alice").queries.ticket(number)).status != "Closed"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_retry_mail_form_snapshot(
    snap_compare: object, demo_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    """``Y`` on a demo ticket whose reply the server refused: the failed mail offered
    first, to be sent again."""
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_db.read_bytes())  # this one changes the data
    app = AgentConsole(MAIL_SETTINGS, str(copy), "maya", clock=FixedClock(), watch=False)

    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("j")
        await settle(pilot, 0.3)
        current = app.screen.current_ticket()  # type: ignore[attr-defined]
        await app.service.reply(current[0], "We are on it.")
        [mail] = await Outbox(app.service.db).listing(state="queued")
        await Outbox(app.service.db).failed(mail.id, "550 5.1.1 Mailbox unavailable")
        await pilot.press("ctrl+r")
        await settle(pilot, 0.3)
        await pilot.press("home")  # replied to, it is the latest updated now
        await settle(pilot, 0.3)
        assert app.screen.current_ticket()[0] == current[0]  # type: ignore[attr-defined]
        await pilot.press("Y")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, FormScreen), [n.message for n in app._notifications]

    assert snap_compare(app, terminal_size=size, run_before=open_form)  # type: ignore[operator]
