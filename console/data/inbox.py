"""The inbox: per agent, what waits on them (mentions, approvals to decide, reminders
that are due, tickets someone else gave them, customer replies on their tickets, private
messages), and the private messages between agents.

An entry is written in the same transaction as the event that causes it (``add_entries``
is called inside the action's session), and mailed through the outbox in that same
transaction when the agent has an address, a mail server is configured and the agent
chose that kind (``[inbox] mail``, recorded in ``agents.inbox_mail`` when the agent
starts the console or a command).  Every read here is narrowed to the acting agent: no
one reads another's inbox or a message they neither sent nor received.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.db import Database
from console.data.errors import BadValue, NotFound
from console.data.models import (
    Activity,
    Agent,
    AgentMessage,
    AgentMessageRecipient,
    InboxEntry,
    OutboxMail,
    Ticket,
)
from console.data.outbox import FAILED, NO_SENDER, QUEUED, MailSetup, outbox_row
from console.data.scope import load_scope
from console.data.workflow import Actor
from console.mail import compose as mail
from console.mail.compose import Address, Outgoing

MENTION = "mention"
APPROVAL = "approval"
REMINDER = "reminder"
ASSIGNED = "assigned"
CUSTOMER_REPLY = "customer_reply"
MESSAGE = "message"
KINDS = (MENTION, APPROVAL, REMINDER, ASSIGNED, CUSTOMER_REPLY, MESSAGE)

#: What each kind is called where the console and mail show it.
KIND_LABELS: dict[str, str] = {
    MENTION: "mentioned you",
    APPROVAL: "asks your approval",
    REMINDER: "reminder",
    ASSIGNED: "assigned you",
    CUSTOMER_REPLY: "customer replied",
    MESSAGE: "wrote",
}


def said(kind: str, sender: str) -> str:
    """Who did what, in words: "alice mentioned you", "Reminder"."""
    return "Reminder" if kind == REMINDER else f"{sender} {KIND_LABELS[kind]}"


#: The kinds mailed when the agent chose none (``[inbox] mail``).
DEFAULT_MAIL: tuple[str, ...] = (REMINDER, APPROVAL)

#: The outbox kind of an entry's mail.
INBOX_MAIL = "inbox"

#: The most entries listed at once.
LISTED = 500


@dataclass(frozen=True)
class InboxRecord:
    """One entry as the console and ``agent-console inbox --json`` show it."""

    id: int
    kind: str
    ticket: int | None
    sender: str
    at: datetime
    text: str
    read: bool
    #: the comment a mention is in, the approval asked, the private message
    comment_id: int | None = None
    approval_id: int | None = None
    message_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The contract's keys: id, kind, ticket, from, at, text, read."""
        return {
            "id": self.id,
            "kind": self.kind,
            "ticket": self.ticket,
            "from": self.sender,
            "at": self.at.isoformat(),
            "text": self.text,
            "read": self.read,
        }


@dataclass(frozen=True)
class MessageRecord:
    """A private message as its sender or a recipient sees it."""

    id: int
    sender: str
    to: tuple[str, ...]
    subject: str
    body: str
    ticket: int | None
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.sender,
            "to": list(self.to),
            "subject": self.subject,
            "body": self.body,
            "ticket": self.ticket,
            "at": self.at.isoformat(),
        }


def mail_choice(stored: str | None) -> tuple[str, ...]:
    """The kinds an agent has mailed, from ``agents.inbox_mail`` (None: the default)."""
    if stored is None:
        return DEFAULT_MAIL
    return tuple(k for k in stored.split(",") if k in KINDS)


def check_mail_choice(kinds: Iterable[str]) -> tuple[str, ...]:
    """``[inbox] mail`` as given; BadValue names a kind that is not one."""
    chosen = tuple(dict.fromkeys(kinds))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise BadValue(
            f"[inbox] mail knows the kinds {', '.join(KINDS)}; not {', '.join(unknown)}."
        )
    return chosen


