"""Reply to all and forward: the bytes a real SMTP server on a loopback port receives
(To/Cc exact with our own addresses removed; a forward's headers, attachments and the
quoted conversation; no header smuggled in by a hostile subject or name), what the
database then holds (both backends), and `ticket reply N --all` / `ticket forward N`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from console.config import Mailbox, Settings, load_settings
from console.data.directory import Directory
from console.data.errors import BadValue
from console.data.mail import MailIntake
from console.data.models import OutboxMail
from console.data.outbox import MailSetup
from console.data.tickets import TicketService
from console.mail.parse import parse
from console.mail.sender import send_outbox
from console.mail.smtp import Server
from tests.conftest import Desk
from tests.smtp_server import Handler, Received, loopback_smtp
from tests.test_cli import CLI
from tests.test_cli import cli as cli  # the fixture
from tests.test_mail_out_cli import configure

SETUP = MailSetup(
    configured=True,
    sender="desk@help.example",
    domain="help.example",
    mailboxes=("inbox@help.example",),
)


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    yield from loopback_smtp()


def raw_mail(
    body: str,
    *,
    sender: str = "Pat Customer <pat@acme.example>",
    to: str = "Billing <billing@help.example>",
    cc: str = "",
    subject: str = "Printer on fire",
    message_id: str = "<m1@acme.example>",
    extra: str = "",
) -> bytes:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {message_id}"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [*extra.splitlines(), "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(line for line in lines if line or line == "").encode()


async def mailed_ticket(desk: Desk, raw: bytes) -> int:
    """A ticket made from a customer's mail to Billing (billing@help.example)."""
    directory = Directory(desk.db, desk.actors["root"], desk.clock)
    await directory.edit_department("Billing", email="billing@help.example")
    outcome = await MailIntake(desk.db, clock=desk.clock).take(
        parse(raw), raw, "test", department="Billing"
    )
    assert outcome.number is not None
    return outcome.number


def alice(desk: Desk) -> TicketService:
    desk.mail = SETUP
    return desk.service("alice")


async def deliver(desk: Desk, port: int, handler: Handler) -> list[Received]:
    await send_outbox(desk.db, Server("127.0.0.1", port, "none", timeout=5), clock=desk.clock)
    return handler.received


def headers_of(received: Received) -> list[bytes]:
    """The names of the mail's headers, as the server got them."""
    head = received.data.split(b"\r\n\r\n", 1)[0]
    return [line.split(b":", 1)[0] for line in head.split(b"\r\n") if not line[:1].isspace()]


EVERYONE = (
    "Billing <billing@help.example>, Jo Doe <jo@acme.example>, inbox@help.example, "
    "Desk <DESK@help.example>"
)


