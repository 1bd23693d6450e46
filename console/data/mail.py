"""Mail in, stored: an inbound mail (already read by ``console.mail.parse``) becomes a new
ticket, a message on the ticket it threads to, or a quarantined mail, in one transaction.

The decisions (threading rules, automatic mail, the department) are ``console.mail.rules``
on plain data; this module looks up what they need (every lookup by an indexed column:
Message-ID, digest, ticket number) and writes the outcome.  Mail arrives by no agent: its
history is the customer's, and a ticket opened by mail has no creator.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.audit import append_events
from console.data.db import Database
from console.data.errors import BadValue, NotFound
from console.data.models import (
    Account,
    Attachment,
    Contact,
    Department,
    MailImport,
    MailSource,
    Message,
    QuarantinedMail,
    Ticket,
)
from console.data.outbox import (
    NOTICE,
    Inbound,
    MailSetup,
    acknowledge_new,
    mark_bounced,
    system_event,
)
from console.data.records import default_sla, priority_rank
from console.data.tickets.auto_assign import MODES, auto_assign
from console.data.tickets.conversation import (
    customer_effects,
    customer_event,
    customer_reply,
    lock_onward,
)
from console.data.tickets.creating import (
    NumberBlock,
    amc_expired,
    contact_and_account,
    find_department,
    new_ticket,
)
from console.data.tickets.frame import Clock, utc_now
from console.mail import rules
from console.mail.message import InboundMail
from console.mail.parse import megabytes

CREATED = "created"
THREADED = "threaded"
AUTOMATIC = "automatic"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: ``kind`` is one of the words above; ``number`` the ticket
    (created or joined), ``reason`` why it was quarantined, ``quarantine`` its id."""

    kind: str
    number: int | None = None
    reason: str | None = None
    quarantine: int | None = None


@dataclass(frozen=True)
class Incoming:
    """A mail read and parsed, to store: where it came from and its mailbox's department."""

    mail: InboundMail
    raw: bytes
    source: str
    department: str | None = None


@dataclass
class _Written:
    """What a transaction of mail intake wrote: the history events, the tickets."""

    events: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


@dataclass
class _NewTicket:
    """A ticket a mail opens, waiting to be written with the others of its batch (one
    insert for each table instead of several statements for each mail)."""

    mail: InboundMail
    raw: bytes
    source: str
    contact: Contact  # not yet written when the sender is new
    account: Account | None
    ticket: Ticket
    message: Message


@dataclass
class _Batch:
    """What a transaction of mail intake looked up at once for all its mails, kept up to
    date as each mail is stored (a later mail of the batch may answer or repeat an earlier
    one): the Message-IDs and digests already here, and the messages each id names."""

    message_ids: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    known: dict[str, rules.Known] = field(default_factory=dict)
    #: the contacts of the batch's senders by their address in lower case: (id, name)
    contacts: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: new tickets not yet written, and what a later mail may need of them
    waiting: list[_NewTicket] = field(default_factory=list)
    waiting_ids: set[str] = field(default_factory=set)
    waiting_numbers: set[int] = field(default_factory=set)
    waiting_senders: dict[str, Contact] = field(default_factory=dict)
    #: the tickets the batch's replies name (by number), read and locked at once
    tickets: dict[int, Ticket] = field(default_factory=dict)

    def waits_on(self, mail: InboundMail) -> bool:
        """Whether the mail names a message, ticket or sender of a waiting new ticket
        (which must then be written before the mail is decided)."""
        if not self.waiting:
            return False
        number = rules.tagged_number(mail.subject)
        if number is not None and number in self.waiting_numbers:
            return True
        if mail.sender is not None and mail.sender.email.lower() in self.waiting_senders:
            return True
        return any(i in self.waiting_ids for i in rules.ids_to_look_up(mail))

    def seen(self, mail: InboundMail) -> None:
        """A mail of the batch will be stored (a repeat of it later is a duplicate)."""
        self.digests.add(mail.sha256)
        if mail.message_id is not None:
            self.message_ids.add(mail.message_id)

    def is_duplicate(self, mail: InboundMail, releasing: bool) -> bool:
        """Already imported (its Message-ID, or without one its raw bytes), or in
        quarantine already (unless this is its release)."""
        if mail.message_id is not None:
            here = mail.message_id in self.message_ids
        else:
            here = mail.sha256 in self.digests
        return here or (not releasing and mail.sha256 in self.held)

    def stored(self, mail: InboundMail, message: Message, number: int) -> None:
        """A mail of the batch is stored as ``message`` on ticket ``number``."""
        self.seen(mail)
        if mail.message_id is not None:
            self.known[mail.message_id] = rules.Known(message.id, number)

    def known_to(self, mail: InboundMail) -> dict[str, rules.Known]:
        return {i: self.known[i] for i in rules.ids_to_look_up(mail) if i in self.known}


