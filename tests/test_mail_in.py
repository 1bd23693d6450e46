"""Mail in: what becomes of a customer's mail (a ticket, a threaded message, automatic
mail, a duplicate, quarantine), on SQLite and PostgreSQL, and the corpus of bad mail."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from console.data.directory import Directory
from console.data.inbox import Inbox
from console.data.mail import Incoming, MailIntake
from console.data.models import Attachment, Contact, MailSource, Message, QuarantinedMail
from console.mail.importing import import_mail
from console.mail.parse import MAX_DEPTH, MAX_MESSAGE_BYTES, MAX_MULTIPARTS, parse
from console.mail.parse import too_large as parse_reason
from console.mail.sources import Found, check, read
from tests.conftest import Desk

CORPUS = Path(__file__).with_name("mail")


def mail(
    body: str = "Hello",
    *,
    sender: str = "Pat Customer <pat@acme.example>",
    to: str = "billing@desk.example",
    subject: str = "Printer on fire",
    message_id: str | None = "<m1@acme.example>",
    extra: str = "",
) -> bytes:
    """A small raw mail."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    if extra:
        lines.extend(extra.strip().splitlines())
    lines += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


async def take(desk: Desk, raw: bytes, department: str | None = "Billing") -> object:
    intake = MailIntake(desk.db, clock=desk.clock)
    return await intake.take(parse(raw), raw, "test", department=department)


async def desk_with_addresses(desk: Desk) -> Desk:
    directory = Directory(desk.db, desk.actors["root"], desk.clock)
    await directory.add_department("Sales", email="sales@desk.example")
    await directory.add_department("Support", email="support@desk.example")
    return desk


async def test_new_mail_opens_a_ticket_for_its_sender(desk: Desk) -> None:
    await desk_with_addresses(desk)
    await desk.ticket()  # Pat Customer of Acme Ltd is a known contact
    raw = mail(
        "The printer smokes.",
        to="Sales <sales@desk.example>",
        extra="Importance: high\nCc: Boss <boss@acme.example>",
    )
    outcome = await take(desk, raw)
    assert outcome.kind == "created"
    d = await desk.service("root").queries.detail(outcome.number)
    t = d.ticket
    assert (t.subject, t.description, t.channel, t.priority) == (
        "Printer on fire",
        "The printer smokes.",
        "Email",
        "High",
    )
    assert (t.contact, t.account, t.department, t.status, t.owner) == (
        "Pat Customer",
        "Acme Ltd",
        "Sales",  # its To address, not the mailbox's Billing
        "New",
        None,
    )
    [m] = d.messages
    assert (m.message_id, m.sender, m.to, m.cc, m.threaded_by, m.automatic) == (
        "<m1@acme.example>",
        "Pat Customer <pat@acme.example>",
        ("Sales <sales@desk.example>",),
        ("Boss <boss@acme.example>",),
        None,
        False,
    )
    assert d.history[-1].actor_kind == "customer"
    async with desk.db.read() as s:
        kept = (await s.execute(select(MailSource.raw))).scalars().all()
    assert kept == [raw]  # nothing of the mail is lost


async def test_a_new_sender_becomes_a_contact_and_the_mailbox_department_applies(
    desk: Desk,
) -> None:
    outcome = await take(desk, mail(sender="Zoe New <zoe@new.example>"), department="Network")
    t = (await desk.service("root").queries.detail(outcome.number)).ticket
    assert (t.contact, t.contact_email, t.account, t.department, t.priority) == (
        "Zoe New",
        "zoe@new.example",
        None,
        "Network",
        "Medium",
    )


