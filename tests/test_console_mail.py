"""The console's side of mail in: the conversation shows each mail's From/To/Cc and why it
joined the ticket, and X splits a wrongly threaded mail off into a new ticket."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.app import AgentConsole
from console.config import Settings
from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.mail import MailIntake
from console.data.schema import ensure_schema
from console.mail.parse import parse
from console.screens.form import FormScreen
from console.screens.ticket import TicketScreen
from tests.conftest import NOW, Desk, FixedClock
from tests.test_console import console_as, goto, notices, settle, sqlite_only, start

CORPUS = Path(__file__).with_name("mail")
SIZES = [(80, 24), (160, 48)]


async def mail_desk(intake: MailIntake, names: list[str]) -> None:
    for name in names:
        raw = (CORPUS / name).read_bytes()
        await intake.take(parse(raw), raw, name, department="Billing")


def conversation(app: AgentConsole) -> str:
    pane = app.screen.query_one("#tab-conversation")
    return "\n".join(str(s.render()) for s in pane.query("Static"))


@sqlite_only
async def test_the_conversation_shows_who_wrote_to_whom_and_why_it_joined(desk: Desk) -> None:
    await mail_desk(
        MailIntake(desk.db, clock=desk.clock),
        ["01-new-plain.eml", "02-reply-by-references-only.eml", "13-out-of-office.eml"],
    )
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, 1001)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        text = conversation(app)
    assert "From: Pat Customer <pat@acme.example>" in text
    assert "To: Billing Desk <billing@desk.example>" in text
    assert "joined: References matched the customer's mail of 02 Mar 09:00" in text
    assert (
        "joined: In-Reply-To matched the customer's mail of 02 Mar 09:00 · automatic mail "
        "(never reopens or unassigns)"
    ) in text


@sqlite_only
async def test_b_splits_a_wrongly_threaded_mail_off_into_a_new_ticket(desk: Desk) -> None:
    await mail_desk(
        MailIntake(desk.db, clock=desk.clock),
        ["01-new-plain.eml", "02-reply-by-references-only.eml"],
    )
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, 1001)
        await pilot.press("B")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen), notices(app)
        await pilot.press("ctrl+s")  # the mail that joined by References is offered first
        await settle(pilot)
        assert "Split the mail off #1001 into a new ticket, #1002." in notices(app)
    q = desk.service("alice").queries
    old, new = await q.detail(1001), await q.detail(1002)
    assert [m.body for m in old.messages] == [
        "The printer on floor 2 is smoking again.\nPlease send someone."
    ]
    assert (new.ticket.subject, new.ticket.contact, new.ticket.department) == (
        "smoke again (no Re:, no tag)",
        "Pat Customer",
        "Billing",
    )
    assert [(m.body, m.threaded_by) for m in new.messages] == [
        ("It is still smoking, now with flames.", None)
    ]
    assert old.history[0].action == "split" and new.history[-1].action == "create"


@pytest.fixture(scope="module")
def mail_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mail-snapshots") / "mail.db"

    async def build() -> None:
        db = make_engine(path)
        await ensure_schema(db)
        clock = FixedClock(NOW)
        root = await resolve_actor(db, login="root", clock=clock)
        directory = Directory(db, root, clock)
        await directory.add_department("Billing", email="billing@desk.example")
        await directory.add_agent("maya", role="agent", departments=["Billing"])
        await mail_desk(
            MailIntake(db, clock=clock),
            [
                "01-new-plain.eml",
                "02-reply-by-references-only.eml",
                "13-out-of-office.eml",
                "08-encoded-word-crlf-esc.eml",
            ],
        )
        await db.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(autouse=True)
def login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


SCREENS = {"split_form": ("G", "B"), "threaded_conversation": ("G", "enter")}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_mail_screens(
    snap_compare: object, mail_db: Path, screen: str, size: tuple[int, int]
) -> None:
    """The split form, and a threaded conversation with its From/To/Cc and why."""
    app = AgentConsole(Settings(), str(mail_db), "maya", clock=FixedClock(), watch=False)

    async def keys(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press(*SCREENS[screen])
        await settle(pilot, 0.3)

    assert snap_compare(app, terminal_size=size, run_before=keys)  # type: ignore[operator]
