"""Plain frozen dataclasses the services hand out; never live ORM objects."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from typing import Any

PRIORITIES: dict[int, str] = {1: "High", 2: "Medium", 3: "Low"}
PRIORITY_RANKS: dict[str, int] = {name.lower(): rank for rank, name in PRIORITIES.items()}
CHANNELS: tuple[str, ...] = ("Email", "Phone", "Web", "Chat", "Forum", "Twitter", "Facebook")
ACTIVITY_KINDS: tuple[str, ...] = ("task", "call", "event")

#: The SLA by default: how many hours after creation a ticket of each priority is due
#: (the ``[sla]`` table of the config file changes it).
SLA_HOURS: dict[str, float] = {"High": 4.0, "Medium": 24.0, "Low": 72.0}

#: Text fields a ticket's edit takes, as people type them (and a ticket record names them).
EDITABLE_TEXT: tuple[str, ...] = (
    "subject",
    "description",
    "priority",
    "channel",
    "department",
    "category",
    "subcategory",
    "product",
)
#: Who a ticket is for, as people type them: the contact (email or name) and the account.
EDITABLE_PEOPLE: tuple[str, ...] = ("contact", "account")
#: Every field a ticket's edit takes.
EDITABLE_FIELDS: tuple[str, ...] = (*EDITABLE_TEXT, "due", "sticky", *EDITABLE_PEOPLE)


def priority_name(rank: int) -> str:
    """``High``/``Medium``/``Low`` for a stored rank."""
    return PRIORITIES[rank]


def priority_rank(name: str) -> int:
    """The stored rank for a priority typed in any case; ValueError names the choices."""
    try:
        return PRIORITY_RANKS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"Unknown priority {name!r}; use High, Medium or Low.") from None


def default_sla() -> dict[int, timedelta]:
    """The default SLA by priority rank, as the ticket services take it."""
    return {priority_rank(name): timedelta(hours=hours) for name, hours in SLA_HOURS.items()}


def looks_like_email(text: str) -> bool:
    """Whether text has the shape of an email address (name@example.com)."""
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) is not None


def channel_name(text: str) -> str:
    """The channel's canonical spelling; ValueError names the choices."""
    for channel in CHANNELS:
        if channel.lower() == text.strip().lower():
            return channel
    raise ValueError(f"Unknown channel {text!r}; use one of: {', '.join(CHANNELS)}.")


@dataclasses.dataclass(frozen=True)
class AgentRecord:
    """An agent as listed, with its open load (owned tickets not Closed)."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    team: str | None
    departments: tuple[str, ...]
    active: bool
    open_load: int = 0


@dataclasses.dataclass(frozen=True)
class ContactRecord:
    """A customer contact, for completion in the new-ticket form."""

    name: str
    email: str | None
    phone: str | None
    account: str | None


@dataclasses.dataclass(frozen=True)
class TicketRow:
    """One row of a queue: just what the table shows."""

    id: int
    number: int
    subject: str
    priority: str
    status: str
    contact: str | None
    account: str | None
    owner: str | None
    due_at: datetime
    updated_at: datetime
    version: int
    priority_rank: int
    creator: str | None = None

    def escalated(self, now: datetime) -> bool:
        """Open and past its SLA due time."""
        return self.status != "Closed" and self.due_at < now


@dataclasses.dataclass(frozen=True)
class TicketRecord:
    """A ticket's fields, with names instead of ids."""

    id: int
    number: int
    subject: str
    description: str
    status: str
    priority: str
    channel: str
    department: str | None
    category: str | None
    subcategory: str | None
    product: str | None
    contact: str | None
    contact_email: str | None
    contact_phone: str | None
    account: str | None
    amc_expires: date | None
    amc_state: str
    owner: str | None
    creator: str | None
    due: datetime
    scheduled_at: datetime | None
    sticky: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    first_response_at: datetime | None
    merged_into: int | None
    version: int
    #: whether the acting agent still sees the ticket: False in the answer to a change
    #: that moved it out of their scope (released, given to a teammate, another department)
    visible: bool = True
    #: in the answer to an action that mailed the customer (a reply, a forward): what
    #: became of each mail, as the conversation says it ("queued", "not sent: no mail
    #: server configured", "not mailed: the contact has no address")
    mailed: tuple[str, ...] = ()

    @property
    def planned_for(self) -> datetime | None:
        """The scheduled time while it still plans work: a Closed ticket shows none."""
        return None if self.status == "Closed" else self.scheduled_at


def mail_fate(mailed: str) -> str:
    """What became of a mail an action sent, as the agent is told it: ``mail queued``,
    or why it was not sent."""
    return "mail queued" if mailed == "queued" else mailed


def out_of_queues(number: int) -> str:
    """What the agent is told when a change of theirs was saved and took the ticket out of
    their scope (released, given to a teammate, moved to another department)."""
    return f"saved, and #{number} is no longer in your queues"


@dataclasses.dataclass(frozen=True)
class DeliveryRecord:
    """What became of a mail the desk sent: ``queued``, ``sent``, ``failed`` or
    ``cancelled``, with the server's reply or words (``detail``)."""

    outbox_id: int
    kind: str
    to: str
    state: str
    detail: str | None
    at: datetime
    sent_at: datetime | None
    tries: int = 0