async def test_a_reply_threads_by_any_reference_even_to_our_own_reply(desk: Desk) -> None:
    first = await take(desk, mail(message_id="<c1@acme.example>"))
    number = first.number
    # Our reply, as mail out will send it, with its own Message-ID.
    await desk.service("alice").reply(number, "We are on our way.")
    async with desk.db.write() as s:
        await s.execute(
            update(Message).where(Message.kind == "reply").values(message_id="<r1@desk.example>")
        )
    by_refs = await take(
        desk,
        mail(
            "Still smoking.",
            subject="something unrelated",
            message_id="<c2@acme.example>",
            extra="References: <old@elsewhere.example> <r1@desk.example> <zzz@x.example>",
        ),
    )
    by_reply = await take(
        desk,
        mail(
            "Flames now.",
            subject="no tag",
            message_id="<c3@acme.example>",
            extra="In-Reply-To: <c1@acme.example>",
        ),
    )
    assert (by_refs.kind, by_refs.number, by_reply.kind, by_reply.number) == (
        "threaded",
        number,
        "threaded",
        number,
    )
    d = await desk.service("root").queries.detail(number)
    joined = [(m.body, m.threaded_by, m.joined_because) for m in d.messages if m.threaded_by]
    assert joined == [
        ("Still smoking.", "references", "References matched alice's reply of 02 Mar 09:00"),
        ("Flames now.", "in-reply-to", "In-Reply-To matched the customer's mail of 02 Mar 09:00"),
    ]


async def test_one_batch_threads_onto_the_tickets_it_opens_and_skips_no_number(
    desk: Desk,
) -> None:
    """A large import stores many mails a transaction and writes its new tickets
    together: a reply, a subject tag, a second mail of a new sender and a repeat that
    come in the same batch as the mail they follow still find it."""
    first = await desk.ticket()
    zoe = "Zoe New <zoe@new.example>"
    raws = [
        mail("Help", sender=zoe, message_id="<a1@new.example>", subject="Login fails"),
        mail(
            "Still failing",
            sender=zoe,
            message_id="<a2@new.example>",
            subject="Re: Login fails",
            extra="In-Reply-To: <a1@new.example>",
        ),
        mail("Another thing", sender=zoe, message_id="<a3@new.example>", subject="Invoice"),
        mail(
            "By number",
            sender=zoe,
            message_id="<a4@new.example>",
            subject=f"About [#{first + 2}]",
        ),
        mail("Help", sender=zoe, message_id="<a1@new.example>", subject="Login fails"),
        mail(
            "I am away",
            sender=zoe,
            message_id="<a5@new.example>",
            subject="Out of office",
            extra="In-Reply-To: <a3@new.example>\nAuto-Submitted: auto-replied",
        ),
        mail("Printer", message_id="<p1@acme.example>"),
    ]
    intake = MailIntake(desk.db, clock=desk.clock)
    outcomes = await intake.take_many(
        [Incoming(parse(raw), raw, f"test-{i}", "Billing") for i, raw in enumerate(raws)]
    )
    assert [(o.kind, o.number) for o in outcomes] == [
        ("created", first + 1),
        ("threaded", first + 1),
        ("created", first + 2),
        ("threaded", first + 2),
        ("duplicate", None),
        ("automatic", first + 2),
        ("created", first + 3),
    ]
    root = desk.service("root")
    login = await root.queries.detail(first + 1)
    assert [m.threaded_by for m in login.messages] == [None, "in-reply-to"]
    invoice = await root.queries.detail(first + 2)
    assert [(m.threaded_by, m.automatic) for m in invoice.messages] == [
        (None, False),
        ("subject-tag", False),
        ("in-reply-to", True),
    ]
    assert login.ticket.contact_email == invoice.ticket.contact_email == "zoe@new.example"
    printer = await root.queries.detail(first + 3)
    assert (printer.ticket.contact, printer.ticket.account) == ("Pat Customer", "Acme Ltd")
    async with desk.db.read() as s:
        zoes = await s.execute(
            select(func.count()).select_from(Contact).where(Contact.email == "zoe@new.example")
        )
        sources = await s.execute(select(func.count()).select_from(MailSource))
        assert (zoes.scalar(), sources.scalar()) == (1, 6)
    # The numbers the batch reserved and did not use are handed back: none is skipped.
    assert await desk.ticket() == first + 4