async def add_entries(
    session: AsyncSession,
    setup: MailSetup,
    agent_ids: Iterable[int],
    *,
    kind: str,
    sender: str,
    text: str,
    at: datetime,
    ticket: Ticket | None = None,
    ticket_number: int | None = None,
    comment_id: int | None = None,
    approval_id: int | None = None,
    activity_id: int | None = None,
    message_id: int | None = None,
    body: str | None = None,
) -> int:
    """One entry of ``kind`` for each agent, in the caller's transaction, each mailed
    when that agent chose the kind, has an address and a mail server is configured."""
    assert kind in KINDS
    ids = sorted(set(agent_ids))
    if not ids:
        return 0
    number = ticket.number if ticket is not None else ticket_number
    line = history.preview(" ".join(text.split())) or KIND_LABELS[kind]
    # A plain insert (no RETURNING): under row-level security an agent writes entries
    # into others' inboxes that the agent may not read back.
    await session.execute(
        insert(cast(Table, InboxEntry.__table__)).inline(),  # no RETURNING of the new ids
        [
            {
                "agent_id": agent_id,
                "kind": kind,
                "ticket_id": ticket.id if ticket is not None else None,
                "ticket_number": number,
                "from_name": sender[:200],
                "at": at,
                "text": line,
                "read": False,
                "message_row_id": comment_id,
                "approval_id": approval_id,
                "activity_id": activity_id,
                "agent_message_id": message_id,
            }
            for agent_id in ids
        ],
    )
    if setup.configured:
        rows = (
            await session.execute(
                select(Agent.id, Agent.email, Agent.display_name, Agent.inbox_mail).where(
                    Agent.id.in_(ids), Agent.active
                )
            )
        ).all()
        for _agent_id, email, name, stored in rows:
            if kind not in mail_choice(stored) or not email or not mail.valid_addr(email.strip()):
                continue
            subject = f"{said(kind, sender)}: {line}"
            if number is not None:
                subject = f"#{number} {subject}"
            session.add(
                _entry_mail(
                    setup,
                    Address(mail.header_text(name), email.strip()),
                    subject,
                    _mail_body(kind, sender, line, number, body),
                    ticket.id if ticket is not None else None,
                    at,
                )
            )
    await session.flush()
    return len(ids)


def _mail_body(kind: str, sender: str, line: str, number: int | None, body: str | None) -> str:
    about = f" on #{number}" if number is not None else ""
    lines = [f"{said(kind, sender)}{about}", "", line]
    if body and body.strip() != line:
        lines += ["", body.strip()]
    lines += ["", "Open it in agent-console: g i shows your inbox.", ""]
    return "\n".join(lines)


def _entry_mail(
    setup: MailSetup,
    to: Address,
    subject: str,
    body: str,
    ticket_id: int | None,
    now: datetime,
) -> OutboxMail:
    """The outbox row of one entry's mail (automatic: nobody answers it)."""
    sender_addr = (setup.sender or "").strip()
    state, detail = QUEUED, None
    if not mail.valid_addr(sender_addr):
        state, detail = FAILED, NO_SENDER
    message_id = mail.new_message_id(setup.domain)
    outgoing = Outgoing(
        sender=Address("agent-console", sender_addr or "desk@" + setup.domain),
        to=[to],
        cc=[],
        subject=mail.header_text(subject, 200),
        body=body,
        message_id=message_id,
        in_reply_to=None,
        references=[],
        automatic=mail.AUTO_GENERATED,
        attachments=[],
        date=now,
    )
    return outbox_row(
        outgoing,
        ticket_id=ticket_id,
        message_row_id=None,
        kind=INBOX_MAIL,
        state=state,
        detail=detail,
    )


def _record(row: InboxEntry) -> InboxRecord:
    return InboxRecord(
        id=row.id,
        kind=row.kind,
        ticket=row.ticket_number,
        sender=row.from_name,
        at=row.at,
        text=row.text,
        read=row.read,
        comment_id=row.message_row_id,
        approval_id=row.approval_id,
        message_id=row.agent_message_id,
    )