_Key = TypeVar("_Key", str, int)

#: How many values one ``IN (...)`` of a batch's look-ups holds at most.
IN_CHUNK = 500


def _chunks(values: set[_Key]) -> list[list[_Key]]:
    ordered = sorted(values)
    return [ordered[i : i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


@dataclass(frozen=True)
class _Departments:
    """The departments as mail intake needs them: by address, and ids by name."""

    addresses: dict[str, str]
    ids: dict[str, int]
    #: the departments that hand out their new tickets (by id: the mode)
    auto_assign: dict[int, str]


@dataclass(frozen=True)
class QuarantineRecord:
    """A quarantined mail as the command line lists it."""

    id: int
    source: str
    reason: str
    size: int
    at: datetime
    kept: bool


def mail_body(mail: InboundMail) -> str:
    """The message's text: the body, then what was not kept or not read."""
    notes = [
        f"{part.file_name}, {megabytes(part.size)}, was over 20 MB and not kept"
        for part in mail.attachments
        if part.content is None
    ]
    notes.extend(mail.problems)
    text = mail.body
    if not text:
        kept = [p.file_name for p in mail.attachments if p.content is not None]
        text = "(no text" + (f"; attached: {', '.join(kept)})" if kept else ")")
    if notes:
        text += "\n\n" + "\n".join(f"[{note}]" for note in notes)
    return text


class MailIntake:
    """Storing inbound mail on one database (the worker's and ``mail import``'s)."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = utc_now,
        sla: dict[int, timedelta] | None = None,
        mail: MailSetup | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sla = sla or default_sla()
        #: mail out: a ticket made from mail is acknowledged through the outbox
        self.mail = mail or MailSetup()

    async def check_department(self, name: str) -> None:
        """BadValue (listing the departments) when there is no department ``name``."""
        async with self.db.read() as session:
            await find_department(session, name)

    # -- taking a mail in -------------------------------------------------------------

    async def take(
        self,
        mail: InboundMail,
        raw: bytes,
        source: str,
        *,
        department: str | None = None,
        releasing: bool = False,
    ) -> Outcome:
        """Store one mail: a new ticket, a message on its ticket, a duplicate (already
        here: nothing written) or quarantine (automatic mail for no ticket, no sender)."""
        [outcome] = await self.take_many(
            [Incoming(mail, raw, source, department)], releasing=releasing
        )
        return outcome

    async def take_many(
        self, items: Sequence[Incoming], *, releasing: bool = False
    ) -> list[Outcome]:
        """Store several mails in one transaction (a large import): all or none."""
        async with self.db.write() as session:
            known = await self._departments(session)
            batch = await self._look_up(session, items)
            written = _Written()
            numbers = NumberBlock(session, len(items))
            outcomes = []
            for item in items:
                if batch.waits_on(item.mail):
                    await self._write_new(session, known, written, batch)
                outcomes.append(
                    await self._take(session, item, known, releasing, written, batch, numbers)
                )
            await self._write_new(session, known, written, batch)
            await numbers.settle()
            await self._record(session, written)
            return outcomes

    async def _look_up(self, session: AsyncSession, items: Sequence[Incoming]) -> _Batch:
        """Everything the batch's duplicate checks and threading need, in a few indexed
        ``IN`` look-ups for all its mails instead of several queries for each."""
        batch = _Batch()
        ids = {i.mail.message_id for i in items if i.mail.message_id is not None}
        digests = {i.mail.sha256 for i in items}
        parents = {p for i in items for p in rules.ids_to_look_up(i.mail)}
        senders = {i.mail.sender.email.lower() for i in items if i.mail.sender is not None}
        for chunk in _chunks(senders):
            # One scan of the contacts for the batch (the address is matched in lower case,
            # which its index cannot serve) instead of one for each reply.
            rows = await session.execute(
                select(func.lower(Contact.email), Contact.id, Contact.name)
                .where(func.lower(Contact.email).in_(chunk))
                .order_by(Contact.id.desc())
            )
            batch.contacts.update({email: (pk, name) for email, pk, name in rows.all()})
        for chunk in _chunks(ids):
            found = await session.execute(
                select(Message.message_id).where(Message.message_id.in_(chunk)).distinct()
            )
            batch.message_ids.update(m for m in found.scalars() if m)
        for chunk in _chunks(digests):
            found = await session.execute(
                select(MailSource.sha256).where(MailSource.sha256.in_(chunk)).distinct()
            )
            batch.digests.update(d for d in found.scalars() if d)
            found = await session.execute(
                select(QuarantinedMail.sha256).where(QuarantinedMail.sha256.in_(chunk)).distinct()
            )
            batch.held.update(d for d in found.scalars() if d)
        for chunk in _chunks(parents):
            rows = await session.execute(
                select(Message.message_id, Message.id, Ticket.number)
                .join(Ticket, Ticket.id == Message.ticket_id)
                .where(Message.message_id.in_(chunk))
                .order_by(Message.id)
            )
            batch.known.update({mid: rules.Known(pk, n) for mid, pk, n in rows.all() if mid})
        numbers = {k.number for k in batch.known.values()}
        numbers.update(n for i in items if (n := rules.tagged_number(i.mail.subject)) is not None)
        for wanted in _chunks(numbers):
            # The tickets the replies are likely to join, locked in one go (by id, the
            # order every other multi-ticket lock takes).
            locked = await session.execute(
                select(Ticket)
                .where(Ticket.number.in_(wanted))
                .order_by(Ticket.id)
                .with_for_update()
            )
            batch.tickets.update({t.number: t for t in locked.scalars()})
        return batch

    async def _record(self, session: AsyncSession, written: _Written) -> None:
        """The history of everything taken in, appended to the chain at once (its head
        is locked last, once), and live consoles told."""
        await session.flush()
        await append_events(session, written.events)
        for number in dict.fromkeys(written.numbers):
            await self.db.notify(session, str(number))

    async def _departments(self, session: AsyncSession) -> _Departments:
        rows = (
            await session.execute(
                select(Department.id, Department.name, Department.email, Department.auto_assign)
            )
        ).all()
        return _Departments(
            {email.lower(): name for _id, name, email, _mode in rows if email},
            {name.lower(): dept_id for dept_id, name, _email, _mode in rows},
            {dept_id: mode for dept_id, _name, _email, mode in rows if mode in MODES},
        )

    async def _take(
        self,
        session: AsyncSession,
        item: Incoming,
        known: _Departments,
        releasing: bool,
        written: _Written,
        batch: _Batch,
        numbers: NumberBlock,
    ) -> Outcome:
        mail, raw, source, department = item.mail, item.raw, item.source, item.department
        if batch.is_duplicate(mail, releasing):
            return Outcome(DUPLICATE)
        automatic = rules.automatic_reason(mail, known.addresses.keys())
        decision = rules.decide(mail, batch.known_to(mail), await self._tagged(session, mail))
        if decision.number is None:
            reason = None
            if mail.sender is None:
                reason = "it has no sender address (From) to open a ticket for"
            elif automatic and not releasing:  # released: a ticket anyway
                reason = f"automatic mail ({automatic}) that belongs to no ticket"
            if reason and releasing:
                raise BadValue(f"This mail cannot be imported: {reason}.")
            if reason:
                batch.held.add(mail.sha256)
                return await self._quarantine(session, raw, source, reason, department)
            dept = rules.department_for(mail, known.addresses, department)
            dept_id = known.ids.get(dept.lower()) if dept else None
            number = await self._open(session, mail, raw, source, dept_id, batch, numbers)
            return Outcome(CREATED, number)
        number = await self._join(session, mail, raw, source, decision, automatic, written, batch)
        return Outcome(AUTOMATIC if automatic else THREADED, number)

    async def _tagged(self, session: AsyncSession, mail: InboundMail) -> rules.Tagged | None:
        number = rules.tagged_number(mail.subject)
        if number is None or mail.sender is None:
            return None
        row = (
            await session.execute(
                select(Ticket.number, Contact.email, Ticket.account_id)
                .outerjoin(Contact, Contact.id == Ticket.contact_id)
                .where(Ticket.number == number)
            )
        ).first()
        if row is None:
            return None
        sender = mail.sender.email.lower()
        colleagues: frozenset[str] = frozenset()
        if row[2] is not None:
            same = await session.execute(
                select(Contact.id)
                .where(Contact.account_id == row[2], func.lower(Contact.email) == sender)
                .limit(1)
            )
            if same.first() is not None:
                colleagues = frozenset({sender})
        return rules.Tagged(row[0], row[1], colleagues)

    def _message(
        self,
        ticket: Ticket,
        mail: InboundMail,
        contact_id: int | None,
        *,
        threaded_by: str | None = None,
        threaded_to: int | None = None,
        automatic: bool = False,
    ) -> Message:
        return Message(
            ticket_id=ticket.id,
            kind="customer",
            author_contact_id=contact_id,
            body=mail_body(mail),
            created_at=self.clock(),
            message_id=mail.message_id,
            from_addr=mail.sender.shown() if mail.sender else None,
            to_addrs="\n".join(a.shown() for a in mail.to) or None,
            cc_addrs="\n".join(a.shown() for a in mail.cc) or None,
            threaded_by=threaded_by,
            threaded_to_id=threaded_to,
            automatic=automatic,
        )

    def _sources(
        self,
        session: AsyncSession,
        ticket: Ticket,
        message: Message,
        mail: InboundMail,
        raw: bytes,
        source: str,
    ) -> list[str]:
        """Add the raw mail and the attachments of a written message; the attachments'
        names as history says them."""
        session.add(MailSource(message_id=message.id, sha256=mail.sha256, source=source, raw=raw))
        attached = []
        for part in mail.attachments:
            if part.content is None:
                continue
            kind = part.media_type
            if kind == "application/octet-stream":
                kind = mimetypes.guess_type(part.file_name)[0] or kind
            session.add(
                Attachment(
                    ticket_id=ticket.id,
                    file_name=part.file_name,
                    media_type=kind,
                    size=part.size,
                    sha256=hashlib.sha256(part.content).hexdigest(),
                    content=part.content,
                    uploaded_by_id=None,
                    created_at=self.clock(),
                )
            )
            attached.append(history.attached(part.file_name, part.size))
        return attached

    async def _open(
        self,
        session: AsyncSession,
        mail: InboundMail,
        raw: bytes,
        source: str,
        dept_id: int | None,
        batch: _Batch,
        numbers: NumberBlock,
    ) -> int:
        """A new ticket from the mail, its contact found or created from From; written
        with the batch's other new tickets (``_write_new``)."""
        assert mail.sender is not None
        now = self.clock()
        name = mail.sender.name or mail.sender.email.split("@", 1)[0]
        email = mail.sender.email[:320]
        contact: Contact
        account: Account | None
        if email == mail.sender.email and email.lower() not in batch.contacts:
            # A sender the batch looked up and did not find: a new contact (a second
            # mail of theirs in the batch waits for it to be written: ``waits_on``).
            contact, account = Contact(name=name[:200], email=email), None
            batch.waiting_senders[email.lower()] = contact
        else:
            known: tuple[Contact | None] | None = None
            if email == mail.sender.email:  # the batch looked its address up
                hit = batch.contacts[email.lower()]
                known = (await session.get(Contact, hit[0]),)
            contact, account = await contact_and_account(
                session, name[:200], email, None, None, known=known
            )
            if contact.email:
                batch.contacts.setdefault(contact.email.lower(), (contact.id, contact.name))
        rank = priority_rank("High" if mail.high_priority else "Medium")
        ticket = new_ticket(
            await numbers.take(),
            subject=mail.subject,
            description=mail_body(mail),
            rank=rank,
            channel="Email",
            department_id=dept_id,
            contact_id=contact.id,
            account=account,
            creator_id=None,
            now=now,
            due=now + self.sla[rank],
        )
        message = self._message(ticket, mail, contact.id)
        batch.waiting.append(_NewTicket(mail, raw, source, contact, account, ticket, message))
        batch.waiting_numbers.add(ticket.number)
        if mail.message_id is not None:
            batch.waiting_ids.add(mail.message_id)
        batch.seen(mail)
        return ticket.number

    async def _write_new(
        self, session: AsyncSession, known: _Departments, written: _Written, batch: _Batch
    ) -> None:
        """Write the batch's waiting new tickets: their new contacts, the tickets, their
        first messages (one insert of each), then the raw mail, attachments, history and
        acknowledgements of each."""
        waiting = batch.waiting
        if not waiting:
            return
        batch.waiting = []
        new_contacts = list(batch.waiting_senders.values())
        batch.waiting_senders.clear()
        batch.waiting_ids.clear()
        batch.waiting_numbers.clear()
        if new_contacts:
            session.add_all(new_contacts)
            await session.flush()
            for contact in new_contacts:
                if contact.email:
                    batch.contacts.setdefault(contact.email.lower(), (contact.id, contact.name))
        for new in waiting:
            new.ticket.contact_id = new.contact.id
            new.message.author_contact_id = new.contact.id
        session.add_all([new.ticket for new in waiting])
        await session.flush()
        for new in waiting:
            new.message.ticket_id = new.ticket.id
        session.add_all([new.message for new in waiting])
        await session.flush()
        for new in waiting:
            await self._opened(session, new, known, written, batch)

    async def _opened(
        self,
        session: AsyncSession,
        new: _NewTicket,
        known: _Departments,
        written: _Written,
        batch: _Batch,
    ) -> None:
        """What follows a new ticket's writing: its raw mail and attachments, its history,
        auto-assignment and the acknowledgement."""
        ticket, mail, contact, account = new.ticket, new.mail, new.contact, new.account
        assert mail.sender is not None
        now = ticket.created_at
        attached = self._sources(session, ticket, new.message, mail, new.raw, new.source)
        batch.stored(mail, new.message, ticket.number)
        events = [
            customer_event(ticket, contact.name, now, history.CREATE, None, None, mail.subject)
        ]
        if amc_expired(account, now) and account is not None:
            events.append(
                customer_event(
                    ticket,
                    contact.name,
                    now,
                    history.AMC,
                    "amc_state",
                    None,
                    history.amc_expired(account.name, account.amc_expires),
                )
            )
        events.extend(
            customer_event(ticket, contact.name, now, "attach", None, None, a) for a in attached
        )
        if ticket.department_id in known.auto_assign:
            assigned = await auto_assign(session, self.mail, ticket, now)
            if assigned:
                events.append(assigned)
        answering = Inbound(
            mail.sender.email,
            mail.message_id,
            (*mail.in_reply_to, *mail.references),
            automatic=mail.automatic is not None,
        )
        held = await acknowledge_new(session, self.mail, ticket, answering, now)
        if held:
            events.append(system_event(ticket, now, held))
        written.events.extend(events)
        written.numbers.append(ticket.number)

    async def _join(
        self,
        session: AsyncSession,
        mail: InboundMail,
        raw: bytes,
        source: str,
        decision: rules.Threading,
        automatic: str | None,
        written: _Written,
        batch: _Batch,
    ) -> int:
        """The mail as a message on the ticket it threads to (forwarded past merges)."""
        assert decision.number is not None
        ticket = batch.tickets.get(decision.number)
        if ticket is None or ticket.merged_into_id is not None:
            ticket_id = (
                await session.execute(select(Ticket.id).where(Ticket.number == decision.number))
            ).scalar_one()
            ticket = await lock_onward(session, ticket_id)
        now = self.clock()
        contact_id = None
        who = mail.sender.shown() if mail.sender else "customer"
        if mail.sender is not None:
            found = batch.contacts.get(mail.sender.email.lower())
            if found is not None:
                contact_id, who = found
        message = self._message(
            ticket,
            mail,
            contact_id,
            threaded_by=decision.rule,
            threaded_to=decision.matched,
            automatic=automatic is not None,
        )
        session.add(message)
        await session.flush()
        attached = self._sources(session, ticket, message, mail, raw, source)
        batch.stored(mail, message, ticket.number)
        preview = history.preview(message.body)
        action = "automatic" if automatic else history.CUSTOMER
        events: list[dict[str, Any]] = [
            customer_event(ticket, who, now, action, None, None, preview)
        ]
        events.extend(customer_event(ticket, who, now, "attach", None, None, a) for a in attached)
        if automatic is None:
            await customer_reply(session, self.mail, ticket, message, who, now)
            events.extend(await customer_effects(session, ticket, who, now))
        if mail.bounce and mail.bounced_ids:
            # A bounce of one of our own messages: that message's delivery failed.
            await session.execute(
                update(Message)
                .where(
                    Message.message_id.in_(mail.bounced_ids),
                    or_(Message.author_agent_id.is_not(None), Message.kind == NOTICE),
                )
                .values(delivery="failed")
            )
            # ... and in the outbox: no automatic mail goes to that address again.
            await mark_bounced(session, mail.bounced_ids, "a delivery-status report came back")
        ticket.updated_at = now
        written.events.extend(events)
        written.numbers.append(ticket.number)
        return ticket.number

    # -- quarantine -------------------------------------------------------------------

    async def quarantine(
        self,
        raw: bytes | None,
        source: str,
        reason: str,
        *,
        sha256: str,
        size: int,
        department: str | None = None,
    ) -> Outcome:
        """Hold a mail that could not be read (``raw`` None: too large to keep)."""
        async with self.db.write() as session:
            held = await session.execute(
                select(QuarantinedMail.id).where(QuarantinedMail.sha256 == sha256).limit(1)
            )
            if held.first() is not None:
                return Outcome(DUPLICATE)
            return await self._hold(session, raw, source, reason, department, sha256, size)

    async def _quarantine(
        self,
        session: AsyncSession,
        raw: bytes,
        source: str,
        reason: str,
        department: str | None,
    ) -> Outcome:
        return await self._hold(
            session, raw, source, reason, department, hashlib.sha256(raw).hexdigest(), len(raw)
        )

    async def _hold(
        self,
        session: AsyncSession,
        raw: bytes | None,
        source: str,
        reason: str,
        department: str | None,
        sha256: str,
        size: int,
    ) -> Outcome:
        row = QuarantinedMail(
            source=source,
            reason=reason,
            sha256=sha256,
            size=size,
            raw=raw,
            department=department,
            at=self.clock(),
        )
        session.add(row)
        await session.flush()
        return Outcome(QUARANTINED, reason=reason, quarantine=row.id)

    async def quarantined(self) -> list[QuarantineRecord]:
        """The mail in quarantine, oldest first."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        QuarantinedMail.id,
                        QuarantinedMail.source,
                        QuarantinedMail.reason,
                        QuarantinedMail.size,
                        QuarantinedMail.at,
                        QuarantinedMail.raw.is_not(None),
                    ).order_by(QuarantinedMail.id)
                )
            ).all()
        return [QuarantineRecord(*row) for row in rows]

    async def held(self, quarantine_id: int) -> tuple[bytes, str, str | None]:
        """A quarantined mail's raw bytes, source and department, for releasing it."""
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(
                        QuarantinedMail.raw, QuarantinedMail.source, QuarantinedMail.department
                    ).where(QuarantinedMail.id == quarantine_id)
                )
            ).first()
        if row is None:
            raise NotFound(
                f"No quarantined mail {quarantine_id} (`agent-console mail quarantine`)."
            )
        if row[0] is None:
            raise BadValue(
                f"Quarantined mail {quarantine_id} was too large to keep; import it from "
                f"{row[1]} once it is smaller, or drop it."
            )
        return row[0], row[1], row[2]

    async def drop(self, quarantine_id: int) -> None:
        """Remove a mail from quarantine for good."""
        async with self.db.write() as session:
            gone = await session.execute(
                delete(QuarantinedMail).where(QuarantinedMail.id == quarantine_id)
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise NotFound(
                    f"No quarantined mail {quarantine_id} (`agent-console mail quarantine`)."
                )

    # -- where an IMAP mailbox was read to -----------------------------------------------

    async def position(self, mailbox: str) -> tuple[int, int] | None:
        """The UIDVALIDITY and last UID imported of a mailbox, or None (never read)."""
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(MailImport.uidvalidity, MailImport.last_uid).where(
                        MailImport.mailbox == mailbox
                    )
                )
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    async def advance(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        """Remember that a mailbox was read up to ``last_uid`` under ``uidvalidity``."""
        async with self.db.write() as session:
            row = await session.get(MailImport, mailbox)
            if row is None:
                session.add(
                    MailImport(
                        mailbox=mailbox,
                        uidvalidity=uidvalidity,
                        last_uid=last_uid,
                        updated_at=self.clock(),
                    )
                )
            else:
                row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, self.clock()


__all__ = ["MailIntake", "Outcome", "QuarantineRecord", "mail_body"]