async def test_a_ticket_from_mail_is_handed_out_by_its_department(desk: Desk) -> None:
    await Directory(desk.db, desk.actors["root"], desk.clock).edit_department(
        "Billing", auto_assign="round-robin"
    )
    first = await take(desk, mail(message_id="<r1@acme.example>"))
    second = await take(desk, mail(message_id="<r2@acme.example>", subject="Fax"))
    root = desk.service("root")
    owners = [(await root.queries.detail(o.number)).ticket.owner for o in (first, second)]
    assert owners == ["alice", "bob"]
    history = (await root.queries.detail(first.number)).history
    assert [(h.actor, h.action) for h in history] == [  # newest first
        ("system", "assign"),
        ("Pat Customer", "create"),
    ]
    # Each agent handed a ticket hears of it in their inbox, from "system".
    for who, ticket in (("alice", first), ("bob", second)):
        entries = await Inbox(desk.db, desk.actors[who], desk.clock).entries()
        assert [(e.kind, e.ticket, e.sender) for e in entries] == [
            ("assigned", ticket.number, "system")
        ]


async def test_a_large_import_parses_ahead_and_stops_between_batches(desk: Desk) -> None:
    """Beyond its first batch an import parses the next batch in another process while it
    stores one: a reply two batches after its mail still threads, an unreadable mail of
    a later batch is quarantined, and a stop between batches leaves the rest unread."""

    def found(raw: bytes | None, name: str, size: int = 0) -> Found:
        digest = hashlib.sha256(raw or name.encode()).hexdigest()
        return Found(name, raw, len(raw) if raw else size, digest)

    mails = [
        found(mail("One", message_id="<b1@acme.example>", subject="Scanner"), "m1"),
        found(mail("Two", message_id="<b2@acme.example>", subject="Fax"), "m2"),
        found(None, "m3-huge", size=MAX_MESSAGE_BYTES + 1),
        found(mail("Three", message_id="<b3@acme.example>", subject="Modem"), "m4"),
        found(
            mail(
                "Still broken",
                message_id="<b4@acme.example>",
                subject="Re: Scanner",
                extra="References: <b1@acme.example>",
            ),
            "m5",
        ),
    ]
    intake = MailIntake(desk.db, clock=desk.clock)
    report = await import_mail(intake, iter(mails), department="Billing", batch=2)
    first, _fax, third = report.created
    assert report.threaded == [first]
    assert report.quarantined == [
        {"source": "m3-huge", "reason": parse_reason(MAX_MESSAGE_BYTES + 1)}
    ]
    assert report.parse_seconds > 0
    root = desk.service("root")
    scanner = await root.queries.detail(first)
    assert [m.body for m in scanner.messages] == ["One", "Still broken"]
    assert (await root.queries.detail(third)).ticket.subject == "Modem"

    stored: list[str] = []

    async def done(f: Found) -> None:
        stored.append(f.source)

    later = [
        found(mail(f"Later {i}", message_id=f"<l{i}@acme.example>"), f"l{i}") for i in range(6)
    ]
    again = await import_mail(
        intake, iter(later), department="Billing", batch=2, done=done, stop=lambda: len(stored) >= 2
    )
    assert stored == ["l0", "l1"]  # the batch read ahead was not stored and stays unread
    assert len(again.created) == 2


async def test_a_subject_tag_threads_only_for_the_contact_or_their_account(desk: Desk) -> None:
    number = await desk.ticket()
    # Sam is a contact of the same account (from a ticket of their own).
    await desk.ticket(contact_name="Sam Colleague", contact_email="sam@acme.example")
    tag = f"Re: [#{number}] Printer on fire"
    own = await take(desk, mail(subject=tag, message_id="<t1@acme.example>"))
    colleague = await take(
        desk, mail(subject=tag, sender="Sam <sam@acme.example>", message_id="<t2@acme.example>")
    )
    stranger = await take(
        desk, mail(subject=tag, sender="Stan <stan@other.example>", message_id="<t3@x.example>")
    )
    assert (own.kind, own.number, colleague.kind, colleague.number) == (
        "threaded",
        number,
        "threaded",
        number,
    )
    assert stranger.kind == "created" and stranger.number != number
    d = await desk.service("root").queries.detail(number)
    assert [m.joined_because for m in d.messages] == [
        f"subject tag [#{number}], sender is the contact",
        f"subject tag [#{number}], sender is a contact of its account",
    ]


