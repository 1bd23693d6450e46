"""SQLAlchemy 2 typed ORM models: the help desk's tables.

Times are stored as naive UTC and read back as aware UTC (``UTCDateTime``) so that
SQLite and PostgreSQL sort and compare them the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp kept as naive UTC in the database and handed out as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a raw SQLite text value
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints alike."""

    metadata = MetaData(naming_convention=NAMING)


agent_departments = Table(
    "agent_departments",
    Base.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_agent_departments_department", "department_id", "agent_id"),
)

approval_approvers = Table(
    "approval_approvers",
    Base.metadata,
    Column("approval_id", ForeignKey("approvals.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id"), primary_key=True),
    Index("ix_approval_approvers_agent", "agent_id", "approval_id"),
)

message_mentions = Table(
    "message_mentions",
    Base.metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id"), primary_key=True),
)


class Meta(Base):
    """Key/value facts about this database (``demo``, counters)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Monotonic counters, such as the next ticket number (numbers are never reused)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer)


class Team(Base):
    """A support team with its lead."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", use_alter=True, name="fk_teams_lead_id_agents")
    )


class Agent(Base):
    """A person working tickets: agent, lead or admin."""

    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``available``, ``away`` or ``off`` (console.data.availability)
    availability: Mapped[str] = mapped_column(
        String(16), default="available", server_default="available"
    )
    #: the inbox kinds mailed to the agent, comma-separated (``[inbox] mail`` in the
    #: agent's config, recorded when the agent starts the console); None: the default
    inbox_mail: Mapped[str | None] = mapped_column(String(200))

    departments: Mapped[list[Department]] = relationship(secondary=agent_departments)


class Department(Base):
    """A queue tickets arrive in, with its inbound address and auto-reply templates."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    ack_template: Mapped[str | None] = mapped_column(Text)
    closing_template: Mapped[str | None] = mapped_column(Text)
    #: whether a ticket made from mail is acknowledged (``department edit --no-ack``)
    ack_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    #: days a ticket waits on the customer before it closes itself (None: the config's,
    #: -1: never)
    auto_close_days: Mapped[int | None] = mapped_column(Integer)
    #: new unassigned tickets go to an available agent: ``round-robin``, ``least-loaded``
    #: or None (off); console.data.tickets.auto_assign
    auto_assign: Mapped[str | None] = mapped_column(String(16))


class Account(Base):
    """A customer company, its coordinator and its support contract (AMC) expiry."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    amc_expires: Mapped[date | None] = mapped_column(Date)
    #: billing overrides of ``[billing]``, in cents (None: the desk's rate)
    hourly_rate_cents: Mapped[int | None] = mapped_column(Integer)
    ticket_price_cents: Mapped[int | None] = mapped_column(Integer)


class Contact(Base):
    """A customer person; tickets are raised by contacts."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)


class Ticket(Base):
    """A support ticket.  ``priority`` is stored as its rank (1 High, 2 Medium, 3 Low)."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    subject: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    category: Mapped[str | None] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(100))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sticky: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amc_state: Mapped[str] = mapped_column(String(16), default="ok")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    # Every queue view narrows to one stage and sorts by updated, due or priority;
    # each index below starts with the view's own column so counts and keyset windows
    # are answered from the index, never by scanning the table.
    __table_args__ = (
        Index("ix_tickets_status_updated", "status", "updated_at", "id"),
        Index("ix_tickets_status_due", "status", "due_at", "id"),
        Index("ix_tickets_status_priority", "status", "priority", "due_at", "id"),
        Index("ix_tickets_updated", "updated_at", "id"),
        Index("ix_tickets_due", "due_at", "id"),
        Index("ix_tickets_priority", "priority", "due_at", "id"),
        Index("ix_tickets_department", "department_id", "status", "updated_at"),
        Index("ix_tickets_owner", "owner_id", "status", "updated_at"),
        Index("ix_tickets_creator", "creator_id", "status", "updated_at"),
        # "Assigned to Me" and "Created by Me" over every stage, newest first, need no sort.
        Index("ix_tickets_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_tickets_creator_updated", "creator_id", "updated_at", "id"),
        Index("ix_tickets_account", "account_id", "status", "updated_at"),
        Index("ix_tickets_contact", "contact_id"),
        # The lead's figures (console.data.figures): created and closed per day with
        # response and resolution times, the backlog's age by stage.  Each covers its
        # figures (the time, the scope's columns, the other time a duration needs), so
        # they never read the table: 0.46 s -> ms for a lead's backlog at 1M.
        Index(
            "ix_tickets_created",
            "created_at",
            "department_id",
            "owner_id",
            "creator_id",
            "account_id",
            "first_response_at",
        ),
        Index(
            "ix_tickets_closed",
            "closed_at",
            "department_id",
            "owner_id",
            "creator_id",
            "account_id",
            "created_at",
        ),
        Index(
            "ix_tickets_status_created",
            "status",
            "created_at",
            "department_id",
            "owner_id",
            "creator_id",
            "account_id",
        ),
        # Every column a scope or view tests, after the status: counts of a wide scope
        # scan this one index instead of the table (140 ms instead of 0.8 s at 1M).
        Index(
            "ix_tickets_scope", "status", "department_id", "owner_id", "creator_id", "account_id"
        ),
        # Ids are never reused: history rows keep the id of a deleted ticket.
        {"sqlite_autoincrement": True},
    )