async def fire_reminders(
    db: Database, setup: MailSetup, now: datetime, *, owner_id: int | None = None
) -> list[tuple[int, InboxRecord]]:
    """Fire every due reminder (of one owner, or of everyone): each becomes one inbox
    entry of its owner, exactly once however many consoles and workers try at the same
    moment (the activity is claimed by a conditional update in the transaction that
    writes the entry).  Returns (owner id, entry) of each fired."""
    due = and_(
        Activity.reminder_at.is_not(None),
        Activity.reminder_at <= now,
        Activity.done.is_(False),
        Activity.owner_id.is_not(None),
        or_(
            Activity.reminder_fired_at.is_(None),
            Activity.reminder_fired_at != Activity.reminder_at,
        ),
    )
    if owner_id is not None:
        due = and_(due, Activity.owner_id == owner_id)
    async with db.read() as session:
        waiting = (await session.execute(select(Activity.id).where(due).limit(200))).scalars()
        candidates = list(waiting)
    if not candidates:
        return []
    fired: list[tuple[int, InboxRecord]] = []
    async with db.write() as session:
        for activity_id in candidates:
            claimed = await session.execute(
                update(Activity)
                .where(Activity.id == activity_id, due)
                .values(reminder_fired_at=Activity.reminder_at)
                .returning(Activity.owner_id, Activity.ticket_id, Activity.title, Activity.kind)
            )
            row = claimed.first()
            if row is None:
                continue  # another console or the worker fired it first, or it changed
            owner, ticket_id, title, kind = row
            assert owner is not None
            ticket = await session.get(Ticket, ticket_id)
            due_at = (
                await session.execute(select(Activity.due_at).where(Activity.id == activity_id))
            ).scalar_one()
            text = f"{kind}: {title}"
            if due_at is not None:
                from console.data.when import show_local

                text += f" (due {show_local(due_at)})"
            await add_entries(
                session,
                setup,
                [owner],
                kind=REMINDER,
                sender="reminder",
                text=text,
                at=now,
                ticket=ticket,
                activity_id=activity_id,
            )
            entry = (
                await session.execute(
                    select(InboxEntry)
                    .where(InboxEntry.activity_id == activity_id, InboxEntry.agent_id == owner)
                    .order_by(InboxEntry.id.desc())
                    .limit(1)
                )
            ).scalar_one()
            fired.append((owner, _record(entry)))
        if fired:
            await db.notify(session, "inbox")
    return fired


async def fired_report(
    db: Database, fired: Sequence[tuple[int, InboxRecord]]
) -> list[dict[str, Any]]:
    """What fired, for the worker's log and JSON: {ticket, agent, text} each."""
    async with db.read() as session:
        names = dict(
            (
                await session.execute(
                    select(Agent.id, Agent.username).where(
                        Agent.id.in_({owner for owner, _ in fired})
                    )
                )
            ).all()
        )
    return [
        {"ticket": entry.ticket, "agent": names.get(owner, "?"), "text": entry.text}
        for owner, entry in fired
    ]


