"""The conversation on a ticket: replies, comments with @mentions, notes, and messages
from the customer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history, inbox, sla
from console.data.audit import append_events
from console.data.errors import BadValue, NotFound
from console.data.models import (
    Agent,
    Attachment,
    Contact,
    MailSource,
    Message,
    Ticket,
    message_mentions,
)
from console.data.outbox import (
    FORWARD,
    REPLY,
    Mail,
    MailSetup,
    addresses,
    contact_address,
    everyone_else,
    our_addresses,
)
from console.data.records import TicketRecord
from console.data.tickets.checks import some_text
from console.data.tickets.creating import allocate_number, new_ticket
from console.data.tickets.frame import _Action
from console.data.tickets.mailing import Mailing
from console.data.workflow import Action, Status
from console.mail.compose import Address, forward_subject, header_text

#: ``@username`` in a comment; not the middle of an email address (``pat@acme``).
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])")


class Conversation(Mailing):
    """What is written on a ticket, by agents and by the customer."""

    async def _add_message(
        self, act: _Action, kind: str, body: str, mentions: Iterable[int] = ()
    ) -> Message:
        """Add an agent's message of ``kind`` (and the agents it mentions) and record it."""
        message = Message(
            ticket_id=act.ticket.id,
            kind=kind,
            author_agent_id=self.actor.id,
            body=body,
            created_at=self.clock(),
        )
        act.session.add(message)
        await act.session.flush()
        ids = sorted(set(mentions))
        if ids:
            await act.session.execute(
                insert(message_mentions),
                [{"message_id": message.id, "agent_id": agent_id} for agent_id in ids],
            )
            others = [i for i in ids if i != self.actor.id]
            self._tell(act, others, inbox.MENTION, body, comment_id=message.id, body=body)
        self._event(act, kind, None, None, history.preview(body))
        return message

    async def reply(
        self,
        number: int,
        body: str,
        *,
        to: str | None = None,
        cc: str | None = None,
        attachments: Sequence[int] = (),
        to_all: bool = False,
        expected_version: int | None = None,
        seen_message_id: int | None = None,
    ) -> TicketRecord:
        """A public reply to the customer (the first one sets the first-response time),
        mailed through the outbox: to the ticket's contact unless ``to`` names others,
        with ``cc`` and the ticket's ``attachments`` chosen.  ``to_all``: also to everyone
        else on the customer's last mail (its sender, To and Cc, never our own
        addresses; ``outbox.everyone_else``).  With ``seen_message_id`` (the newest
        message the agent had seen), a newer customer message or another agent's
        reply stops it with ``StaleSend``."""
        body = some_text(body, "reply")
        to_list = addresses(to, "To") if to is not None and to.strip() else None
        cc_list = addresses(cc, "Cc")

        async def change(act: _Action) -> None:
            nonlocal to_list, cc_list
            if to_all:
                to_list, cc_list = await self._to_all(act, to_list, cc_list)
            message = await self._add_message(act, "reply", body)
            await self._mail(
                act,
                Mail(
                    kind=REPLY,
                    body=body,
                    to=to_list,
                    cc=cc_list,
                    attachment_ids=attachments,
                    message_row_id=message.id,
                ),
            )
            if act.ticket.first_response_at is None:
                act.ticket.first_response_at = self.clock()

        return await self._run(
            number, Action.REPLY, expected_version, change, seen_message_id=seen_message_id
        )

    async def _to_all(
        self, act: _Action, to: list[Address] | None, cc: list[Address]
    ) -> tuple[list[Address] | None, list[Address]]:
        """To and Cc of a reply to all: what was typed (To: else the contact), then the
        others on the customer's last mail, each address once."""
        more_to, more_cc = await everyone_else(act.session, self.mail, act.ticket)
        if to is None:
            contact = await contact_address(act.session, act.ticket)
            to = [contact] if contact is not None else []
        seen = {a.addr.lower() for a in [*to, *cc]}
        to = [*to, *(a for a in more_to if a.addr.lower() not in seen)]
        seen.update(a.addr.lower() for a in more_to)
        cc = [*cc, *(a for a in more_cc if a.addr.lower() not in seen)]
        return (to or None), cc

    async def reply_all_recipients(self, number: int) -> tuple[list[str], list[str]]:
        """Who a reply to all adds to the contact, as To and Cc (for the reply form to
        show before it is sent)."""
        async with self.db.read() as session:
            ticket = (
                await session.execute(select(Ticket).where(Ticket.number == number))
            ).scalar_one_or_none()
            if ticket is None:
                raise NotFound(f"No ticket #{number}.")
            to, cc = await everyone_else(session, self.mail, ticket)
        return [str(a) for a in to], [str(a) for a in cc]

    async def forward(
        self,
        number: int,
        to: str | Sequence[str],
        body: str = "",
        *,
        attachments: Sequence[int] | None = (),
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Forward the ticket's conversation to a third party (a supplier, another
        team): a new mail thread of its own (its own Message-ID, ``Fwd: <subject>
        [#1042]``, no In-Reply-To to the customer's mail), the note ``body`` above the
        public conversation quoted (never comments or notes), the ticket's
        ``attachments`` chosen.  Our own addresses are refused: the mail would come
        back in as new mail.  The conversation and the history show it."""
        typed = to if isinstance(to, str) else ", ".join(to)
        to_list = addresses(typed, "To")
        if not to_list:
            raise BadValue("To: forward to at least one address, such as name@example.com.")
        note = (body or "").strip()
        chosen = sorted(set(attachments or ()))

        async def change(act: _Action) -> None:
            ours = await our_addresses(act.session, self.mail)
            own = [a.addr for a in to_list if a.addr.lower() in ours]
            if own:
                raise BadValue(
                    f"To: {own[0]} is one of our own addresses; a forward there would come "
                    "back in as new mail."
                )
            files = await self._attachment_names(act, chosen)
            quoted = await quoted_conversation(act.session, act.ticket)
            message = Message(
                ticket_id=act.ticket.id,
                kind="forward",
                author_agent_id=self.actor.id,
                body=note or "(forwarded without a note)",
                created_at=self.clock(),
            )
            act.session.add(message)
            await act.session.flush()
            with_files = f" with {', '.join(files)}" if files else ""
            self._event(
                act,
                "forward",
                "to",
                None,
                history.preview(", ".join(a.addr for a in to_list) + with_files),
            )
            await self._mail(
                act,
                Mail(
                    kind=FORWARD,
                    body=f"{note}\n\n{quoted}" if note else quoted,
                    to=to_list,
                    attachment_ids=chosen,
                    message_row_id=message.id,
                    subject=forward_subject(act.ticket.subject, act.ticket.number),
                    thread=False,
                ),
            )

        return await self._run(number, Action.REPLY, expected_version, change)

    async def _attachment_names(self, act: _Action, ids: Sequence[int]) -> list[str]:
        """The file names of the ticket's attachments ``ids``; BadValue names one that is
        not the ticket's."""
        if not ids:
            return []
        rows = dict(
            (
                await act.session.execute(
                    select(Attachment.id, Attachment.file_name).where(
                        Attachment.ticket_id == act.ticket.id, Attachment.id.in_(ids)
                    )
                )
            ).all()
        )
        missing = [i for i in ids if i not in rows]
        if missing:
            raise BadValue(
                f"#{act.ticket.number} has no attachment {missing[0]} "
                "(`agent-console ticket show` lists them)."
            )
        return [header_text(rows[i]) for i in ids]

    async def comment(
        self, number: int, body: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """An internal comment; ``@username`` mentions must name agents."""
        body = some_text(body, "comment")

        async def change(act: _Action) -> None:
            ids = await self._mentions(act.session, body)
            await self._add_message(act, "comment", body, ids)

        return await self._run(number, Action.COMMENT, expected_version, change)

    async def note(
        self, number: int, body: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """A private note."""
        body = some_text(body, "note")

        async def change(act: _Action) -> None:
            await self._add_message(act, "note", body)

        return await self._run(number, Action.NOTE, expected_version, change)

    async def _mentions(self, session: AsyncSession, body: str) -> list[int]:
        """The ids of the agents a comment mentions; BadValue names any that are not."""
        names = sorted({m.group(1) for m in MENTION.finditer(body)})
        if not names:
            return []
        rows = dict(
            (
                await session.execute(
                    select(Agent.username, Agent.id).where(Agent.username.in_(names))
                )
            ).all()
        )
        unknown = [n for n in names if n not in rows]
        if unknown:
            raise BadValue(
                "Not an agent: "
                + ", ".join("@" + n for n in unknown)
                + ". Mention agents by username (`agent-console agent list`)."
            )
        return [rows[n] for n in names]

    async def split_off(self, number: int, message_id: int) -> TicketRecord:
        """Move a customer's message that was threaded here by mistake to a new ticket of
        its own (same contact and department, the mail's subject); returns the new one."""
        opened: list[int] = []

        async def change(act: _Action) -> None:
            message = (
                await act.session.execute(
                    select(Message).where(
                        Message.id == message_id, Message.ticket_id == act.ticket.id
                    )
                )
            ).scalar_one_or_none()
            if message is None or message.kind != "customer":
                raise BadValue(
                    f"#{number} has no customer message {message_id} to split off "
                    "(`agent-console ticket show` lists the messages)."
                )
            source = await act.session.get(MailSource, message.id)
            subject = mail_subject(source.raw) if source is not None else None
            now = self.clock()
            old = act.ticket
            ticket = new_ticket(
                await allocate_number(act.session),
                subject=subject or f"Split from #{old.number}",
                description=message.body,
                rank=old.priority,
                channel=old.channel,
                department_id=old.department_id,
                contact_id=message.author_contact_id or old.contact_id,
                account=None,
                creator_id=self.actor.id,
                now=now,
                due=now + self.sla[old.priority],
            )
            if message.author_contact_id is not None:
                ticket.account_id = (
                    await act.session.execute(
                        select(Contact.account_id).where(Contact.id == message.author_contact_id)
                    )
                ).scalar_one_or_none()
            else:
                ticket.account_id = old.account_id
            act.session.add(ticket)
            await act.session.flush()
            message.ticket_id = ticket.id
            message.threaded_by = None
            message.threaded_to_id = None
            self._event(act, "split", None, None, f"a customer message moved to #{ticket.number}")
            new_act = _Action(act.session, ticket, act.facts)
            self._event(new_act, history.CREATE, None, None, f"split from #{old.number}")
            await append_events(act.session, new_act.events)
            opened.append(ticket.number)

        await self._run(number, Action.EDIT, None, change)
        return await self.queries.ticket(opened[0])

    async def customer_message(
        self,
        number: int,
        body: str,
        *,
        contact_email: str | None = None,
    ) -> TicketRecord:
        """Record a message from the customer (by hand: a phone call confirmed by mail,
        ``contact_email`` the address it came from); a reply to a Closed ticket reopens it,
        and an owned ticket that is not sticky goes back to unassigned."""
        body = some_text(body, "message")
        async with self.db.write() as session:
            ticket_id = (
                await session.execute(select(Ticket.id).where(Ticket.number == number))
            ).scalar_one_or_none()
            if ticket_id is None:
                raise NotFound(f"No ticket #{number}.")
            ticket = await lock_onward(session, ticket_id)
            number = ticket.number
            contact = (
                await session.execute(select(Contact).where(Contact.id == ticket.contact_id))
            ).scalar_one_or_none()
            who = contact.name if contact else (contact_email or "customer")
            now = self.clock()
            message = Message(
                ticket_id=ticket.id,
                kind="customer",
                author_contact_id=ticket.contact_id,
                body=body,
                created_at=now,
                from_addr=contact_email,
            )
            session.add(message)
            await session.flush()
            await customer_reply(session, self.mail, ticket, message, who, now)
            events = [
                customer_event(
                    ticket, who, now, history.CUSTOMER, None, None, history.preview(body)
                )
            ]
            events.extend(await customer_effects(session, ticket, who, now))
            ticket.updated_at = now
            await session.flush()
            breach = await sla.check_ticket(session, ticket, now)
            if breach:
                events.append(breach)
            await append_events(session, events)
            await self.db.notify(session, str(number))
            return await self._answer(session, number)


async def lock_onward(session: AsyncSession, ticket_id: int) -> Ticket:
    """The ticket a message for ``ticket_id`` belongs on, locked: a ticket that was merged
    forwards to the one it went into.  Only that ticket is locked, so this never
    deadlocks with a merge."""
    for _ in range(10):
        onward = (
            await session.execute(select(Ticket.merged_into_id).where(Ticket.id == ticket_id))
        ).scalar_one_or_none()
        if onward is None:
            break
        ticket_id = onward
    return (
        await session.execute(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    ).scalar_one()


async def customer_effects(
    session: AsyncSession, ticket: Ticket, who: str, now: datetime
) -> list[dict[str, Any]]:
    """What a customer's message does to its ticket, and the history of it: a Closed
    ticket moves to ReOpen (the customer's reopen); an owned ticket that is not sticky
    goes back to unassigned (a sticky one stays with its owner).  Automatic mail does
    neither: its callers do not call this."""
    events: list[dict[str, Any]] = []
    if ticket.status == Status.CLOSED.value:
        events.append(customer_event(ticket, who, now, "reopen", "status", "Closed", "ReOpen"))
        ticket.status = Status.REOPEN.value
        ticket.closed_at = None
    if ticket.owner_id is not None and not ticket.sticky:
        owner = (
            await session.execute(select(Agent.username).where(Agent.id == ticket.owner_id))
        ).scalar_one_or_none()
        events.append(
            customer_event(
                ticket, who, now, "release", history.field_label("owner_id"), owner, None
            )
        )
        ticket.owner_id = None
    return events


async def customer_reply(
    session: AsyncSession,
    setup: MailSetup,
    ticket: Ticket,
    message: Message,
    who: str,
    now: datetime,
) -> None:
    """The owner's inbox entry for a customer's message on their ticket (written before
    ``customer_effects`` may give the ticket back: the owner still learns of it)."""
    if ticket.owner_id is None:
        return
    await inbox.add_entries(
        session,
        setup,
        [ticket.owner_id],
        kind=inbox.CUSTOMER_REPLY,
        sender=who,
        text=message.body,
        at=now,
        ticket=ticket,
        comment_id=message.id,
        body=message.body,
    )


#: Control characters a quoted body never carries (tab and newline stay).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: The entries of the conversation a forward quotes: what the customer saw.
QUOTED_KINDS = {"customer": "wrote", "reply": "answered"}


def _quote(text: str) -> str:
    body = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).rstrip()
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


async def quoted_conversation(session: AsyncSession, ticket: Ticket) -> str:
    """The public conversation of a ticket as a forward quotes it, oldest first: the
    description, the customer's messages and our replies (never internal comments,
    notes or automatic mail), each under who wrote it and when (UTC)."""
    rows = (
        await session.execute(
            select(Message, Contact.name, Agent.username)
            .outerjoin(Contact, Contact.id == Message.author_contact_id)
            .outerjoin(Agent, Agent.id == Message.author_agent_id)
            .where(
                Message.ticket_id == ticket.id,
                Message.kind.in_(list(QUOTED_KINDS)),
                Message.automatic.is_(False),
            )
            .order_by(Message.created_at, Message.id)
        )
    ).all()
    contact = await contact_address(session, ticket)
    customer = str(contact) if contact is not None else "the customer"
    parts = [
        "---------- Forwarded conversation ----------",
        f"Ticket #{ticket.number}: {header_text(ticket.subject)}",
        f"Customer: {header_text(customer)}",
    ]
    bodies = {m.body.strip() for m, _c, _a in rows}
    if ticket.description and ticket.description.strip() not in bodies:
        # A ticket made by an agent (a phone call): its description is the question.
        when = ticket.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        parts += ["", f"On {when}, {header_text(customer)} asked:", _quote(ticket.description)]
    for message, contact_name, agent in rows:
        who = agent if message.author_agent_id is not None else (contact_name or customer)
        when = message.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        verb = QUOTED_KINDS[message.kind]
        parts += ["", f"On {when}, {header_text(who or '?')} {verb}:", _quote(message.body)]
    return "\n".join(parts) + "\n"


def mail_subject(raw: bytes) -> str | None:
    """The Subject of a kept raw mail, on one line."""
    from email import policy
    from email.parser import BytesHeaderParser

    try:
        subject = BytesHeaderParser(policy=policy.default).parsebytes(raw).get("Subject")
    except Exception:  # a header the policy cannot read
        return None
    return " ".join(str(subject).split()) or None if subject is not None else None


def customer_event(
    ticket: Ticket,
    who: str,
    at: datetime,
    action: str,
    field_name: str | None,
    old: str | None,
    new: str | None,
) -> dict[str, Any]:
    """A history event by the customer (not an agent: no actor id, the contact's name)."""
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "actor_kind": history.CUSTOMER_ACTOR,
        "actor_id": None,
        "actor_name": who,
        "at": at,
        "action": action,
        "field": field_name,
        "old_value": old,
        "new_value": new,
    }