class Message(Base):
    """An entry of a ticket's conversation: customer message, reply, comment or note."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    author_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Mail: the Message-ID of every message that came or went by mail (ours included),
    # its addresses as written, and for an inbound one the rule that threaded it here
    # ("in-reply-to", "references", "bounce", "subject-tag"; None for a new ticket) and
    # the message that rule matched.
    message_id: Mapped[str | None] = mapped_column(String(998))
    from_addr: Mapped[str | None] = mapped_column(Text)
    to_addrs: Mapped[str | None] = mapped_column(Text)
    cc_addrs: Mapped[str | None] = mapped_column(Text)
    threaded_by: Mapped[str | None] = mapped_column(String(16))
    threaded_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    #: Out-of-office, bounce, list mail: stored, never reopens, unassigns or answers.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: An outbound message's delivery ("failed" once a bounce of it came back).
    delivery: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_messages_ticket", "ticket_id", "created_at"),
        # Every threading lookup is by Message-ID: never a table scan.
        Index("ix_messages_message_id", "message_id"),
    )


class MailSource(Base):
    """The raw mail an inbound message was made from, kept whole (nothing of it is lost);
    its digest finds a re-imported mail that has no Message-ID."""

    __tablename__ = "mail_sources"
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class QuarantinedMail(Base):
    """Mail that could not become a ticket or a reply, with the reason; released (imported
    anyway) or dropped by an agent.  ``raw`` is None when the mail was too large to keep."""

    __tablename__ = "mail_quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    department: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MailImport(Base):
    """How far an IMAP mailbox has been read: its UIDVALIDITY and the last UID imported."""

    __tablename__ = "mail_imports"
    mailbox: Mapped[str] = mapped_column(String(500), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerLock(Base):
    """On SQLite, the one active worker: who holds the lock and when it last said so."""

    __tablename__ = "worker_locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    """Append-only audit history, chained by hash (``console.data.audit``); the database
    refuses to change or delete it.  Keeps the ticket number so it outlives a deleted
    ticket."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # The audit chain (console.data.audit): the previous event's hash and this one's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_events_ticket", "ticket_id", "id"),
        Index("ix_events_action_at", "action", "at"),
    )


class Approval(Base):
    """A request for one or more approvers to approve or reject something on a ticket."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), default="general")
    requester_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decider_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    approvers: Mapped[list[Agent]] = relationship(secondary=approval_approvers)

    __table_args__ = (
        Index("ix_approvals_ticket", "ticket_id"),
        Index("ix_approvals_state", "state", "created_at"),
    )


class Resolution(Base):
    """The one resolution of a ticket."""

    __tablename__ = "resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    publish_to_kb: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    """A task, call or event attached to a ticket."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the ``reminder_at`` that has fired (``console.data.inbox``): a reminder fires once,
    #: and again only when it is set to another time
    reminder_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_activities_ticket", "ticket_id"),
        Index("ix_activities_reminder", "reminder_at"),
        # My tasks: an agent's open activities by due time (migration 0015).
        Index("ix_activities_owner", "owner_id", "done", "due_at"),
    )


class TimeEntry(Base):
    """Time an agent spent on a ticket."""

    __tablename__ = "time_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_time_entries_ticket", "ticket_id"),
        Index("ix_time_entries_started", "started_at", "agent_id"),
    )