async def test_a_reply_to_a_merged_ticket_goes_to_the_one_it_went_into(desk: Desk) -> None:
    first = (await take(desk, mail(message_id="<a@acme.example>"))).number
    second = (await take(desk, mail(subject="dup", message_id="<b@acme.example>"))).number
    await desk.service("lena").merge(first, second)
    reply = await take(
        desk, mail("more", message_id="<c@acme.example>", extra="In-Reply-To: <a@acme.example>")
    )
    assert (reply.kind, reply.number) == ("threaded", second)


async def test_a_customer_reply_reopens_and_unassigns_but_a_sticky_owner_stays(
    desk: Desk,
) -> None:
    alice = desk.service("alice")
    closed = (await take(desk, mail(message_id="<1@acme.example>"))).number
    await alice.pick_up(closed)
    await alice.close(closed)
    owned = (await take(desk, mail(subject="two", message_id="<2@acme.example>"))).number
    await alice.pick_up(owned)
    sticky = (await take(desk, mail(subject="three", message_id="<3@acme.example>"))).number
    await alice.pick_up(sticky)
    await alice.edit(sticky, {"sticky": True})
    for n, parent in ((closed, 1), (owned, 2), (sticky, 3)):
        await take(
            desk,
            mail(
                "again",
                message_id=f"<r{n}@acme.example>",
                extra=f"In-Reply-To: <{parent}@acme.example>",
            ),
        )
    q = desk.service("root").queries
    got = [((await q.ticket(n)).status, (await q.ticket(n)).owner) for n in (closed, owned, sticky)]
    assert got == [("ReOpen", None), ("New", None), ("New", "alice")]
    history = (await q.detail(closed)).history
    assert [(e.actor_kind, e.action, e.old, e.new) for e in history[:2]] == [
        ("customer", "release", "alice", None),
        ("customer", "reopen", "Closed", "ReOpen"),
    ]


async def test_automatic_mail_is_stored_but_never_reopens_unassigns_or_opens(
    desk: Desk,
) -> None:
    alice = desk.service("alice")
    number = (await take(desk, mail(message_id="<c1@acme.example>"))).number
    await alice.pick_up(number)
    await alice.close(number)
    ooo = await take(
        desk,
        mail(
            "Out of office",
            message_id="<o1@acme.example>",
            extra="In-Reply-To: <c1@acme.example>\nAuto-Submitted: auto-replied",
        ),
    )
    assert (ooo.kind, ooo.number) == ("automatic", number)
    t = await desk.service("root").queries.ticket(number)
    assert (t.status, t.owner) == ("Closed", "alice")
    assert (await desk.service("root").queries.detail(number)).messages[-1].automatic
    for extra in (
        "Precedence: bulk",
        "List-Id: <news.vendor.example>",
        "X-Auto-Response-Suppress: All",
    ):
        lonely = await take(desk, mail(message_id=f"<{len(extra)}@v.example>", extra=extra))
        assert lonely.kind == "quarantined" and "belongs to no ticket" in (lonely.reason or "")
    daemon = await take(desk, mail(sender="MAILER-DAEMON@mx.example", message_id="<d@mx>"))
    assert daemon.kind == "quarantined"


async def test_our_own_address_as_sender_is_automatic(desk: Desk) -> None:
    await desk_with_addresses(desk)
    loop = await take(desk, mail(sender="Sales <sales@desk.example>", message_id="<ack@desk>"))
    assert loop.kind == "quarantined"
    assert "our own address" in (loop.reason or "")


async def test_a_bounce_of_our_reply_marks_it_failed(desk: Desk) -> None:
    number = (await take(desk, mail(message_id="<c1@acme.example>"))).number
    await desk.service("alice").reply(number, "Here is the fix.")
    async with desk.db.write() as s:
        await s.execute(
            update(Message).where(Message.kind == "reply").values(message_id="<r9@desk.example>")
        )
    bounce = (
        (CORPUS / "14-bounce-of-unknown.eml")
        .read_bytes()
        .replace(b"<never-sent-by-us@desk.example>", b"<r9@desk.example>")
    )
    outcome = await take(desk, bounce)
    assert (outcome.kind, outcome.number) == ("automatic", number)
    d = await desk.service("root").queries.detail(number)
    reply = next(m for m in d.messages if m.kind == "reply")
    assert reply.delivery == "failed"
    assert d.messages[-1].threaded_by == "bounce"


