"""The inbox: every kind of entry is written with the event that causes it, each agent
reads only their own, private messages are the sender's and recipients' only, a reminder
fires exactly once however many try, and entries are mailed as the agent chose."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from console.config import load_settings
from console.data.errors import BadValue, NotFound
from console.data.inbox import Inbox, fire_reminders
from console.data.models import Activity, Agent, OutboxMail
from console.data.outbox import MailSetup
from console.mail.sender import Server, send_outbox
from tests.conftest import Desk
from tests.smtp_server import Handler, loopback_smtp

SETUP = MailSetup(configured=True, sender="desk@help.example", domain="help.example")


def inbox(desk: Desk, who: str, setup: MailSetup | None = None) -> Inbox:
    return Inbox(desk.db, desk.actors[who], desk.clock, setup)


async def kinds(desk: Desk, who: str) -> list[tuple[str, int | None, str, str]]:
    return [
        (e.kind, e.ticket, e.sender, e.text) for e in reversed(await inbox(desk, who).entries())
    ]


async def test_every_event_writes_the_entry_of_whom_it_waits_on(desk: Desk) -> None:
    number = await desk.ticket("alice", subject="Printer on fire")
    alice, lena = desk.service("alice"), desk.service("lena")
    await alice.comment(number, "@bob @alice can you look? @lena too")
    await alice.request_approval(number, ["lena", "bob"], "Refund 20 EUR")
    await lena.assign(number, "bob")
    await desk.service("bob").pick_up(await desk.ticket("alice"))  # own pick-up: nothing
    await alice.customer_message(number, "Still burning!")
    await inbox(desk, "alice").send(["bob"], "Lunch?", "At noon", ticket=number)

    assert await kinds(desk, "bob") == [
        ("mention", number, "alice", "@bob @alice can you look? @lena too"),
        ("approval", number, "alice", "Refund 20 EUR"),
        ("assigned", number, "lena", "Printer on fire"),
        ("customer_reply", number, "Pat Customer", "Still burning!"),
        ("message", number, "alice", "Lunch?"),
    ]
    assert [k for k, *_ in await kinds(desk, "lena")] == ["mention", "approval"]
    assert await kinds(desk, "alice") == []  # the writer is not told of their own words
    assert await inbox(desk, "bob").unread_count() == 5


async def test_an_entry_is_read_and_marked_by_its_agent_only(desk: Desk) -> None:
    number = await desk.ticket("alice")
    await desk.service("alice").comment(number, "@bob look")
    await desk.service("alice").comment(number, "@bob and this")
    mine = inbox(desk, "bob")
    first, second = reversed(await mine.entries())
    with pytest.raises(NotFound):
        await inbox(desk, "lena").mark(first.id)
    assert (await mine.mark(first.id)).read is True
    assert [e.id for e in await mine.entries(unread=True)] == [second.id]
    assert (await mine.mark(first.id, read=False)).read is False
    assert await mine.mark_all_read() == 2
    assert await mine.unread_count() == 0


async def test_a_private_message_is_the_senders_and_recipients_only(desk: Desk) -> None:
    sent = await inbox(desk, "alice").send(["bob", "lena"], "Handover", "Acme is yours")
    assert sent.to == ("bob", "lena")
    assert [m.id for m in await inbox(desk, "alice").messages(sent=True)] == [sent.id]
    assert [m.subject for m in await inbox(desk, "bob").messages()] == ["Handover"]
    with pytest.raises(NotFound):
        await inbox(desk, "carl").message(sent.id)
    with pytest.raises(NotFound):
        await inbox(desk, "carl").delete_message(sent.id)
    assert await inbox(desk, "carl").messages() == []

    await inbox(desk, "bob").delete_message(sent.id)
    assert await inbox(desk, "bob").messages() == []
    assert await inbox(desk, "bob").entries() == []  # its entry went with it
    assert [m.id for m in await inbox(desk, "lena").messages()] == [sent.id]  # lena keeps it
    assert (await inbox(desk, "alice").message(sent.id)).body == "Acme is yours"


@pytest.mark.parametrize(
    ("to", "subject", "body", "why"),
    [
        (["nobody"], "S", "B", "Not an active agent: nobody"),
        (["bob"], " ", "B", "A message needs a subject."),
        (["bob"], "S", "", "A message needs some text."),
        ([], "S", "B", "A message needs at least one agent"),
        (["alice"], "S", "B", "A message goes to someone else"),
    ],
)
async def test_a_message_that_cannot_go_says_why(
    desk: Desk, to: list[str], subject: str, body: str, why: str
) -> None:
    with pytest.raises(BadValue, match=why):
        await inbox(desk, "alice").send(to, subject, body)
    assert await inbox(desk, "alice").messages(sent=True) == []


async def test_a_message_about_a_ticket_the_sender_cannot_see_is_refused(desk: Desk) -> None:
    number = await desk.ticket("carl", department="Network", account="Oldco")
    with pytest.raises(NotFound):
        await inbox(desk, "alice").send(["bob"], "S", "B", ticket=number)


async def test_a_due_reminder_fires_exactly_once_with_many_trying(desk: Desk) -> None:
    number = await desk.ticket("alice")
    now = desk.clock()
    await desk.service("alice").add_activity(
        number, "Call Pat back", due=now + timedelta(hours=2), reminder=now + timedelta(hours=1)
    )
    assert await fire_reminders(desk.db, MailSetup(), now) == []  # not yet
    desk.clock.advance(hours=1)
    results = await asyncio.gather(
        *(fire_reminders(desk.db, MailSetup(), desk.clock()) for _ in range(4)),
        inbox(desk, "alice").fire_my_reminders(),
    )
    assert sum(len(r) for r in results) == 1
    assert [(k, t) for k, t, *_ in await kinds(desk, "alice")] == [("reminder", number)]
    assert "Call Pat back" in (await inbox(desk, "alice").entries())[0].text
    assert await fire_reminders(desk.db, MailSetup(), desk.clock()) == []

    # Set to another time, it fires again then; a done activity never does.
    async with desk.db.write() as session:
        await session.execute(
            update(Activity).values(reminder_at=desk.clock() + timedelta(minutes=10))
        )
    desk.clock.advance(minutes=10)
    assert len(await fire_reminders(desk.db, MailSetup(), desk.clock())) == 1
    async with desk.db.write() as session:
        await session.execute(
            update(Activity).values(reminder_at=desk.clock() + timedelta(minutes=5), done=True)
        )
    desk.clock.advance(minutes=5)
    assert await fire_reminders(desk.db, MailSetup(), desk.clock()) == []


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    yield from loopback_smtp()


async def test_entries_are_mailed_as_each_agent_chose(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    async with desk.db.write() as session:
        await session.execute(
            update(Agent)
            .where(Agent.username.in_(["bob", "lena"]))
            .values(email=Agent.username + "@help.example")
        )
    await inbox(desk, "lena").remember_mail_choice(["mention"])
    with pytest.raises(BadValue, match="not pigeon"):
        await inbox(desk, "lena").remember_mail_choice(["pigeon"])
    desk.mail = SETUP
    number = await desk.ticket("alice", subject="Printer on fire")
    alice = desk.service("alice")
    await alice.comment(number, "@bob @lena see this")  # bob: not chosen; lena: chosen
    await alice.request_approval(number, ["bob", "lena"], "Refund 20 EUR")  # bob by default
    await alice.add_activity(
        number, "Ring", owner="bob", reminder=desk.clock() + timedelta(minutes=5)
    )
    desk.clock.advance(minutes=5)
    await fire_reminders(desk.db, SETUP, desk.clock())
    await inbox(desk, "alice", SETUP).send(["carl"], "No address", "carl has none")

    report = await send_outbox(
        desk.db, Server("127.0.0.1", port, security="none", timeout=5), clock=desk.clock
    )
    assert report.sent == 3
    got = sorted((r.recipients[0], r.message()["Subject"]) for r in handler.received)
    assert got == [
        ("bob@help.example", f"#{number} Reminder: task: Ring"),
        ("bob@help.example", f"#{number} alice asks your approval: Refund 20 EUR"),
        ("lena@help.example", f"#{number} alice mentioned you: @bob @lena see this"),
    ]
    first = handler.received[0].message()
    assert first["Auto-Submitted"] == "auto-generated"
    assert "g i shows your inbox" in first.get_body().get_content()  # type: ignore[union-attr]
    async with desk.db.read() as session:
        kinds_ = set((await session.execute(select(OutboxMail.kind))).scalars())
    assert kinds_ == {"inbox"}


def test_the_config_names_the_kinds_mailed_and_mistakes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[inbox]\nmail = ["mention", "pigeon", "reminder"]\nsend = 1\n')
    settings = load_settings(path)
    assert settings.inbox_mail == ("mention", "reminder")
    problems = "\n".join(settings.problems)
    assert "[inbox] mail knows mention, approval, reminder" in problems
    assert "not pigeon (ignored)" in problems
    assert "[inbox] has no setting send; ignored." in problems
    assert load_settings(tmp_path / "none.toml").inbox_mail is None  # the default then
    path.write_text('[inbox]\nmail = "all"\n')
    assert load_settings(path).inbox_mail is None
