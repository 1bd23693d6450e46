"""Mail out: replies, acknowledgements and closing notices go through the outbox to a
real SMTP server on a loopback port; nothing loops, nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from console.data.errors import BadValue
from console.data.models import Department, OutboxMail
from console.data.outbox import (
    FAILED,
    NO_SERVER,
    QUEUED,
    SENT,
    Inbound,
    MailSetup,
    Outbox,
)
from console.data.tickets import TicketService
from console.mail import compose
from console.mail.compose import Address, BadAddress, Outgoing
from console.mail.sender import send_outbox, wait_after
from console.mail.smtp import Server
from tests.conftest import Desk
from tests.smtp_server import Handler, loopback_smtp

SETUP = MailSetup(configured=True, sender="desk@help.example", domain="help.example")


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    yield from loopback_smtp()


def service(desk: Desk, who: str = "alice", setup: MailSetup = SETUP) -> TicketService:
    desk.mail = setup
    return desk.service(who)


def server(port: int) -> Server:
    return Server("127.0.0.1", port, security="none", timeout=5)


async def make(desk: Desk, **fields: object) -> int:
    """A ticket made by alice with mail configured."""
    desk.mail = SETUP
    return await desk.ticket(**fields)


async def billing(desk: Desk, **values: object) -> None:
    """Set the Billing department's columns."""
    async with desk.db.write() as session:
        dept = (
            await session.execute(select(Department).where(Department.name == "Billing"))
        ).scalar_one()
        for name, value in values.items():
            setattr(dept, name, value)


async def rows(desk: Desk) -> list[OutboxMail]:
    async with desk.db.read() as session:
        return list((await session.execute(select(OutboxMail).order_by(OutboxMail.id))).scalars())


# -- composing -----------------------------------------------------------------------


def test_a_hostile_subject_or_name_adds_no_header() -> None:
    mail = Outgoing(
        sender=Address("Billing", "billing@help.example"),
        to=[Address("Pat\r\nBcc: thief@evil.example", "pat@acme.example")],
        subject=compose.reply_subject("Help\r\nBcc: thief@evil.example\x00\x1b[31m", 1042),
        body="Hello",
        message_id=compose.new_message_id("help.example"),
    )
    raw = compose.as_bytes(compose.compose(mail))
    headers = raw.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in headers.split(b"\r\n") if not line[:1].isspace()]
    assert b"Bcc" not in names
    assert b"\x00" not in raw and b"\x1b" not in raw
    parsed = compose_parse(raw)
    assert parsed["Subject"] == "Re: Help Bcc: thief@evil.example [31m [#1042]"
    assert parsed.get_all("Bcc") is None


def compose_parse(raw: bytes):  # type: ignore[no-untyped-def]
    from email import message_from_bytes, policy

    return message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)


def test_non_ascii_names_and_subjects_are_encoded_words_and_the_body_utf8() -> None:
    mail = Outgoing(
        sender=Address("Kundendienst Süd", "sued@help.example"),
        to=[Address("Jürgen Groß", "j@acme.example")],
        subject=compose.reply_subject("Drucker brennt – schnell!", 7),
        body="Grüße\n",
        message_id="<x@help.example>",
    )
    raw = compose.as_bytes(compose.compose(mail))
    assert raw.isascii()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    parsed = compose_parse(raw)
    assert str(parsed["To"]) == "Jürgen Groß <j@acme.example>"
    assert parsed["Subject"] == "Re: Drucker brennt – schnell! [#7]"
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert parsed.get_content() == "Grüße\n"


def test_reply_subject_keeps_one_re_and_one_tag() -> None:
    assert compose.reply_subject("RE: Aw: Printer [#1042]", 1042) == "Re: Printer [#1042]"
    assert compose.reply_subject("", 5) == "Re: (no subject) [#5]"
    assert len(compose.reply_subject("x" * 10_000, 5)) < 220


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("pat", "is not an address like name@example.com"),
        ("pat@acme", "is not an address like name@example.com"),
        ("Pat <pat@acme.example", "write it as Name <name@example.com>"),
        ("pat@acme.example\nBcc: x@evil.example", "control character"),
    ],
)
def test_an_address_that_does_not_parse_is_refused_with_a_sentence(typed: str, why: str) -> None:
    with pytest.raises(BadAddress, match=why):
        compose.parse_addresses(typed)


