"""The outbox: every mail the desk sends, written in the same transaction as the action
that causes it (a reply, an acknowledgement, a closing notice, a resolution sent to the
contact), then sent by the worker (``console.mail.sender``).

States: ``queued`` (waiting, maybe after a temporary failure: ``tries`` and
``next_try_at`` say when next), ``sent`` (``detail`` holds the server's reply),
``failed`` (``detail`` holds the server's words, or why it was never sent) and
``cancelled``.  A mail is composed once, when it is queued: every try sends the same
bytes with the same Message-ID.

Automatic mail (acknowledgements, closing notices) is never sent in answer to automatic
mail, to our own addresses, with our own Message-IDs or to an address that bounced, and
at most ``MailSetup.auto_cap`` an hour go to one recipient whatever the headers say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.db import Database
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import Attachment, Contact, Department, Message, OutboxMail, Ticket
from console.mail import compose as mail
from console.mail.compose import Address, BadAddress, Outgoing

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
STATES = (QUEUED, SENT, FAILED, CANCELLED)

#: Why a mail was stored but not sent.
NO_SERVER = "not sent: no mail server configured"
NO_SENDER = "not sent: no From address (give the department an --email, or set [smtp] from)"

#: The start of the sentence when a mail has nobody to go to.
NOT_MAILED = "not mailed:"

#: The conversation's kind for an automatic mail (acknowledgement, closing notice).
NOTICE = "notice"

#: What each kind of mail is called where the desk shows it.
REPLY = "reply"
ACKNOWLEDGEMENT = "acknowledgement"
CLOSING = "closing notice"
RESOLUTION = "resolution"
FORWARD = "forward"
KINDS = (REPLY, ACKNOWLEDGEMENT, CLOSING, RESOLUTION, FORWARD)

PLACEHOLDERS = ("number", "subject", "contact", "department")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

DEFAULT_ACK = (
    "Dear {contact},\n\n"
    "thank you for your message. It is ticket #{number}, {subject}; we will answer it\n"
    "as soon as we can. Please keep [#{number}] in the subject when you write about it.\n\n"
    "{department}\n"
)
DEFAULT_CLOSING = (
    "Dear {contact},\n\n"
    "ticket #{number}, {subject}, is now closed. If something is still wrong, answer this\n"
    "mail and the ticket opens again.\n\n"
    "{department}\n"
)


@dataclass(frozen=True)
class MailSetup:
    """What the config says about mail: is there a server (``[smtp]``), the From address
    used when a department has none, the domain of our Message-IDs (``[mail] domain``),
    the cap on automatic mail and the auto-close default."""

    configured: bool = False
    sender: str | None = None
    domain: str = "agent-console.invalid"
    #: automatic mails one recipient may get in an hour
    auto_cap: int = 5
    #: days a ticket waits on the customer before it closes itself (-1: never)
    auto_close_days: int = 7
    #: the addresses of the mailboxes the worker reads (``[[mailboxes]]``): ours too
    mailboxes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inbound:
    """What automatic mail answers: the facts of the customer's mail it would answer."""

    sender: str | None = None
    message_id: str | None = None
    references: tuple[str, ...] = ()
    #: marked automatic by "Mail in" (out-of-office, bounce, list ...)
    automatic: bool = False


@dataclass
class Mail:
    """One mail to queue on a ticket."""

    kind: str
    body: str
    to: list[Address] | None = None  # None: the ticket's contact
    cc: list[Address] = field(default_factory=list)
    attachment_ids: Sequence[int] = ()
    automatic: str | None = None
    message_row_id: int | None = None
    answering: Inbound | None = None
    #: the subject (None: ``Re: <subject> [#1042]``)
    subject: str | None = None
    #: threads onto the customer's mail (In-Reply-To, References); a forward does not
    thread: bool = True