class Inbox:
    """One agent's inbox and private messages."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        clock: Any,
        setup: MailSetup | None = None,
    ) -> None:
        self.db = db
        self.actor = actor
        self.clock = clock
        self.setup = setup or MailSetup()

    # -- the inbox --------------------------------------------------------------------

    async def entries(self, *, unread: bool = False, limit: int = LISTED) -> list[InboxRecord]:
        """The agent's entries, newest first (only the unread ones when ``unread``)."""
        stmt = select(InboxEntry).where(InboxEntry.agent_id == self.actor.id)
        if unread:
            stmt = stmt.where(InboxEntry.read.is_(False))
        async with self.db.read() as session:
            rows = (
                await session.execute(stmt.order_by(InboxEntry.id.desc()).limit(limit))
            ).scalars()
            return [_record(r) for r in rows]

    async def unread_count(self) -> int:
        async with self.db.read() as session:
            return int(
                (
                    await session.execute(
                        select(func.count()).where(
                            InboxEntry.agent_id == self.actor.id, InboxEntry.read.is_(False)
                        )
                    )
                ).scalar_one()
            )

    async def latest_id(self) -> int:
        """The id of the agent's newest entry (0: none yet)."""
        async with self.db.read() as session:
            found = (
                await session.execute(
                    select(func.max(InboxEntry.id)).where(InboxEntry.agent_id == self.actor.id)
                )
            ).scalar()
            return int(found or 0)

    async def since(self, entry_id: int) -> list[InboxRecord]:
        """The agent's entries newer than ``entry_id``, oldest first (what just arrived)."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(InboxEntry)
                    .where(InboxEntry.agent_id == self.actor.id, InboxEntry.id > entry_id)
                    .order_by(InboxEntry.id)
                    .limit(LISTED)
                )
            ).scalars()
            return [_record(r) for r in rows]

    async def mark(self, entry_id: int, read: bool = True) -> InboxRecord:
        """Mark one of the agent's entries read (or unread again)."""
        async with self.db.write() as session:
            row = (
                await session.execute(
                    select(InboxEntry).where(
                        InboxEntry.id == entry_id, InboxEntry.agent_id == self.actor.id
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                raise NotFound(
                    f"Your inbox has no entry {entry_id} (`agent-console inbox` lists them)."
                )
            row.read = read
            await session.flush()
            return _record(row)

    async def mark_all_read(self) -> int:
        """Mark every entry of the agent read; returns how many were unread."""
        async with self.db.write() as session:
            done = await session.execute(
                update(InboxEntry)
                .where(InboxEntry.agent_id == self.actor.id, InboxEntry.read.is_(False))
                .values(read=True)
            )
            return int(done.rowcount or 0)  # type: ignore[attr-defined]

    async def next_reminder(self) -> datetime | None:
        """When the agent's next reminder is due (None: none set), so a console fires it
        at its time without asking the database every second."""
        async with self.db.read() as session:
            found: datetime | None = (
                await session.execute(
                    select(func.min(Activity.reminder_at)).where(
                        Activity.owner_id == self.actor.id,
                        Activity.reminder_at.is_not(None),
                        Activity.done.is_(False),
                        or_(
                            Activity.reminder_fired_at.is_(None),
                            Activity.reminder_fired_at != Activity.reminder_at,
                        ),
                    )
                )
            ).scalar()
        if isinstance(found, str):  # SQLite's min() hands back its text
            found = datetime.fromisoformat(found)
        if found is not None and found.tzinfo is None:
            from datetime import UTC

            found = found.replace(tzinfo=UTC)
        return found

    async def fire_my_reminders(self) -> list[InboxRecord]:
        """Fire the agent's own due reminders (the console does on its live tick)."""
        fired = await fire_reminders(self.db, self.setup, self.clock(), owner_id=self.actor.id)
        return [entry for _owner, entry in fired]

    async def remember_mail_choice(self, kinds: Sequence[str] | None) -> None:
        """Record which kinds the agent has mailed (None: the default), so that others'
        actions mail the agent as the agent chose."""
        stored = None if kinds is None else ",".join(check_mail_choice(kinds))
        async with self.db.read() as session:
            now = (
                await session.execute(select(Agent.inbox_mail).where(Agent.id == self.actor.id))
            ).scalar_one_or_none()
        if now == stored:
            return
        async with self.db.write() as session:
            await session.execute(
                update(Agent).where(Agent.id == self.actor.id).values(inbox_mail=stored)
            )

    # -- private messages -------------------------------------------------------------

    async def send(
        self, to: Sequence[str], subject: str, body: str, *, ticket: int | None = None
    ) -> MessageRecord:
        """A private message to one or more agents (maybe about a ticket the sender may
        see); it lands in each recipient's inbox."""
        if not subject.strip():
            raise BadValue("A message needs a subject.")
        if not body.strip():
            raise BadValue("A message needs some text.")
        names = sorted({n.strip().lstrip("@") for n in to if n.strip()})
        if not names:
            raise BadValue("A message needs at least one agent to go to (--to NAME).")
        now = self.clock()
        async with self.db.write() as session:
            rows = dict(
                (
                    await session.execute(
                        select(Agent.username, Agent.id).where(
                            Agent.username.in_(names), Agent.active
                        )
                    )
                ).all()
            )
            unknown = [n for n in names if n not in rows]
            if unknown:
                raise BadValue(
                    "Not an active agent: "
                    + ", ".join(unknown)
                    + " (`agent-console agent list` shows them)."
                )
            if self.actor.username in rows and len(rows) == 1:
                raise BadValue("A message goes to someone else; name another agent.")
            about: Ticket | None = None
            if ticket is not None:
                about = await self._visible_ticket(session, ticket)
            message = AgentMessage(
                sender_id=self.actor.id,
                subject=subject.strip(),
                body=body,
                ticket_id=about.id if about else None,
                ticket_number=about.number if about else None,
                created_at=now,
                sender_deleted=False,
            )
            session.add(message)
            await session.flush()
            recipients = sorted(set(rows.values()))
            session.add_all(
                AgentMessageRecipient(message_id=message.id, agent_id=i, deleted=False)
                for i in recipients
            )
            await add_entries(
                session,
                self.setup,
                [i for i in recipients if i != self.actor.id],
                kind=MESSAGE,
                sender=self.actor.username,
                text=subject.strip(),
                at=now,
                ticket=about,
                message_id=message.id,
                body=body,
            )
            await self.db.notify(session, "inbox")
            return MessageRecord(
                message.id,
                self.actor.username,
                tuple(sorted(rows)),
                message.subject,
                body,
                message.ticket_number,
                now,
            )

    async def _visible_ticket(self, session: AsyncSession, number: int) -> Ticket:
        from console.data.models import Account

        row = (
            await session.execute(
                select(Ticket, Account.coordinator_id)
                .outerjoin(Account, Account.id == Ticket.account_id)
                .where(Ticket.number == number)
            )
        ).first()
        scope = await load_scope(session, self.actor)
        if row is None or not scope.allows(
            department_id=row[0].department_id,
            owner_id=row[0].owner_id,
            creator_id=row[0].creator_id,
            coordinator_id=row[1],
        ):
            raise NotFound(f"No ticket #{number} (or not one you may see).")
        ticket: Ticket = row[0]
        return ticket

    async def messages(self, *, sent: bool = False, limit: int = LISTED) -> list[MessageRecord]:
        """The messages the agent received (or, ``sent``, sent), newest first; those the
        agent deleted are left out."""
        mine = (
            and_(AgentMessage.sender_id == self.actor.id, AgentMessage.sender_deleted.is_(False))
            if sent
            else AgentMessage.id.in_(
                select(AgentMessageRecipient.message_id).where(
                    AgentMessageRecipient.agent_id == self.actor.id,
                    AgentMessageRecipient.deleted.is_(False),
                )
            )
        )
        async with self.db.read() as session:
            found = (
                await session.execute(
                    select(AgentMessage).where(mine).order_by(AgentMessage.id.desc()).limit(limit)
                )
            ).scalars()
            return await self._records(session, list(found))

    async def message(self, message_id: int) -> MessageRecord:
        """One message the agent sent or received (and has not deleted)."""
        async with self.db.read() as session:
            row = await self._mine(session, message_id)
            return (await self._records(session, [row]))[0]

    async def delete_message(self, message_id: int) -> MessageRecord:
        """Delete a message for oneself (from the sent folder, or as a recipient; with it
        go its inbox entries); the others keep theirs."""
        async with self.db.write() as session:
            row = await self._mine(session, message_id)
            record = (await self._records(session, [row]))[0]
            if row.sender_id == self.actor.id:
                row.sender_deleted = True
            await session.execute(
                update(AgentMessageRecipient)
                .where(
                    AgentMessageRecipient.message_id == message_id,
                    AgentMessageRecipient.agent_id == self.actor.id,
                )
                .values(deleted=True)
            )
            await session.execute(
                delete(InboxEntry).where(
                    InboxEntry.agent_message_id == message_id,
                    InboxEntry.agent_id == self.actor.id,
                )
            )
            return record

    async def _mine(self, session: AsyncSession, message_id: int) -> AgentMessage:
        received = select(AgentMessageRecipient.message_id).where(
            AgentMessageRecipient.message_id == message_id,
            AgentMessageRecipient.agent_id == self.actor.id,
            AgentMessageRecipient.deleted.is_(False),
        )
        row = (
            await session.execute(
                select(AgentMessage).where(
                    AgentMessage.id == message_id,
                    or_(
                        and_(
                            AgentMessage.sender_id == self.actor.id,
                            AgentMessage.sender_deleted.is_(False),
                        ),
                        AgentMessage.id.in_(received),
                    ),
                )
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(
                f"You have no message {message_id} (`agent-console message list` lists them)."
            )
        return row

    async def _records(
        self, session: AsyncSession, rows: list[AgentMessage]
    ) -> list[MessageRecord]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        names = dict(
            (
                await session.execute(
                    select(Agent.id, Agent.username).where(
                        Agent.id.in_(
                            {r.sender_id for r in rows}
                            | set(
                                (
                                    await session.execute(
                                        select(AgentMessageRecipient.agent_id).where(
                                            AgentMessageRecipient.message_id.in_(ids)
                                        )
                                    )
                                ).scalars()
                            )
                        )
                    )
                )
            ).all()
        )
        to: dict[int, list[str]] = {}
        for message_id, agent_id in (
            await session.execute(
                select(AgentMessageRecipient.message_id, AgentMessageRecipient.agent_id).where(
                    AgentMessageRecipient.message_id.in_(ids)
                )
            )
        ).all():
            to.setdefault(message_id, []).append(names.get(agent_id, "?"))
        return [
            MessageRecord(
                r.id,
                names.get(r.sender_id, "?"),
                tuple(sorted(to.get(r.id, []))),
                r.subject,
                r.body,
                r.ticket_number,
                r.created_at,
            )
            for r in rows
        ]
