"""The reply form mails the customer: To prefilled, Cc checked where it is typed, the
ticket's attachments to include, send and close; the conversation shows each mail's
delivery.  Snapshots of the form at 80x24 and 160x48."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.app import AgentConsole
from console.config import Settings, SmtpSettings
from console.data.outbox import MailSetup
from console.mail.sender import send_outbox
from console.mail.smtp import Server
from console.screens.form import FormScreen
from tests.conftest import Desk, FixedClock
from tests.smtp_server import loopback_smtp
from tests.test_console import console_as, goto, settle, sqlite_only, start
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