class Attachment(Base):
    """A file attached to a ticket; the content lives in the same row (one transaction)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_attachments_ticket", "ticket_id"),)


class Article(Base):
    """A knowledge-base article, usually published from a ticket's resolution."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: comma-separated, lower case (migration 0010)
    tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("ticket_id", name="uq_articles_ticket_id"),)


class SavedView(Base):
    """A queue view shared with a team: a filter, a sort and the columns to show."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    filter: Mapped[str] = mapped_column(Text)
    sort: Mapped[str] = mapped_column(String(16), default="updated")
    columns: Mapped[str | None] = mapped_column(Text)  # comma-separated column names
    created_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "name"),)


class OutboxMail(Base):
    """A mail the desk sends, written in the same transaction as the action that causes
    it and sent by the worker: ``queued``, then ``sent`` (with the server's reply),
    ``failed`` (with its words) or ``cancelled``.  ``raw`` is the message exactly as it
    goes out, so a second try sends the same bytes and the same Message-ID."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    #: the conversation entry it sends (a reply, the resolution), if any
    message_row_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    #: reply, acknowledgement, closing notice, resolution, notice
    kind: Mapped[str] = mapped_column(String(32))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    mail_from: Mapped[str] = mapped_column(String(320))
    #: the first To address, lower case: the per-recipient cap counts by it
    to_address: Mapped[str] = mapped_column(String(320))
    #: every envelope recipient, comma-separated
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the server's reply (sent) or words (failed), or why it was not sent
    detail: Mapped[str | None] = mapped_column(Text)
    #: a delivery failure reported back by mail (a bounce) for this mail
    bounced: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_try_at"),
        Index("ix_outbox_to_created", "to_address", "created_at"),
    )


class SlaBreach(Base):
    """A ticket that passed its due time while open, recorded when it happened
    (``console.data.sla``): it stays a breach when the priority is lowered or the ticket
    closed afterwards.  Keeps the number, so it outlives a deleted ticket."""

    __tablename__ = "sla_breaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    ticket_number: Mapped[int] = mapped_column(Integer)
    #: the priority (rank) the ticket had when it breached
    priority: Mapped[int] = mapped_column(SmallInteger)
    #: the due time that was missed: the moment of the breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("ticket_id", "due_at", name="uq_sla_breaches_ticket_due"),
        Index("ix_sla_breaches_due", "due_at", "ticket_id"),
    )


class CannedReplyRow(Base):
    """A canned reply shared with a team (``console.data.canned``; migration 0010)."""

    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "name"),)


class AgentMessage(Base):
    """A private message from one agent to others (``console.data.inbox``), maybe about
    a ticket; visible to its sender and recipients only."""

    __tablename__ = "agent_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    #: kept beside the id, so the message still names its ticket after a delete
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the sender deleted it from the sent folder
    sender_deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_agent_messages_sender", "sender_id", "id"),)


class AgentMessageRecipient(Base):
    """One recipient of a private message; ``deleted`` once they deleted it."""

    __tablename__ = "agent_message_recipients"
    message_id: Mapped[int] = mapped_column(
        ForeignKey("agent_messages.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_agent_message_recipients_agent", "agent_id", "message_id"),)


class InboxEntry(Base):
    """One entry of an agent's inbox (``console.data.inbox``): what waits on them,
    written in the same transaction as the event that causes it."""

    __tablename__ = "inbox_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    #: mention, approval, reminder, assigned, customer_reply, message
    kind: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    #: who caused it: an agent's username, a customer's name, or "reminder"
    from_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a short line: what happened
    text: Mapped[str] = mapped_column(Text)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where enter opens it: the comment of a mention, the approval, the message
    message_row_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    agent_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent_messages.id", ondelete="CASCADE")
    )

    __table_args__ = (Index("ix_inbox_entries_agent", "agent_id", "read", "id"),)


class Presence(Base):
    """Who has which ticket open in a console, and whether they are writing on it
    (``console.data.presence``; migration 0014).  One row per running console, kept
    fresh by its heartbeat; never part of the history."""

    __tablename__ = "presence"
    #: the console's own id (a random token per run): one agent may run two consoles
    console: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    #: viewing | replying | commenting
    doing: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiveSeq(Base):
    """On SQLite, one row counting the write transactions other than presence: a console
    that sees the file change tells a colleague's heartbeat from a change to reload for
    (``console.data.live``; migration 0014)."""

    __tablename__ = "live_seq"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