def fill(template: str, values: dict[str, str]) -> str:
    """A department template with its placeholders filled (only those four: the text
    is never a format string)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def check_template(text: str) -> str:
    """A template as given to ``department edit``: any ``{name}`` must be a placeholder."""
    unknown = sorted(set(re.findall(r"\{([^{}]*)\}", text)) - set(PLACEHOLDERS))
    if unknown:
        raise BadValue(
            "A template knows only the placeholders "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            + "; not "
            + ", ".join("{" + u + "}" for u in unknown)
            + "."
        )
    if not text.strip():
        raise BadValue("A template needs some text.")
    return text


def addresses(text: str | None, what: str) -> list[Address]:
    """Addresses typed for To or Cc; BadValue says which does not parse."""
    try:
        return mail.parse_addresses(text)
    except BadAddress as exc:
        raise BadValue(f"{what}: {exc}") from None


async def our_addresses(session: AsyncSession, setup: MailSetup) -> set[str]:
    """Every address the desk sends from (each department's and ``[smtp] from``)."""
    found = {
        (e or "").strip().lower()
        for e in (await session.execute(select(Department.email))).scalars()
        if e
    }
    if setup.sender:
        found.add(setup.sender.strip().lower())
    found.update(a.strip().lower() for a in setup.mailboxes if a.strip())
    return found


async def contact_address(session: AsyncSession, ticket: Ticket) -> Address | None:
    """The ticket's contact as a mail goes to them, or None when they have no address."""
    contact = (
        await session.get(Contact, ticket.contact_id) if ticket.contact_id is not None else None
    )
    if contact is None or not contact.email or not mail.valid_addr(contact.email.strip()):
        return None
    return Address(mail.header_text(contact.name), contact.email.strip())


async def everyone_else(
    session: AsyncSession, setup: MailSetup, ticket: Ticket
) -> tuple[list[Address], list[Address]]:
    """Who "reply to all" adds, as To and Cc: the customer's last mail's sender (when it
    is not the contact) and its To, then its Cc; never our own addresses (each
    department's, ``[smtp] from``, the mailboxes'), never the contact, each address once.
    Automatic mail (out-of-office, bounces) is not the mail answered."""
    last = (
        await session.execute(
            select(Message.from_addr, Message.to_addrs, Message.cc_addrs)
            .where(
                Message.ticket_id == ticket.id,
                Message.kind == "customer",
                Message.automatic.is_(False),
                or_(Message.to_addrs.is_not(None), Message.cc_addrs.is_not(None)),
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        return [], []
    skip = await our_addresses(session, setup)
    contact = await contact_address(session, ticket)
    if contact is not None:
        skip.add(contact.addr.lower())

    def others(*texts: str | None) -> list[Address]:
        found = []
        for text in texts:
            for line in (text or "").split("\n"):
                try:
                    address = mail.parse_address(line)
                except BadAddress:
                    continue  # a stored header we cannot answer to is not guessed at
                if address.addr.lower() not in skip:
                    skip.add(address.addr.lower())
                    found.append(Address(mail.decoded_name(address.name), address.addr))
        return found

    from_addr, to_addrs, cc_addrs = last
    return others(from_addr, to_addrs), others(cc_addrs)


async def is_ours(session: AsyncSession, message_ids: Sequence[str]) -> bool:
    """Whether any of these Message-IDs is one of the mails we sent."""
    ids = [i for i in message_ids if i]
    if not ids:
        return False
    found = await session.execute(
        select(OutboxMail.id).where(OutboxMail.message_id.in_(ids)).limit(1)
    )
    return found.first() is not None


async def why_not_automatic(
    session: AsyncSession,
    setup: MailSetup,
    to: str,
    now: datetime,
    answering: Inbound | None = None,
) -> str | None:
    """Why automatic mail must not go to ``to`` now (the loop rules), or None."""
    ours = await our_addresses(session, setup)
    if answering is not None:
        if answering.automatic:
            return "the mail it would answer is automatic"
        if answering.sender and answering.sender.strip().lower() in ours:
            return "the mail it would answer is from our own address"
        if answering.message_id and await is_ours(session, [answering.message_id]):
            return "the mail it would answer is one of ours"
    address = to.strip().lower()
    if address in ours:
        return "it would go to our own address"
    bounced = await session.execute(
        select(OutboxMail.id)
        .outerjoin(Message, Message.id == OutboxMail.message_row_id)
        .where(
            OutboxMail.to_address == address,
            or_(OutboxMail.bounced.is_(True), Message.delivery == FAILED),
        )
        .limit(1)
    )
    if bounced.first() is not None:
        return f"mail to {address} bounced before"
    recent = (
        await session.execute(
            select(func.count())
            .select_from(OutboxMail)
            .where(
                OutboxMail.to_address == address,
                OutboxMail.automatic.is_(True),
                OutboxMail.created_at > now - timedelta(hours=1),
            )
        )
    ).scalar_one()
    if recent >= setup.auto_cap:
        return f"{address} had {recent} automatic mails in the last hour (the cap)"
    return None


async def thread_of(session: AsyncSession, ticket_id: int) -> tuple[str | None, list[str]]:
    """The Message-ID a new mail on the ticket answers and the thread's References.

    It answers the customer's latest mail (else our latest); References are every
    Message-ID of the ticket's thread, inbound and ours, oldest first, so the customer's
    client threads it and an answer to any of them comes back to this ticket.
    """
    rows = (
        await session.execute(
            select(Message.message_id, Message.kind)
            .where(Message.ticket_id == ticket_id, Message.message_id.is_not(None))
            .order_by(Message.created_at, Message.id)
        )
    ).all()
    notices = (
        await session.execute(
            select(OutboxMail.message_id)
            .where(OutboxMail.ticket_id == ticket_id, OutboxMail.message_row_id.is_(None))
            .order_by(OutboxMail.id)
        )
    ).scalars()
    ids = [str(mid) for mid, _kind in rows]
    theirs = [str(mid) for mid, kind in rows if kind == "customer"]
    ours = [*ids, *notices]
    parent = theirs[-1] if theirs else (ours[-1] if ours else None)
    return parent, mail.references_for([i for i in ours if i != parent], parent)


def outbox_row(
    outgoing: Outgoing,
    *,
    ticket_id: int | None,
    message_row_id: int | None,
    kind: str,
    state: str,
    detail: str | None,
) -> OutboxMail:
    """The outbox row of a composed mail: its bytes as they will be sent, its first
    recipient (the loop guards count by it) and its state (queued, or failed at once)."""
    return OutboxMail(
        ticket_id=ticket_id,
        message_row_id=message_row_id,
        kind=kind,
        automatic=outgoing.automatic is not None,
        message_id=outgoing.message_id,
        mail_from=outgoing.sender.addr,
        to_address=outgoing.to[0].addr.lower(),
        recipients=",".join(outgoing.recipients()),
        subject=outgoing.subject,
        raw=mail.as_bytes(mail.compose(outgoing)),
        state=state,
        tries=0,
        next_try_at=outgoing.date,
        detail=detail,
        bounced=False,
        created_at=outgoing.date,
    )


async def queue_mail(
    session: AsyncSession, setup: MailSetup, ticket: Ticket, item: Mail, now: datetime
) -> OutboxMail | str:
    """Write one mail of ``ticket`` to the outbox, in the caller's transaction.

    Returns the row, or the sentence saying why no mail was written (no address to send
    to; automatic mail the loop rules hold back).
    """
    to = item.to
    if to is None:
        contact = await contact_address(session, ticket)
        if contact is None:
            return f"{NOT_MAILED} the contact has no address"
        to = [contact]
    if not to:
        return f"{NOT_MAILED} no address to send to"
    if item.automatic:
        if not setup.configured:
            # No server: no promise of automatic mail is made (a reply is still stored).
            return f"{NOT_MAILED} no mail server configured"
        why = await why_not_automatic(session, setup, to[0].addr, now, item.answering)
        if why:
            return f"{item.kind} not sent: {why}"
        if item.message_row_id is None:
            # The notice is an entry of the conversation too: agents see what the
            # customer got, and an answer to it threads back by its Message-ID.
            await session.flush()  # after the entries of the action that causes it
            latest = (
                await session.execute(
                    select(func.max(Message.created_at)).where(Message.ticket_id == ticket.id)
                )
            ).scalar()
            at = max(now, latest) if latest is not None else now
            entry = Message(ticket_id=ticket.id, kind=NOTICE, body=item.body, created_at=at)
            session.add(entry)
            await session.flush()
            item.message_row_id = entry.id
    department = (
        await session.get(Department, ticket.department_id)
        if ticket.department_id is not None
        else None
    )
    sender_addr = (department.email if department and department.email else setup.sender) or ""
    sender_name = department.name if department else ""
    parent, references = await thread_of(session, ticket.id) if item.thread else (None, [])
    attachments = []
    if item.attachment_ids:
        rows = (
            await session.execute(
                select(Attachment)
                .where(Attachment.ticket_id == ticket.id, Attachment.id.in_(item.attachment_ids))
                .order_by(Attachment.id)
            )
        ).scalars()
        attachments = [mail.Attachment(a.file_name, a.media_type, a.content) for a in rows]
    message_id = mail.new_message_id(setup.domain)
    state, detail = QUEUED, None
    if not setup.configured:
        state, detail = FAILED, NO_SERVER
    elif not mail.valid_addr(sender_addr.strip()):
        state, detail = FAILED, NO_SENDER
    outgoing = Outgoing(
        sender=Address(sender_name, sender_addr.strip() or "desk@" + setup.domain),
        to=to,
        cc=item.cc,
        subject=item.subject or mail.reply_subject(ticket.subject, ticket.number),
        body=item.body,
        message_id=message_id,
        in_reply_to=parent,
        references=references,
        automatic=item.automatic,
        attachments=attachments,
        date=now,
    )
    row = outbox_row(
        outgoing,
        ticket_id=ticket.id,
        message_row_id=item.message_row_id,
        kind=item.kind,
        state=state,
        detail=detail,
    )
    session.add(row)
    if item.message_row_id is not None:
        # The conversation's entry carries the mail's Message-ID and addresses, as "Mail
        # in" stores them: an answer to it threads back here, a bounce of it is found.
        written = await session.get(Message, item.message_row_id)
        if written is not None:
            written.message_id = message_id
            written.from_addr = str(outgoing.sender)
            written.to_addrs = "\n".join(str(a) for a in to)
            written.cc_addrs = "\n".join(str(a) for a in item.cc) or None
    await session.flush()
    return row


async def notice_mail(
    session: AsyncSession, ticket: Ticket, kind: str, answering: Inbound | None = None
) -> Mail | None:
    """The acknowledgement or closing notice of a ticket, from its department's template
    (or the default one), as automatic mail; None when the department sends no
    acknowledgement (``--no-ack``)."""
    department = (
        await session.get(Department, ticket.department_id)
        if ticket.department_id is not None
        else None
    )
    if kind == ACKNOWLEDGEMENT:
        if department is not None and not department.ack_enabled:
            return None
        template = (department.ack_template if department else None) or DEFAULT_ACK
        automatic = mail.AUTO_REPLIED
    else:
        template = (department.closing_template if department else None) or DEFAULT_CLOSING
        automatic = mail.AUTO_GENERATED
    contact = (
        await session.get(Contact, ticket.contact_id) if ticket.contact_id is not None else None
    )
    values = template_values(
        ticket, contact.name if contact else "", department.name if department else ""
    )
    return Mail(kind=kind, body=fill(template, values), automatic=automatic, answering=answering)


async def acknowledge_new(
    session: AsyncSession, setup: MailSetup, ticket: Ticket, answering: Inbound, now: datetime
) -> str | None:
    """Queue the acknowledgement of a ticket just made from mail, in that transaction;
    the sentence to record when the loop rules hold it back (None: queued, or the
    department sends none)."""
    item = await notice_mail(session, ticket, ACKNOWLEDGEMENT, answering)
    if item is None:
        return None
    row = await queue_mail(session, setup, ticket, item, now)
    if isinstance(row, str) and not row.startswith(NOT_MAILED):
        return row
    return None


def system_event(ticket: Ticket, at: datetime, text: str | None) -> dict[str, Any]:
    """A history event by the desk itself (the worker, auto-close): a ``mail`` event."""
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "actor_kind": history.SYSTEM,
        "actor_id": None,
        "actor_name": "system",
        "at": at,
        "action": "mail",
        "field": None,
        "old_value": None,
        "new_value": text,
    }


def template_values(ticket: Ticket, contact: str, department: str) -> dict[str, str]:
    """The placeholders' values for one ticket (single-line, safe for a mail body)."""
    return {
        "number": str(ticket.number),
        "subject": mail.header_text(ticket.subject, 200),
        "contact": mail.header_text(contact, 200) or "customer",
        "department": mail.header_text(department, 200) or "Support",
    }


# -- reading and changing the outbox (the command line, the console, the worker) ----------


@dataclass(frozen=True)
class OutboxRecord:
    """One mail of the outbox as the command line and the console show it."""

    id: int
    ticket_number: int | None
    kind: str
    automatic: bool
    message_id: str
    to: str
    subject: str
    state: str
    tries: int
    detail: str | None
    created_at: datetime
    sent_at: datetime | None
    next_try_at: datetime
    message_row_id: int | None


def _record(row: OutboxMail, number: int | None) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        ticket_number=number,
        kind=row.kind,
        automatic=row.automatic,
        message_id=row.message_id,
        to=row.recipients,
        subject=row.subject,
        state=row.state,
        tries=row.tries,
        detail=row.detail,
        created_at=row.created_at,
        sent_at=row.sent_at,
        next_try_at=row.next_try_at,
        message_row_id=row.message_row_id,
    )


def _no_mail(mail_id: int) -> str:
    return f"No mail {mail_id} in the outbox (`agent-console mail outbox`)."


def requeue(row: OutboxMail, now: datetime, setup: MailSetup) -> None:
    """Put a failed (or cancelled) mail back in the outbox, to be sent at once (in the
    caller's transaction); Refused with a sentence when it cannot be."""
    if row.state == SENT:
        raise Refused(f"Mail {row.id} was sent already ({row.detail}).")
    if row.state == QUEUED:
        raise Refused(f"Mail {row.id} is queued already; the worker sends it.")
    if not setup.configured:
        raise Refused(f"Mail {row.id} cannot be sent: no mail server is configured ([smtp]).")
    row.state, row.tries, row.next_try_at, row.detail = QUEUED, 0, now, None


def cancel_queued(row: OutboxMail) -> None:
    """Cancel a queued mail (in the caller's transaction): it will not be sent."""
    if row.state != QUEUED:
        raise Refused(f"Only a queued mail can be cancelled; mail {row.id} is {row.state}.")
    row.state = CANCELLED


@dataclass(frozen=True)
class Due:
    """A mail the sender is to try now."""

    id: int
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    tries: int


class Outbox:
    """The outbox of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _records(self, *conditions: Any, limit: int | None = None) -> list[OutboxRecord]:
        """Mails with their ticket numbers, newest first."""
        stmt = (
            select(OutboxMail, Ticket.number)
            .outerjoin(Ticket, Ticket.id == OutboxMail.ticket_id)
            .where(*conditions)
            .order_by(OutboxMail.id.desc())
            .limit(limit)
        )
        async with self.db.read() as session:
            return [_record(row, number) for row, number in (await session.execute(stmt)).all()]

    async def listing(self, state: str | None = None, limit: int = 1000) -> list[OutboxRecord]:
        """Mails, newest first, optionally in one state."""
        conditions = [OutboxMail.state == state] if state else []
        return await self._records(*conditions, limit=limit)

    async def get(self, mail_id: int) -> OutboxRecord:
        """One mail; NotFound when there is none."""
        found = await self._records(OutboxMail.id == mail_id)
        if not found:
            raise NotFound(_no_mail(mail_id))
        return found[0]

    async def retry(self, mail_id: int, now: datetime, setup: MailSetup) -> OutboxRecord:
        """Queue a failed (or cancelled) mail again, to be sent at once."""
        async with self.db.write() as session:
            row = await session.get(OutboxMail, mail_id)
            if row is None:
                raise NotFound(_no_mail(mail_id))
            requeue(row, now, setup)
        return await self.get(mail_id)

    async def cancel(self, mail_id: int) -> OutboxRecord:
        """Cancel a queued mail (only one not sent yet)."""
        async with self.db.write() as session:
            row = await session.get(OutboxMail, mail_id)
            if row is None:
                raise NotFound(_no_mail(mail_id))
            cancel_queued(row)
        return await self.get(mail_id)

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        """Queued mails whose time to try has come, oldest first."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(OutboxMail)
                    .where(OutboxMail.state == QUEUED, OutboxMail.next_try_at <= now)
                    .order_by(OutboxMail.next_try_at, OutboxMail.id)
                    .limit(limit)
                )
            ).scalars()
            return [
                Due(r.id, r.mail_from, tuple(r.recipients.split(",")), r.raw, r.tries) for r in rows
            ]

    async def counts(self) -> dict[str, int]:
        """How many mails are in each state."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(OutboxMail.state, func.count()).group_by(OutboxMail.state)
                )
            ).all()
        found = {state: 0 for state in STATES}
        found.update({state: count for state, count in rows})
        return found

    async def _mark(self, mail_id: int, **values: object) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, OutboxMail.state == QUEUED)
                .values(**values)
            )
            ticket_number = (
                await session.execute(
                    select(Ticket.number)
                    .join(OutboxMail, OutboxMail.ticket_id == Ticket.id)
                    .where(OutboxMail.id == mail_id)
                )
            ).scalar_one_or_none()
            if ticket_number is not None:
                await self.db.notify(session, str(ticket_number))

    async def sent(self, mail_id: int, reply: str, now: datetime) -> None:
        """The server accepted the mail; ``reply`` is what it said."""
        await self._mark(mail_id, state=SENT, detail=reply, sent_at=now, tries=OutboxMail.tries + 1)

    async def later(self, mail_id: int, words: str, at: datetime) -> None:
        """A temporary failure: try again at ``at``."""
        await self._mark(mail_id, detail=words, next_try_at=at, tries=OutboxMail.tries + 1)

    async def failed(self, mail_id: int, words: str) -> None:
        """A permanent failure (or too many tries): ``words`` say why."""
        await self._mark(mail_id, state=FAILED, detail=words, tries=OutboxMail.tries + 1)

    async def bounced(self, message_id: str, words: str) -> bool:
        """A bounce came back for one of our mails: its delivery failed, and no automatic
        mail goes to that address again.  False when the Message-ID is not ours."""
        async with self.db.write() as session:
            return await mark_bounced(session, [message_id], words) > 0


async def mark_bounced(session: AsyncSession, message_ids: Sequence[str], words: str) -> int:
    """Mark our mails with these Message-IDs bounced (in the caller's transaction); how
    many there were."""
    if not message_ids:
        return 0
    result = await session.execute(
        update(OutboxMail)
        .where(OutboxMail.message_id.in_(list(message_ids)))
        .values(state=FAILED, detail=f"bounced: {words}", bounced=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)