async def test_reply_to_all_adds_the_others_on_the_last_mail_never_our_own(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    number = await mailed_ticket(
        desk,
        raw_mail(
            "The printer smokes.",
            to=EVERYONE,
            cc="Boss <boss@acme.example>, Pat Customer <pat@acme.example>, sales@help.example",
        ),
    )
    # The Sales department's address is ours too, though the ticket is Billing's.
    await Directory(desk.db, desk.actors["root"], desk.clock).add_department(
        "Sales", email="sales@help.example"
    )
    service = alice(desk)
    assert await service.reply_all_recipients(number) == (
        ["Jo Doe <jo@acme.example>"],
        ["Boss <boss@acme.example>"],
    )
    await service.reply(number, "Unplug it.", cc="Lena <lena@acme.example>", to_all=True)
    [got] = await deliver(desk, port, handler)
    message = got.message()
    assert str(message["To"]) == "Pat Customer <pat@acme.example>, Jo Doe <jo@acme.example>"
    assert str(message["Cc"]) == "Lena <lena@acme.example>, Boss <boss@acme.example>"
    assert sorted(got.recipients) == sorted(
        ["pat@acme.example", "jo@acme.example", "lena@acme.example", "boss@acme.example"]
    )
    # A reply to all is still a reply: it threads onto the customer's mail.
    assert message["In-Reply-To"] == "<m1@acme.example>"
    assert message["Subject"] == f"Re: Printer on fire [#{number}]"
    detail = await service.queries.detail(number)
    [reply] = [m for m in detail.messages if m.kind == "reply"]
    assert reply.to == ("Pat Customer <pat@acme.example>", "Jo Doe <jo@acme.example>")
    assert reply.cc == ("Lena <lena@acme.example>", "Boss <boss@acme.example>")


async def test_reply_to_all_follows_the_last_mail_from_someone_else(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    """The customer's colleague wrote last: they are in To beside the contact (the
    requester); an out-of-office that came after is not the mail answered."""
    handler, port = smtp
    number = await mailed_ticket(desk, raw_mail("Printer.", cc="old@acme.example"))
    intake = MailIntake(desk.db, clock=desk.clock)
    for raw in (
        raw_mail(
            "Same here.",
            sender="Jo Doe <jo@acme.example>",
            to="billing@help.example, pat@acme.example",
            subject=f"Re: Printer on fire [#{number}]",
            message_id="<m2@acme.example>",
            extra="In-Reply-To: <m1@acme.example>",
        ),
        raw_mail(
            "I am away.",
            sender="Jo Doe <jo@acme.example>",
            to="billing@help.example, ooo@acme.example",
            subject=f"Out of office: Printer on fire [#{number}]",
            message_id="<m3@acme.example>",
            extra="In-Reply-To: <m2@acme.example>\r\nAuto-Submitted: auto-replied",
        ),
    ):
        await intake.take(parse(raw), raw, "test", department="Billing")
    service = alice(desk)
    await service.reply(number, "Both of you: unplug it.", to_all=True)
    [got] = await deliver(desk, port, handler)
    message = got.message()
    assert str(message["To"]) == "Pat Customer <pat@acme.example>, Jo Doe <jo@acme.example>"
    assert message["Cc"] is None  # old@ was on the first mail, not on the last


async def test_reply_to_all_on_a_ticket_without_mail_is_the_contact_alone(desk: Desk) -> None:
    number = await desk.ticket()
    service = alice(desk)
    assert await service.reply_all_recipients(number) == ([], [])
    await service.reply(number, "Hello", to_all=True)
    [reply] = [m for m in (await service.queries.detail(number)).messages if m.kind == "reply"]
    assert reply.to == ("Pat Customer <pat@acme.example>",) and reply.cc == ()


async def test_a_forward_is_a_new_thread_with_the_conversation_and_chosen_files(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    number = await mailed_ticket(desk, raw_mail("The printer smokes.\nSince Monday."))
    service = alice(desk)
    await service.reply(number, "Unplug it, please.")
    await service.comment(number, "Internal: the customer is grumpy.")
    await service.note(number, "Private: check the warranty.")
    log = await service.attach_bytes(number, "printer.log", b"E42 fuser", media_type="text/plain")
    await service.attach_bytes(number, "secret.txt", b"internal", media_type="text/plain")
    [log_id] = [a.id for a in (await service.queries.detail(number)).attachments][:1]
    assert log.number == number
    await deliver(desk, port, handler)
    handler.received.clear()
    await service.forward(
        number,
        ["Vendor Support <help@vendor.example>", "tech@vendor.example"],
        "Can you look at the fuser error?",
        attachments=[log_id],
    )
    [got] = await deliver(desk, port, handler)
    message = got.message()
    assert message["Subject"] == f"Fwd: Printer on fire [#{number}]"
    assert str(message["To"]) == "Vendor Support <help@vendor.example>, tech@vendor.example"
    assert message["From"] == "Billing <billing@help.example>"
    assert message["In-Reply-To"] is None and message["References"] is None
    assert message["Auto-Submitted"] is None
    assert message["Message-ID"].endswith("@help.example>")
    assert sorted(got.recipients) == ["help@vendor.example", "tech@vendor.example"]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("Can you look at the fuser error?\n\n")
    assert "---------- Forwarded conversation ----------" in text
    assert f"Ticket #{number}: Printer on fire" in text
    assert "Customer: Pat Customer <pat@acme.example>" in text
    assert (
        "On 2026-03-02 09:00 UTC, Pat Customer wrote:\n> The printer smokes.\n> Since Monday."
        in text
    )
    assert "On 2026-03-02 09:00 UTC, alice answered:\n> Unplug it, please." in text
    assert "grumpy" not in text and "warranty" not in text  # never the internal ones
    files = [(p.get_filename(), p.get_content()) for p in message.iter_attachments()]
    assert files == [("printer.log", "E42 fuser")]  # the chosen one only
    # The conversation shows it with its recipients; the history says who got it.
    detail = await service.queries.detail(number)
    [forward] = [m for m in detail.messages if m.kind == "forward"]
    assert forward.body == "Can you look at the fuser error?"
    assert forward.to == ("Vendor Support <help@vendor.example>", "tech@vendor.example")
    assert forward.message_id == message["Message-ID"]
    assert forward.outgoing is not None and forward.outgoing.state == "sent"
    [event] = [e for e in detail.history if e.action == "forward"]
    assert event.new == "help@vendor.example, tech@vendor.example with printer.log"
    assert event.actor == "alice"


async def test_the_vendors_answer_to_a_forward_comes_back_to_the_ticket(desk: Desk) -> None:
    number = await mailed_ticket(desk, raw_mail("Printer."))
    service = alice(desk)
    await service.forward(number, "help@vendor.example", "")
    [forward] = [m for m in (await service.queries.detail(number)).messages if m.kind == "forward"]
    assert forward.body == "(forwarded without a note)"
    answer = raw_mail(
        "Replace the fuser.",
        sender="help@vendor.example",
        subject="Re: something else entirely",
        message_id="<v1@vendor.example>",
        extra=f"In-Reply-To: {forward.message_id}",
    )
    outcome = await MailIntake(desk.db, clock=desk.clock).take(
        parse(answer), answer, "test", department="Billing"
    )
    assert (outcome.kind, outcome.number) == ("threaded", number)


async def test_a_hostile_subject_or_name_adds_no_header_to_a_forward(
    desk: Desk, smtp: tuple[Handler, int]
) -> None:
    handler, port = smtp
    number = await desk.ticket(
        subject="Help\r\nBcc: thief@evil.example\x1b[31m",  # (PostgreSQL text holds no NUL)
        contact_name="Pat\r\nBcc: thief2@evil.example",
    )
    service = alice(desk)
    await service.customer_message(number, "Line one\x1b[2J\r\nLine two")
    await service.forward(number, "help@vendor.example", "See below.\r\nBcc: x@evil.example")
    [got] = await deliver(desk, port, handler)
    assert b"Bcc" not in headers_of(got)
    assert got.recipients == ["help@vendor.example"]
    assert b"\x00" not in got.data and b"\x1b" not in got.data
    message: EmailMessage = got.message()
    assert message["Subject"] == f"Fwd: Help Bcc: thief@evil.example [31m [#{number}]"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Customer: Pat Bcc: thief2@evil.example <pat@acme.example>" in text
    assert "> Line one[2J\n> Line two" in text


@pytest.mark.parametrize(
    ("to", "why"),
    [
        ("", "forward to at least one address"),
        ("vendor", "'vendor' is not an address like name@example.com"),
        ("billing@help.example", "billing@help.example is one of our own addresses"),
        ("Inbox <INBOX@help.example>", "INBOX@help.example is one of our own addresses"),
        ("desk@help.example", "desk@help.example is one of our own addresses"),
    ],
)
async def test_a_forward_to_a_bad_or_own_address_is_refused_with_a_sentence(
    desk: Desk, to: str, why: str
) -> None:
    number = await mailed_ticket(desk, raw_mail("Printer."))
    service = alice(desk)
    with pytest.raises(BadValue, match=why):
        await service.forward(number, to, "note")
    detail = await service.queries.detail(number)
    assert [m.kind for m in detail.messages] == ["customer"]
    assert not [e for e in detail.history if e.action == "forward"]
    async with desk.db.read() as session:
        kinds = (await session.execute(select(OutboxMail.kind))).scalars().all()
    assert "forward" not in kinds


async def test_a_forward_names_an_attachment_that_is_not_the_tickets(desk: Desk) -> None:
    number = await desk.ticket()
    with pytest.raises(BadValue, match=f"#{number} has no attachment 99"):
        await alice(desk).forward(number, "help@vendor.example", attachments=[99])


def test_the_mailbox_addresses_in_the_config_are_ours() -> None:
    settings = Settings(
        mailboxes=[
            Mailbox("Billing", imap="imaps://support%40help.example@mail.example/INBOX"),
            Mailbox("Sales", imap="imaps://sales@mail.example/INBOX", address="sales@help.example"),
        ]
    )
    assert settings.mail_setup().mailboxes == ("support@help.example", "sales@help.example")


def test_a_mailbox_address_that_does_not_parse_is_said_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[mailboxes]]\ndepartment = "Billing"\nmaildir = "/tmp"\naddress = "billing"\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    [problem] = settings.problems
    assert "line 4" in problem and "address must be an address like support@example.com" in problem
    assert [m.address for m in settings.mailboxes] == [None]  # the mailbox is still read


# -- the command line ------------------------------------------------------------------


def test_reply_all_and_forward_from_the_command_line(
    cli: CLI, smtp: tuple[Handler, int], tmp_path: Path
) -> None:
    handler, port = smtp
    configure(port)
    config = Path(os.environ["AGENT_CONSOLE_CONFIG"])
    with config.open("a", encoding="utf-8") as file:  # the mailbox's address is ours
        file.write(
            f'\n[[mailboxes]]\ndepartment = "Billing"\nmaildir = "{tmp_path}"\n'
            'address = "inbox@help.example"\n'
        )
    assert cli("department", "edit", "Billing", "--email", "billing@help.example")[0] == 0
    eml = tmp_path / "in.eml"
    eml.write_bytes(raw_mail("The VPN drops.", to=EVERYONE, cc="boss@acme.example"))
    code, _, err = cli("mail", "import", str(eml), "--department", "Billing")
    assert code == 0, err
    [ticket] = cli.json("ticket", "list", "--json", login="lena")  # type: ignore[misc]
    number = str(ticket["number"])
    code, _, err = cli("ticket", "reply", number, "--all", "--body", "Renew it.", login="alice")
    assert code == 0, err
    log = tmp_path / "vpn.log"
    log.write_text("tunnel down\n", encoding="utf-8")
    assert cli("ticket", "attach", number, str(log), login="alice")[0] == 0
    shown = cli.json("ticket", "show", number, login="alice")
    assert isinstance(shown, dict)
    [attachment] = shown["attachments"]
    code, _, err = cli(
        "ticket", "forward", number, "--to", "help@vendor.example", "--to",
        "Tech <tech@vendor.example>", "--body", "Please look.", "--attach",
        str(attachment["id"]), login="alice",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = cli("ticket", "forward", number, "--to", "vendor", login="alice")
    assert code != 0 and "To: 'vendor' is not an address like name@example.com." in err
    code, _, err = cli("ticket", "forward", number, "--to", "billing@help.example", login="alice")
    assert code != 0 and "billing@help.example is one of our own addresses" in err
    assert cli("mail", "send", "--once")[0] == 0
    ack, reply, forward = (r.message() for r in handler.received)
    assert ack["Auto-Submitted"] == "auto-replied"  # the acknowledgement of the mail
    assert str(reply["To"]) == "Pat Customer <pat@acme.example>, Jo Doe <jo@acme.example>"
    assert str(reply["Cc"]) == "boss@acme.example"
    assert forward["Subject"] == f"Fwd: Printer on fire [#{number}]"
    assert str(forward["To"]) == "help@vendor.example, Tech <tech@vendor.example>"
    assert [p.get_filename() for p in forward.iter_attachments()] == ["vpn.log"]