async def test_attachments_over_20_mb_are_not_kept_and_the_message_says_so(desk: Desk) -> None:
    big = b"x" * (20 * 1024 * 1024 + 10 * 1024 * 1024 + 1)
    import base64

    raw = (
        b"From: pat@acme.example\r\nTo: billing@desk.example\r\nSubject: logs\r\n"
        b"Message-ID: <big@acme.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nTwo files.\r\n--B\r\n"
        b"Content-Type: application/zip\r\n"
        b'Content-Disposition: attachment; filename="report.zip"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(big)
        + b"--B\r\nContent-Type: text/csv\r\n"
        + b'Content-Disposition: attachment; filename="small.csv"\r\n\r\na,b\r\n--B--\r\n'
    )
    outcome = await take(desk, raw)
    d = await desk.service("root").queries.detail(outcome.number)
    assert [a.file_name for a in d.attachments] == ["small.csv"]
    assert d.messages[0].body == "Two files.\n\n[report.zip, 30 MB, was over 20 MB and not kept]"


async def test_re_running_an_import_imports_nothing_twice(desk: Desk, tmp_path: Path) -> None:
    intake = MailIntake(desk.db, clock=desk.clock)
    first = await import_mail(intake, read([CORPUS]), department="Billing")
    again = await import_mail(intake, read([CORPUS]), department="Billing")
    assert first.read == again.read == len(list(CORPUS.glob("*.eml")))
    assert (again.created, again.threaded, again.automatic, again.quarantined) == ([], [], [], [])
    assert again.duplicates == again.read
    async with desk.db.read() as s:
        messages = (await s.execute(select(func.count()).select_from(Message))).scalar()
        held = (await s.execute(select(func.count()).select_from(QuarantinedMail))).scalar()
    assert messages == len(first.created) + len(first.threaded) + len(first.automatic)
    assert held == len(first.quarantined)
    # The mail without Message-ID is known again by its digest.
    assert first.duplicates == 1  # 10-duplicate-message-id.eml