def test_addresses_parse_with_names_and_commas_in_quotes() -> None:
    found = compose.parse_addresses(
        '"Doe, Jo" <jo@acme.example>, pat@acme.example; jo@ACME.example'
    )
    assert [str(a) for a in found] == ["Doe, Jo <jo@acme.example>", "pat@acme.example"]


# -- the outbox and the server -------------------------------------------------------------


async def test_a_reply_reaches_the_contact_threaded_with_attachments(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    await billing(
        desk,
        email="billing@help.example",
    )
    number = await make(desk, subject="Printer on fire\r\nBcc: thief@evil.example")
    alice = service(desk)
    await alice.attach_bytes(number, "log.txt", b"line 1\n", media_type="text/plain")
    attachment = (await alice.queries.detail(number)).attachments[0].id
    await alice.reply(
        number, "We are on it.", cc="Lena <lena@acme.example>", attachments=[attachment]
    )
    desk.clock.advance(minutes=5)
    await alice.reply(number, "Fixed: the fuse.")
    report = await send_outbox(desk.db, server(port), clock=desk.clock)
    assert report.as_dict() == {"sent": 2, "failed": 0, "retried": 0, "queued": 0}

    first, second = handler.received
    assert first.mail_from == "billing@help.example"
    assert sorted(first.recipients) == ["lena@acme.example", "pat@acme.example"]
    one, two = first.message(), second.message()
    assert str(one["From"]) == "Billing <billing@help.example>"
    assert str(one["To"]) == "Pat Customer <pat@acme.example>"
    assert str(one["Cc"]) == "Lena <lena@acme.example>"
    assert one["Subject"] == f"Re: Printer on fire Bcc: thief@evil.example [#{number}]"
    assert b"\r\nBcc:" not in first.data
    assert one["Auto-Submitted"] is None
    stored = await rows(desk)
    assert [r.state for r in stored] == [SENT, SENT]
    assert stored[0].detail is not None and stored[0].detail.startswith("250 2.0.0 Ok")
    assert one["Message-ID"] == stored[0].message_id
    assert stored[0].message_id.endswith("@help.example>")
    assert two["In-Reply-To"] == stored[0].message_id
    assert two["References"] == stored[0].message_id
    body = one.get_body(("plain",))
    assert body is not None and body.get_content() == "We are on it.\n"
    files = list(one.iter_attachments())
    assert [(f.get_filename(), f.get_content()) for f in files] == [("log.txt", "line 1\n")]
    assert list(two.iter_attachments()) == []


@pytest.mark.parametrize("mode", ["421", "450", "drop"])
async def test_a_temporary_failure_is_tried_again_later_and_then_sent(
    desk: Desk, smtp: tuple[Handler, int], mode: str
) -> None:
    handler, port = smtp
    number = await make(desk)
    await service(desk).reply(number, "Hello")
    handler.mode = mode
    report = await send_outbox(desk.db, server(port), clock=desk.clock)
    assert (report.sent, report.retried, report.queued) == (0, 1, 1)
    [row] = await rows(desk)
    assert row.state == QUEUED and row.tries == 1
    assert row.next_try_at == desk.clock.now + wait_after(1)
    if mode == "drop":
        assert row.detail and row.detail.startswith("connection lost")
    else:
        assert row.detail and row.detail.startswith(mode)
    # Not before its time: nothing is tried.
    handler.mode = "ok"
    assert (await send_outbox(desk.db, server(port), clock=desk.clock)).sent == 0
    desk.clock.advance(minutes=1)
    report = await send_outbox(desk.db, server(port), clock=desk.clock)
    assert (report.sent, report.queued) == (1, 0)
    assert len(handler.received) == 1
    [row] = await rows(desk)
    assert row.state == SENT and row.tries == 2
    assert handler.received[0].message()["Message-ID"] == row.message_id


async def test_a_permanent_failure_is_failed_with_the_servers_words(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    number = await make(desk)
    await service(desk).reply(number, "Hello")
    handler.mode = "550"
    report = await send_outbox(desk.db, server(port), clock=desk.clock)
    assert (report.failed, report.queued) == (1, 0)
    [row] = await rows(desk)
    assert (row.state, row.detail) == (FAILED, "550 5.1.1 Mailbox unavailable")
    detail = await service(desk).queries.detail(number)
    assert detail.messages[-1].outgoing is not None
    assert detail.messages[-1].outgoing.state == FAILED
    # Retried by hand once the mailbox is back.
    handler.mode = "ok"
    await Outbox(desk.db).retry(row.id, desk.clock.now, SETUP)
    assert (await send_outbox(desk.db, server(port), clock=desk.clock)).sent == 1


async def test_a_mail_that_keeps_failing_is_given_up_after_n_tries(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    handler.mode = "450"
    number = await make(desk)
    await service(desk).reply(number, "Hello")
    for _ in range(3):
        await send_outbox(desk.db, server(port), clock=desk.clock, max_tries=3)
        desk.clock.advance(hours=3)
    [row] = await rows(desk)
    assert row.state == FAILED and row.tries == 3
    assert row.detail == "gave up after 3 tries: 450 4.2.1 Mailbox busy, try again later"
    assert handler.attempts == 3


async def test_smtp_down_loses_nothing(desk: Desk) -> None:
    number = await make(desk)
    await service(desk).reply(number, "Hello")
    from tests.smtp_server import free_port

    report = await send_outbox(desk.db, server(free_port()), clock=desk.clock)
    assert (report.retried, report.queued) == (1, 1)
    [row] = await rows(desk)
    assert row.state == QUEUED and row.detail and row.detail.startswith("connection lost")


async def test_without_a_mail_server_a_reply_is_stored_and_marked_not_sent(desk: Desk) -> None:
    number = await make(desk)
    await service(desk, setup=MailSetup()).reply(number, "Hello")
    [row] = await rows(desk)
    assert (row.state, row.detail) == (FAILED, NO_SERVER)
    detail = await desk.service("alice").queries.detail(number)
    assert detail.messages[-1].body == "Hello"


async def test_a_bad_cc_is_refused_and_nothing_is_written(desk: Desk) -> None:
    number = await make(desk)
    with pytest.raises(BadValue, match="Cc: 'lena@' is not an address"):
        await service(desk).reply(number, "Hello", cc="lena@")
    assert await rows(desk) == []
    assert (await desk.service("alice").queries.detail(number)).messages == ()


async def test_the_resolution_sent_to_the_contact_is_mailed(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    number = await make(desk)
    await service(desk).set_resolution(number, "Replaced the fuse.", notify_contact=True)
    await send_outbox(desk.db, server(port), clock=desk.clock)
    [mail] = handler.received
    body = mail.message().get_body(("plain",))
    assert body is not None and body.get_content() == "Resolution:\nReplaced the fuse.\n"


# -- acknowledgements, closing notices and the loop rules ------------------------------------


async def test_acknowledgement_and_closing_notice_from_the_department_templates(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    await billing(
        desk,
        ack_template="Hi {contact}, #{number} ({subject}) is with {department}. {nope}",
        closing_template="Closed #{number}.",
    )
    number = await make(desk, acknowledge=True, answering=Inbound("pat@acme.example", "<c1@acme>"))
    await service(desk).close(number)
    await send_outbox(desk.db, server(port), clock=desk.clock)
    ack, closing = (r.message() for r in handler.received)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert closing["Auto-Submitted"] == "auto-generated"
    ack_body = ack.get_body(("plain",))
    assert ack_body is not None
    assert ack_body.get_content() == (
        f"Hi Pat Customer, #{number} (Printer on fire) is with Billing. {{nope}}\n"
    )
    assert closing["In-Reply-To"] == ack["Message-ID"]
    closing_body = closing.get_body(("plain",))
    assert closing_body is not None and closing_body.get_content() == f"Closed #{number}.\n"


async def test_no_ack_department_sends_none(desk: Desk) -> None:
    await billing(
        desk,
        ack_enabled=False,
    )
    await make(desk, acknowledge=True)
    assert await rows(desk) == []


async def _history_news(desk: Desk, number: int) -> list[str | None]:
    detail = await desk.service("alice").queries.detail(number)
    return [e.new for e in detail.history if e.action == "mail"]


async def test_out_of_office_ping_pong_stops_at_once(desk: Desk) -> None:
    """A customer's out-of-office answers our acknowledgement: marked automatic, it gets
    no acknowledgement of its own."""
    first = await make(desk, acknowledge=True, answering=Inbound("pat@acme.example", "<m1@acme>"))
    [ack] = await rows(desk)
    ooo = await make(
        desk,
        subject="Out of office: Re: Printer on fire",
        acknowledge=True,
        answering=Inbound("pat@acme.example", "<ooo@acme>", (ack.message_id,), automatic=True),
    )
    assert len(await rows(desk)) == 1
    assert await _history_news(desk, ooo) == [
        "acknowledgement not sent: the mail it would answer is automatic"
    ]
    assert await _history_news(desk, first) == []


async def test_a_bounce_of_an_acknowledgement_stops_mail_to_that_address(desk: Desk) -> None:
    await make(desk, acknowledge=True, contact_email="gone@acme.example")
    [ack] = await rows(desk)
    assert await Outbox(desk.db).bounced(ack.message_id, "550 5.1.1 no such user")
    [ack] = await rows(desk)
    assert (ack.state, ack.detail) == (FAILED, "bounced: 550 5.1.1 no such user")
    again = await make(desk, acknowledge=True, contact_email="gone@acme.example")
    assert len(await rows(desk)) == 1
    assert await _history_news(desk, again) == [
        "acknowledgement not sent: mail to gone@acme.example bounced before"
    ]


async def test_two_desks_acknowledging_each_other_stop_at_the_cap(desk: Desk) -> None:
    """The other desk's acknowledgements lie: no Auto-Submitted, new Message-IDs each
    time.  The cap per recipient holds: 5 in an hour, then none."""
    for index in range(8):
        await make(
            desk,
            subject=f"Re: Printer [#{index}] [OTHER-{index}]",
            contact_email="support@other-desk.example",
            acknowledge=True,
            answering=Inbound("support@other-desk.example", f"<other{index}@other-desk>"),
        )
    assert len(await rows(desk)) == 5
    desk.clock.advance(hours=1, minutes=1)
    await make(desk, contact_email="support@other-desk.example", acknowledge=True)
    assert len(await rows(desk)) == 6


async def test_our_own_acknowledgement_coming_back_in_is_not_acknowledged(desk: Desk) -> None:
    await billing(
        desk,
        email="billing@help.example",
    )
    await make(desk, acknowledge=True)
    [ack] = await rows(desk)
    # It comes back as if from our own address, and with our own Message-ID.
    from_us = await make(
        desk,
        contact_email="billing@help.example",
        acknowledge=True,
        answering=Inbound("billing@help.example", "<new@elsewhere>"),
    )
    ours = await make(desk, acknowledge=True, answering=Inbound("pat@acme.example", ack.message_id))
    assert len(await rows(desk)) == 1
    assert await _history_news(desk, from_us) == [
        "acknowledgement not sent: the mail it would answer is from our own address"
    ]
    assert await _history_news(desk, ours) == [
        "acknowledgement not sent: the mail it would answer is one of ours"
    ]


async def test_retry_and_cancel(desk: Desk) -> None:
    number = await make(desk)
    await service(desk).reply(number, "One")
    await service(desk).reply(number, "Two")
    one, two = await rows(desk)
    outbox = Outbox(desk.db)
    assert (await outbox.cancel(one.id)).state == "cancelled"
    from console.data.errors import Refused

    with pytest.raises(Refused, match="Only a queued mail can be cancelled"):
        await outbox.cancel(one.id)
    with pytest.raises(Refused, match="is queued already"):
        await outbox.retry(two.id, desk.clock.now, SETUP)
    assert (await outbox.retry(one.id, desk.clock.now, SETUP)).state == QUEUED
    assert [r.state for r in await outbox.listing(state=QUEUED)] == [QUEUED, QUEUED]
    assert timedelta(0) <= wait_after(1) <= wait_after(30)


# -- the round trip through "Mail in" ------------------------------------------------------


async def test_mail_in_acknowledges_and_the_customers_answer_threads_back(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    """A mail opens a ticket and is acknowledged; our reply goes out; the customer's
    answer to it (In-Reply-To our Message-ID, a subject without the tag) joins the same
    ticket; an out-of-office to our acknowledgement gets no answer."""
    from console.data.mail import MailIntake
    from console.mail.parse import parse

    handler, port = smtp
    await billing(desk, email="billing@help.example")
    intake = MailIntake(desk.db, clock=desk.clock, mail=SETUP)
    first = (
        b"From: Pat Customer <pat@acme.example>\r\nTo: billing@help.example\r\n"
        b"Subject: Printer on fire\r\nMessage-ID: <m1@acme.example>\r\n\r\nIt burns.\r\n"
    )
    created = await intake.take(parse(first), first, "test")
    number = created.number
    assert number is not None
    await service(desk).reply(number, "Pull the plug.")
    await send_outbox(desk.db, server(port), clock=desk.clock)
    ack, reply = (r.message() for r in handler.received)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@acme.example>"
    assert reply["In-Reply-To"] == "<m1@acme.example>"
    assert ack["Message-ID"] in reply["References"].split()
    answer = (
        b"From: Pat Customer <pat@acme.example>\r\nTo: billing@help.example\r\n"
        b"Subject: Re: the printer\r\nMessage-ID: <m2@acme.example>\r\n"
        b"In-Reply-To: " + reply["Message-ID"].encode() + b"\r\n\r\nUnplugged. Now?\r\n"
    )
    threaded = await intake.take(parse(answer), answer, "test")
    assert threaded.number == number
    ooo = (
        b"From: Pat Customer <pat@acme.example>\r\nTo: billing@help.example\r\n"
        b"Subject: Out of office\r\nMessage-ID: <m3@acme.example>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"In-Reply-To: " + ack["Message-ID"].encode() + b"\r\n\r\nAway.\r\n"
    )
    await intake.take(parse(ooo), ooo, "test")
    assert len(await rows(desk)) == 2  # the acknowledgement and the reply, nothing more
    detail = await desk.service("alice").queries.detail(number)
    assert [m.body.strip() for m in detail.messages if m.kind == "customer"][-2:] == [
        "Unplugged. Now?",
        "Away.",
    ]


# -- auto-close -----------------------------------------------------------------------


async def test_auto_close_after_n_days_waiting_on_the_customer(desk: Desk) -> None:
    from console.data.autoclose import auto_close

    waiting = await make(desk, subject="Waiting")
    answered = await make(desk, subject="Answered")
    never = await make(desk, subject="Never", department="Network", account=None)
    for number in (waiting, answered):
        await service(desk).reply(number, "Does it work now?")
    await service(desk, "carl").reply(never, "Does it work now?")
    async with desk.db.write() as session:
        dept = (
            await session.execute(select(Department).where(Department.name == "Network"))
        ).scalar_one()
        dept.auto_close_days = -1
    desk.clock.advance(days=1)
    await desk.service("alice").customer_message(answered, "Not yet.")
    desk.clock.advance(days=5, hours=22)
    assert await auto_close(desk.db, SETUP, desk.clock.now) == []  # 7 days not yet over
    desk.clock.advance(hours=3)
    assert await auto_close(desk.db, SETUP, desk.clock.now) == [waiting]
    detail = await desk.service("alice").queries.detail(waiting)
    assert detail.ticket.status == "Closed"
    close = detail.history[0] if detail.history[0].action == "close" else detail.history[1]
    assert (close.actor, close.actor_kind, close.old, close.new) == (
        "system",
        "system",
        "New",
        "Closed",
    )
    notices = [m for m in detail.messages if m.kind == "notice"]
    assert len(notices) == 1 and "is now closed" in notices[0].body
    assert notices[0].outgoing is not None and notices[0].outgoing.kind == "closing notice"
    assert await auto_close(desk.db, SETUP, desk.clock.now) == []
