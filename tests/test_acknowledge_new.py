"""A ticket an agent opens (a phone call) asks whether to acknowledge it to the contact:
the new-ticket form's question (yes by default when the contact has an address and the
department sends acknowledgements; the agent's choice stands), and ``ticket create
--ack/--no-ack`` on the command line.  Snapshots of the form at 80x24 and 160x48."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from console.app import AgentConsole
from console.data.errors import BadValue
from console.data.models import Department
from console.data.outbox import MailSetup, Outbox
from console.screens.form import FormScreen
from tests.conftest import Desk, FixedClock
from tests.smtp_server import free_port
from tests.test_cli import CLI, cli
from tests.test_console import console_as, settle, sqlite_only, start
from tests.test_console_mail_out import MAIL_SETTINGS, SIZES
from tests.test_mail_out_cli import configure
from tests.test_snapshots import demo_db, login

__all__ = ["cli", "demo_db", "login"]  # the fixtures

SETUP = MailSetup(configured=True, sender="desk@help.example", domain="help.example")


async def no_ack(desk: Desk, name: str) -> None:
    async with desk.db.write() as session:
        dept = (
            await session.execute(select(Department).where(Department.name == name))
        ).scalar_one()
        dept.ack_enabled = False


def ticked(form: object) -> bool:
    return bool(form.query_one("#field-acknowledge", Checkbox).value)  # type: ignore[attr-defined]


def alice_with_mail(desk: Desk) -> AgentConsole:
    """The console of alice, a mail server configured."""
    desk.mail = SETUP
    return console_as(desk, "alice", settings=MAIL_SETTINGS)


async def open_form(app: AgentConsole, pilot: Pilot[None]) -> FormScreen:
    await start(app, pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(app.screen, FormScreen)
    return app.screen


@sqlite_only
async def test_the_form_acknowledges_a_caller_with_an_address(desk: Desk) -> None:
    app = alice_with_mail(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        assert not ticked(form)  # no address yet
        form.query_one("#field-subject", Input).value = "Printer jammed"
        form.query_one("#field-contact_name", Input).value = "Pat Customer"
        form.query_one("#field-contact_email", Input).value = "pat@acme.example"
        await settle(pilot)
        assert ticked(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    [ack] = await Outbox(desk.db).listing()
    assert (ack.kind, ack.to, ack.state) == ("acknowledgement", "pat@acme.example", "queued")
    assert f"[#{ack.ticket_number}]" in ack.subject


@sqlite_only
async def test_the_agents_no_stands_and_a_department_without_acks_is_not_ticked(
    desk: Desk,
) -> None:
    await no_ack(desk, "Network")
    app = alice_with_mail(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        form.query_one("#field-contact_email", Input).value = "pat@acme.example"
        await settle(pilot)
        assert ticked(form)
        form.query_one("#field-department", Select).value = "Network"
        await settle(pilot)
        assert not ticked(form)  # Network sends no acknowledgements
        form.query_one("#field-department", Select).value = "Billing"
        await settle(pilot)
        assert ticked(form)
        form.query_one("#field-acknowledge", Checkbox).value = False  # the agent says no
        await settle(pilot)
        form.query_one("#field-contact_email", Input).value = "pat.c@acme.example"
        await settle(pilot)
        assert not ticked(form)  # ... and it stays no
        form.query_one("#field-subject", Input).value = "Call about the invoice"
        form.query_one("#field-contact_name", Input).value = "Pat Customer"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    assert await Outbox(desk.db).listing() == []


@sqlite_only
async def test_ticking_it_without_an_address_is_said_in_the_form(desk: Desk) -> None:
    app = alice_with_mail(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot)
        form.query_one("#field-subject", Input).value = "Walk-in"
        form.query_one("#field-contact_name", Input).value = "Sam Nobody"
        form.query_one("#field-acknowledge", Checkbox).value = True
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # nothing created, everything kept
        said = str(form.query_one("#error-acknowledge").render())
        assert "The acknowledgement needs the contact's email address" in said
        assert form.query_one("#field-subject", Input).value == "Walk-in"


async def test_the_service_default_and_refusal(desk: Desk) -> None:
    """``acknowledge=None``: yes when the contact has an address (both backends)."""
    desk.mail = SETUP
    alice = desk.service("alice")
    with_address = await alice.create(
        subject="Call", contact_name="Pat", contact_email="pat@acme.example", acknowledge=None
    )
    await alice.create(subject="Call", contact_name="Walk-in caller", acknowledge=None)
    with pytest.raises(BadValue, match="needs the contact's email address"):
        await alice.create(subject="Call", contact_name="Walk-in caller", acknowledge=True)
    mails = await Outbox(desk.db).listing()
    assert [(m.ticket_number, m.kind) for m in mails] == [(with_address.number, "acknowledgement")]


def test_ticket_create_ack_and_no_ack(cli: CLI) -> None:
    configure(free_port())  # a mail server configured (nothing is sent here)

    def create(*extra: str) -> int:
        code, _, err = cli(
            "ticket", "create", "--subject", "Phone call", "--contact-name", "Pat",
            "--channel", "Phone", "--department", "Billing", *extra, login="alice",
        )  # fmt: skip
        assert code == 0, err
        return code

    assert create("--contact-email", "pat@acme.example") == 0
    assert create("--contact-email", "pat@acme.example", "--no-ack") == 0
    assert create("--ack", "--contact-email", "sam@acme.example") == 0
    mails = cli.json("mail", "outbox")
    assert [(m["ticket_number"], m["kind"]) for m in mails] == [  # type: ignore[union-attr]
        (1003, "acknowledgement"),
        (1001, "acknowledgement"),
    ]
    code, _, err = cli(
        "ticket", "create", "--subject", "Walk-in", "--contact-name", "Sam", "--ack",
        login="alice",
    )  # fmt: skip
    assert code == 1 and "needs the contact's email address" in err
    with pytest.raises(SystemExit) as usage:  # one or the other
        cli("ticket", "create", "--subject", "x", "--contact-name", "Sam", "--ack", "--no-ack")
    assert usage.value.code == 2


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_ticket_form_with_the_question_snapshot(
    snap_compare: object, demo_db: Path, size: tuple[int, int]
) -> None:
    """The new-ticket form for a caller with an address, the question ticked."""
    app = AgentConsole(MAIL_SETTINGS, str(demo_db), "maya", clock=FixedClock(), watch=False)

    async def fill(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("ctrl+n")
        await settle(pilot, 0.3)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-subject", Input).value = "Phone: printer jammed"
        form.query_one("#field-contact_name", Input).value = "Carmen Rossi"
        form.query_one("#field-contact_email", Input).value = "carmen.rossi@northwind.example"
        await settle(pilot)
        form.query_one("#field-acknowledge").focus()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=fill)  # type: ignore[operator]