async def test_the_corpus_of_bad_mail_never_stops_a_batch(desk: Desk, tmp_path: Path) -> None:
    await desk_with_addresses(desk)
    await Directory(desk.db, desk.actors["root"], desk.clock).add_department(
        "Net", email="network@desk.example"
    )
    mbox = tmp_path / "deep.mbox"
    nesting = 3000
    deep = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(nesting)
    )
    deep = (
        b"From: Dee <dee@deep.example>\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n"
        + deep
        + b"Content-Type: text/plain\r\n\r\ninner\r\n"
        + b"".join(b"--b%d--\r\n" % i for i in reversed(range(nesting)))
    )
    envelope = b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"
    mbox.write_bytes(envelope + deep.replace(b"\r\n", b"\n"))
    huge = tmp_path / "huge.eml"
    with huge.open("wb") as handle:  # 200 MB on disk, written sparsely
        handle.write(mail("big"))
        handle.seek(200 * 1024 * 1024)
        handle.write(b"\n")
    paths = [CORPUS, mbox, huge]
    check(paths)
    intake = MailIntake(desk.db, clock=desk.clock)
    report = await import_mail(intake, read(paths), department="Billing")
    assert report.read == 22
    q = desk.service("root").queries
    by_subject = {}
    for n in report.created:
        d = await q.detail(n)
        by_subject[d.ticket.subject] = d
    reasons = {q["source"].rsplit("/", 1)[-1]: q["reason"] for q in report.quarantined}
    assert set(reasons) == {
        "14-bounce-of-unknown.eml",
        "15-mailing-list.eml",
        "18-no-sender.eml",
        "19-broken-headers.eml",
        "huge.eml",
    }
    assert reasons["huge.eml"].startswith("it is 200 MB, over the 60 MB a mail may be")
    assert "no sender" in reasons["18-no-sender.eml"]
    # Read with what could be read, and saying what could not.
    assert "[The charset 'x-no-such-charset' is unknown; read as UTF-8.]" in (
        by_subject["Unknown charset"].ticket.description
    )
    assert "R\ufffdsum\ufffd" in by_subject["Lying charset"].ticket.description
    assert by_subject["Bad base64"].ticket.description.startswith("Hello, the VPN is down.")
    assert "é right" in by_subject["Bad QP"].ticket.description
    assert "[invoice 42](https://portal.example/invoice/42)" in (
        by_subject["Invoice question"].ticket.description
    )
    evil = next(d for s, d in by_subject.items() if s.startswith("Urgent"))
    assert "\r" not in evil.ticket.subject and "\n" not in evil.ticket.subject
    assert "\x1b" not in evil.ticket.subject + evil.ticket.description
    assert evil.ticket.contact_email == "eve@evil.example"
    names = sorted(a.file_name for a in by_subject["Files with hostile names"].attachments)
    assert names == ["attachment-5", "invoicefdp.exe", "nulbyte.txt", "passwd", "shadow"]
    log = by_subject["the log you asked for"]
    assert [a.file_name for a in log.attachments] == ["printer.log"]
    assert by_subject["deep"].ticket.description == (
        f"(no text)\n\n[The body was not read: it has more than {MAX_MULTIPARTS} multipart parts.]"
    )
    assert by_subject["VPN drops every hour"].ticket.department == "Net"
    # The out-of-office and the reply by References joined the first ticket.
    first = by_subject["Printer on fire in Lyon"]
    assert first.ticket.priority == "High"
    assert report.threaded == [first.ticket.number]  # by References only
    assert report.automatic == [first.ticket.number]
    assert "Re: [#1001] Printer on fire in Lyon" in by_subject  # a stranger: a ticket of their own
    async with desk.db.read() as s:
        kept = (await s.execute(select(func.count()).select_from(Attachment))).scalar()
    assert kept == 7  # 5 hostile names, the log, the forwarded mail


def test_a_huge_file_is_measured_never_read_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.eml"
    with huge.open("wb") as handle:
        handle.seek(MAX_MESSAGE_BYTES * 2)
        handle.write(b"\n")
    [found] = list(read([huge]))
    assert (found.raw, found.size) == (None, os.path.getsize(huge))


@pytest.mark.parametrize("name", ["missing", "folder"])
def test_a_path_that_is_not_mail_is_refused_first(tmp_path: Path, name: str) -> None:
    from console.mail.sources import SourceError

    target = tmp_path / name
    if name == "folder":
        target.mkdir()
    with pytest.raises(SourceError):
        check([CORPUS, target])


def nested(levels: int) -> bytes:
    """A mail whose text sits under ``levels`` nested multipart parts."""
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(levels)
    )
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(levels)))
    return (
        b"From: Dee <dee@deep.example>\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n"
        + opening
        + b"Content-Type: text/plain\r\n\r\ninner\r\n"
        + closing
    )


def test_deep_parts_are_read_to_the_limit_and_the_same_however_deep_the_stack() -> None:
    """Up to MAX_DEPTH levels the text is read; below that the walk stops and says so;
    past MAX_MULTIPARTS only the headers are read, even with the stack nearly used up
    (where the standard library's parser would run out of it at far fewer levels)."""
    assert parse(nested(MAX_DEPTH)).body.strip() == "inner"
    assert parse(nested(MAX_DEPTH)).problems == ()
    shallow = parse(nested(MAX_DEPTH + 1))
    assert shallow.problems == (f"Parts nested deeper than {MAX_DEPTH} levels were not read.",)
    assert "inner" not in shallow.body
    said = (f"The body was not read: it has more than {MAX_MULTIPARTS} multipart parts.",)

    def far_down(depth: int) -> tuple[str, ...]:
        if depth:
            return far_down(depth - 1)
        return parse(nested(MAX_MULTIPARTS + 1)).problems

    assert parse(nested(MAX_MULTIPARTS + 1)).problems == said
    assert far_down(sys.getrecursionlimit() - 100) == said
    deep = parse(nested(MAX_MULTIPARTS + 1))
    assert deep.subject == "deep" and deep.sender is not None