@dataclasses.dataclass(frozen=True)
class MessageRecord:
    """An entry of the conversation; a reply mailed to the customer has its delivery."""

    id: int
    kind: str
    author: str
    body: str
    at: datetime
    mentions: tuple[str, ...] = ()
    #: Mail: its Message-ID, From/To/Cc as written, the threading rule that joined it to
    #: this ticket (None: it opened the ticket, or it did not come by mail), why in a
    #: sentence, and whether it was automatic (out-of-office, bounce, list).
    message_id: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    threaded_by: str | None = None
    joined_because: str | None = None
    automatic: bool = False
    delivery: str | None = None
    #: the mail that sent it to the customer, from the outbox (queued, sent, failed)
    outgoing: DeliveryRecord | None = None


@dataclasses.dataclass(frozen=True)
class EventRecord:
    """One audit event."""

    id: int
    ticket_number: int | None
    actor: str
    actor_kind: str
    at: datetime
    action: str
    field: str | None
    old: str | None
    new: str | None


@dataclasses.dataclass(frozen=True)
class ApprovalRecord:
    """An approval request and, once decided, its decision."""

    id: int
    kind: str
    requester: str
    approvers: tuple[str, ...]
    subject: str
    details: str
    state: str
    decider: str | None
    comment: str | None
    created_at: datetime
    decided_at: datetime | None


@dataclasses.dataclass(frozen=True)
class ResolutionRecord:
    """The ticket's resolution."""

    text: str
    publish_to_kb: bool
    notify_contact: bool
    author: str | None
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class ActivityRecord:
    """A task, call or event."""

    id: int
    kind: str
    title: str
    owner: str | None
    due_at: datetime | None
    reminder_at: datetime | None
    done: bool
    done_at: datetime | None


@dataclasses.dataclass(frozen=True)
class TimeEntryRecord:
    """Logged time."""

    id: int
    agent: str
    started_at: datetime
    minutes: int
    billable: bool
    note: str


@dataclasses.dataclass(frozen=True)
class AttachmentRecord:
    """An attachment's metadata (the content is fetched only to save it)."""

    id: int
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    created_at: datetime


#: The parts of a ticket's detail, one per tab in the tabs' order, each read only when
#: asked for -> the ``TicketDetail`` fields it fills.
PART_FIELDS: dict[str, tuple[str, ...]] = {
    "conversation": ("messages", "notices"),
    "history": ("history",),
    "approvals": ("approvals",),
    "resolution": ("resolution",),
    "activities": ("activities",),
    "time": ("time_entries",),
    "attachments": ("attachments",),
}
DETAIL_PARTS: frozenset[str] = frozenset(PART_FIELDS)


@dataclasses.dataclass(frozen=True)
class TicketMarks:
    """What the footer offers keys for, read with the fields whatever tab is shown."""

    #: an approval pending on the ticket asks the actor to decide it
    awaits_my_decision: bool = False
    #: attachments on the ticket
    attachments: int = 0
    #: a mail of the conversation is queued or failed (to cancel or retry)
    mail_pending: bool = False


@dataclasses.dataclass(frozen=True)
class TicketDetail:
    """Everything the detail pane's tabs show, and what the actor may do now.  A detail
    read for one tab holds that tab's part only (``parts``); the others are empty until
    read (``with_parts``)."""

    ticket: TicketRecord
    messages: tuple[MessageRecord, ...]
    history: tuple[EventRecord, ...]
    approvals: tuple[ApprovalRecord, ...]
    resolution: ResolutionRecord | None
    activities: tuple[ActivityRecord, ...]
    time_entries: tuple[TimeEntryRecord, ...]
    attachments: tuple[AttachmentRecord, ...]
    #: action name -> None when allowed now, else the sentence saying why not
    actions: dict[str, str | None]
    #: the mails sent on their own (acknowledgement, closing notice), oldest first
    notices: tuple[DeliveryRecord, ...] = ()
    #: the parts read
    parts: frozenset[str] = DETAIL_PARTS
    marks: TicketMarks = TicketMarks()

    def with_parts(self, other: TicketDetail) -> TicketDetail:
        """This detail with the parts ``other`` (the same ticket, read later) holds."""
        taken = {name: getattr(other, name) for part in other.parts for name in PART_FIELDS[part]}
        return dataclasses.replace(self, **taken, parts=self.parts | other.parts)

    @property
    def total_minutes(self) -> int:
        """All logged time."""
        return sum(entry.minutes for entry in self.time_entries)

    @property
    def billable_minutes(self) -> int:
        """Billable logged time."""
        return sum(entry.minutes for entry in self.time_entries if entry.billable)

    def waiting_on(self, name: str) -> tuple[ApprovalRecord, ...]:
        """The pending approvals that ``name`` is asked to decide."""
        return tuple(a for a in self.approvals if a.state == "pending" and name in a.approvers)


@dataclasses.dataclass(frozen=True)
class StageCounts:
    """Tickets per stage in one view; ``All`` is their sum."""

    counts: dict[str, int]

    def __getitem__(self, stage: str) -> int:
        if stage == "All":
            return sum(self.counts.values())
        return self.counts.get(stage, 0)


def to_jsonable(value: Any) -> Any:
    """Records, tuples, dicts and times as JSON-ready values (times in ISO 8601)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
