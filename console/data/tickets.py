"""Ticket services: one async method per action of the workflow table.

Each action is one write transaction: the ticket row is locked (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` holds the write lock on SQLite), the scope, version and
workflow are checked, the change and its history events are written, and all of it
commits together or not at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from console.data import history
from console.data.audit import append_events
from console.data.db import Database
from console.data.errors import BadValue, Conflict, NotFound, Refused
from console.data.models import (
    Account,
    Activity,
    Agent,
    Approval,
    Article,
    Attachment,
    Contact,
    Counter,
    Department,
    Event,
    Message,
    Resolution,
    Ticket,
    TimeEntry,
    agent_departments,
    approval_approvers,
    message_mentions,
)
from console.data.queries import MERGED, OWNER, Queries, ticket_facts
from console.data.records import (
    ACTIVITY_KINDS,
    EDITABLE_FIELDS,
    TicketRecord,
    channel_name,
    default_sla,
    looks_like_email,
    priority_name,
    priority_rank,
)
from console.data.scope import Scope, load_scope
from console.data.workflow import (
    Action,
    Actor,
    AmcState,
    Assignee,
    Role,
    Status,
    TicketFacts,
    next_status,
    refusal,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
FIRST_TICKET_NUMBER = 1001

#: Default SLA: how long after creation a ticket of each priority is due.
DEFAULT_SLA: dict[int, timedelta] = default_sla()

MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass
class _Action:
    """One action in progress: the locked ticket and the events it will record."""

    session: AsyncSession
    ticket: Ticket
    facts: TicketFacts
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TicketService:
    """Every action on tickets, taken by one agent."""

    db: Database
    actor: Actor
    clock: Clock = utc_now
    sla: dict[int, timedelta] = field(default_factory=lambda: dict(DEFAULT_SLA))
    queries: Queries = field(init=False)

    def __post_init__(self) -> None:
        self.queries = Queries(self.db, self.actor)

    # -- the frame every action runs in ------------------------------------------------

    async def _scope(self, session: AsyncSession) -> Scope:
        """The actor's scope as it is now: read afresh in every action, so access taken
        away (a department, a deactivated agent) stops at once, not at the next start."""
        scope = await load_scope(session, self.actor)
        if not scope.active:
            raise Refused(f"{self.actor.username} is no longer an active agent.")
        return scope

    async def _lock(
        self, session: AsyncSession, number: int, *, lock: bool = True
    ) -> tuple[Ticket, TicketFacts]:
        """Load and lock the ticket, refusing when it is missing or out of scope."""
        merged, owner = MERGED, OWNER
        stmt = (
            select(
                Ticket,
                Account.name,
                Account.amc_expires,
                Account.coordinator_id,
                merged.number,
                owner.username,
            )
            .outerjoin(Account, Account.id == Ticket.account_id)
            .outerjoin(merged, merged.id == Ticket.merged_into_id)
            .outerjoin(owner, owner.id == Ticket.owner_id)
            .where(Ticket.number == number)
        )
        if lock:
            stmt = stmt.with_for_update(of=Ticket)
        row = (await session.execute(stmt)).first()
        scope = await self._scope(session)
        if row is None or not scope.allows(
            department_id=row[0].department_id,
            owner_id=row[0].owner_id,
            creator_id=row[0].creator_id,
            coordinator_id=row[3],
        ):
            raise NotFound(f"No ticket #{number} (or not one you may see).")
        ticket: Ticket = row[0]
        facts = ticket_facts(ticket, row[5], row[1], row[2], row[4])
        return ticket, facts

    async def _username(self, session: AsyncSession, agent_id: int | None) -> str | None:
        if agent_id is None:
            return None
        return (
            await session.execute(select(Agent.username).where(Agent.id == agent_id))
        ).scalar_one_or_none()

    async def _conflict(
        self, session: AsyncSession, ticket: Ticket, expected_version: int
    ) -> Conflict:
        last = (
            await session.execute(
                select(Event.actor_name, Event.at, Event.action)
                .where(Event.ticket_id == ticket.id)
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).first()
        who, when, what = last if last else ("someone", ticket.updated_at, "change")
        return Conflict(
            f"#{ticket.number} was changed by {who} at {when:%Y-%m-%d %H:%M} UTC ({what}) "
            "while you were looking at it; nothing of yours was applied.",
            who,
            when,
            what,
        )

    async def conflict(self, number: int, seen_version: int) -> Conflict | None:
        """The conflict an action on ``seen_version`` would meet now (who changed the
        ticket since, when and how), or None when the ticket is still at that version."""
        async with self.db.read() as session:
            ticket, _facts = await self._lock(session, number, lock=False)
            if ticket.version == seen_version:
                return None
            return await self._conflict(session, ticket, seen_version)

    async def _begin(
        self,
        session: AsyncSession,
        number: int,
        action: Action,
        expected_version: int | None,
        assignee: Assignee | None = None,
    ) -> _Action:
        ticket, facts = await self._lock(session, number)
        if expected_version is not None and ticket.version != expected_version:
            raise await self._conflict(session, ticket, expected_version)
        why = refusal(action, self.actor, facts, assignee=assignee)
        if why:
            raise Refused(why)
        return _Action(session, ticket, facts)

    def _event(
        self,
        act: _Action,
        action: str,
        field_name: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> None:
        act.events.append(
            {
                "ticket_id": act.ticket.id,
                "ticket_number": act.ticket.number,
                "actor_kind": history.AGENT,
                "actor_id": self.actor.id,
                "actor_name": self.actor.username,
                "at": self.clock(),
                "action": action,
                "field": field_name,
                "old_value": history.shown(old),
                "new_value": history.shown(new),
            }
        )

    def _set(self, act: _Action, action: str, name: str, value: Any, shown: Any = None) -> None:
        """Change one ticket column and record it (``shown`` is what history says)."""
        old = getattr(act.ticket, name)
        if old == value:
            return
        setattr(act.ticket, name, value)
        label = history.field_label(name)
        old_shown, new_shown = (old, value) if shown is None else shown
        self._event(act, action, label, old_shown, new_shown)

    async def _finish(self, act: _Action, *, touch: bool = True) -> None:
        if touch:
            act.ticket.updated_at = self.clock()
            # Every action is a new version, even within the same clock tick.
            flag_modified(act.ticket, "updated_at")
        await act.session.flush()
        if act.events:
            await append_events(act.session, act.events)
        await self.db.notify(act.session, str(act.ticket.number))

    async def _run(
        self,
        number: int,
        action: Action,
        expected_version: int | None,
        change: Callable[[_Action], Any],
        *,
        assignee: str | None = None,
    ) -> TicketRecord:
        async with self.db.write() as session:
            who = await self._assignee(session, assignee) if assignee else None
            act = await self._begin(session, number, action, expected_version, who)
            result = change(act)
            if asyncio.iscoroutine(result):
                await result
            await self._finish(act)
        return await self.queries.ticket(number)

    async def _sees(self, act: _Action, agent_id: int) -> bool:
        """Whether another agent's scope includes the ticket being acted on."""
        agent = await act.session.get(Agent, agent_id)
        assert agent is not None
        scope = await load_scope(
            act.session, Actor(agent.id, agent.username, Role(agent.role), agent.team_id)
        )
        coordinator = (
            await act.session.execute(
                select(Account.coordinator_id).where(Account.id == act.ticket.account_id)
            )
        ).scalar_one_or_none()
        return scope.allows(
            department_id=act.ticket.department_id,
            owner_id=act.ticket.owner_id,
            creator_id=act.ticket.creator_id,
            coordinator_id=coordinator,
        )

    async def _assignee(self, session: AsyncSession, username: str) -> Assignee:
        return await find_assignee(session, username)

    # -- ownership -------------------------------------------------------------------

    async def assign(
        self, number: int, to: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Make ``to`` the owner.  Leads and admins assign to anyone; agents within their team."""

        async def change(act: _Action) -> None:
            target = await self._assignee(act.session, to)
            self._set(act, "assign", "owner_id", target.id, (act.facts.owner_name, to))

        return await self._run(number, Action.ASSIGN, expected_version, change, assignee=to)

    async def pick_up(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Take an unassigned ticket: owner := me."""

        def change(act: _Action) -> None:
            self._set(act, "pickup", "owner_id", self.actor.id, (None, self.actor.username))

        return await self._run(number, Action.PICK_UP, expected_version, change)

    async def release(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Give a ticket back to the Unassigned queue: owner := nobody."""

        def change(act: _Action) -> None:
            self._set(act, "release", "owner_id", None, (act.facts.owner_name, None))

        return await self._run(number, Action.RELEASE, expected_version, change)

    # -- stages ----------------------------------------------------------------------

    def _move(self, act: _Action, action: Action) -> None:
        new = next_status(action, act.facts.status)
        self._set(act, action.value, "status", new.value)

    async def schedule(
        self, number: int, at: datetime, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Schedule work on a New or ReOpen ticket for a time; it moves to Scheduled."""
        _aware(at, "scheduled time")
        if at < self.clock() - timedelta(minutes=1):
            raise BadValue(
                f"Schedule needs a time from now on; {at:%Y-%m-%d %H:%M} UTC has passed."
            )

        def change(act: _Action) -> None:
            self._set(act, "schedule", "scheduled_at", at)
            self._move(act, Action.SCHEDULE)

        return await self._run(number, Action.SCHEDULE, expected_version, change)

    async def start(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Start work on a Scheduled ticket; it moves to InProgress."""
        return await self._run(
            number, Action.START, expected_version, lambda act: self._move(act, Action.START)
        )

    async def close(
        self,
        number: int,
        *,
        resolution: str | None = None,
        publish_to_kb: bool = False,
        notify_contact: bool = False,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Close the ticket, optionally with its resolution."""

        async def change(act: _Action) -> None:
            self._move(act, Action.CLOSE)
            self._set(act, "close", "closed_at", self.clock())
            if resolution is not None and resolution.strip():
                await self._resolve(act, resolution, publish_to_kb, notify_contact)

        return await self._run(number, Action.CLOSE, expected_version, change)

    async def reopen(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Reopen a Closed ticket (its creator, a lead or an admin)."""

        def change(act: _Action) -> None:
            self._move(act, Action.REOPEN)
            self._set(act, "reopen", "closed_at", None)

        return await self._run(number, Action.REOPEN, expected_version, change)

    async def restore(
        self, number: int, before: dict[str, Any], *, expected_version: int
    ) -> TicketRecord:
        """Undo: put back the owner, status, scheduled and closed times a bulk action
        changed, only while the ticket is still at the version that action left (nobody
        has touched it since); recorded in history as an undo."""
        async with self.db.write() as session:
            ticket, facts = await self._lock(session, number)
            if ticket.version != expected_version:
                raise await self._conflict(session, ticket, expected_version)
            act = _Action(session, ticket, facts)
            if "owner_id" in before:
                old_owner = await self._username(session, before["owner_id"])
                shown = (facts.owner_name, old_owner)
                self._set(act, history.UNDO, "owner_id", before["owner_id"], shown)
            for name in ("status", "scheduled_at", "closed_at"):
                if name in before:
                    self._set(act, history.UNDO, name, before[name])
            if not act.events:
                raise BadValue(f"Nothing to put back on #{number}.")
            await self._finish(act)
        return await self.queries.ticket(number)

    # -- conversation ----------------------------------------------------------------

    async def _add_message(
        self, act: _Action, kind: str, body: str, mentions: Iterable[int] = ()
    ) -> None:
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
        self._event(act, kind, None, None, history.preview(body))

    @staticmethod
    def _body(body: str, what: str) -> str:
        if not body or not body.strip():
            raise BadValue(f"A {what} needs some text.")
        return body

    async def reply(
        self, number: int, body: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """A public reply to the customer (the first one sets the first-response time)."""
        body = self._body(body, "reply")

        async def change(act: _Action) -> None:
            await self._add_message(act, "reply", body)
            if act.ticket.first_response_at is None:
                act.ticket.first_response_at = self.clock()

        return await self._run(number, Action.REPLY, expected_version, change)

    async def comment(
        self, number: int, body: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """An internal comment; ``@username`` mentions must name agents."""
        body = self._body(body, "comment")

        async def change(act: _Action) -> None:
            ids = await self._mentions(act.session, body)
            await self._add_message(act, "comment", body, ids)

        return await self._run(number, Action.COMMENT, expected_version, change)

    async def note(
        self, number: int, body: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """A private note."""
        body = self._body(body, "note")

        async def change(act: _Action) -> None:
            await self._add_message(act, "note", body)

        return await self._run(number, Action.NOTE, expected_version, change)

    async def _mentions(self, session: AsyncSession, body: str) -> list[int]:
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

    async def customer_message(
        self, number: int, body: str, *, contact_email: str | None = None
    ) -> TicketRecord:
        """Record a message from the customer; a reply to a Closed ticket reopens it."""
        body = self._body(body, "message")
        async with self.db.write() as session:
            # A reply to a ticket that was merged belongs on the ticket it went to.  Only
            # that ticket is written and locked, so this never deadlocks with a merge.
            ticket_id = (
                await session.execute(select(Ticket.id).where(Ticket.number == number))
            ).scalar_one_or_none()
            if ticket_id is None:
                raise NotFound(f"No ticket #{number}.")
            for _ in range(10):
                onward = (
                    await session.execute(
                        select(Ticket.merged_into_id).where(Ticket.id == ticket_id)
                    )
                ).scalar_one_or_none()
                if onward is None:
                    break
                ticket_id = onward
            ticket = (
                await session.execute(
                    select(Ticket).where(Ticket.id == ticket_id).with_for_update()
                )
            ).scalar_one()
            number = ticket.number
            contact = (
                await session.execute(select(Contact).where(Contact.id == ticket.contact_id))
            ).scalar_one_or_none()
            who = contact.name if contact else (contact_email or "customer")
            now = self.clock()
            session.add(
                Message(
                    ticket_id=ticket.id,
                    kind="customer",
                    author_contact_id=ticket.contact_id,
                    body=body,
                    created_at=now,
                )
            )
            events: list[dict[str, Any]] = [
                _customer_event(
                    ticket, who, now, history.CUSTOMER, None, None, history.preview(body)
                )
            ]
            if ticket.status == Status.CLOSED.value:
                events.append(
                    _customer_event(ticket, who, now, "reopen", "status", "Closed", "ReOpen")
                )
                ticket.status = Status.REOPEN.value
                ticket.closed_at = None
            ticket.updated_at = now
            await session.flush()
            await append_events(session, events)
            await self.db.notify(session, str(number))
        return await self.queries.ticket(number)

    # -- activities, approvals, resolution, time, attachments --------------------------

    async def add_activity(
        self,
        number: int,
        title: str,
        *,
        kind: str = "task",
        owner: str | None = None,
        due: datetime | None = None,
        reminder: datetime | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Add a task, call or event to a ticket."""
        if kind not in ACTIVITY_KINDS:
            raise BadValue(f"Unknown activity {kind!r}; use one of: {', '.join(ACTIVITY_KINDS)}.")
        if not title.strip():
            raise BadValue(f"A {kind} needs a title.")
        _aware(due, "due time")
        _aware(reminder, "reminder")
        if reminder is not None and due is not None and reminder > due:
            raise BadValue("The reminder must come before the due time.")

        async def change(act: _Action) -> None:
            owner_id = self.actor.id
            if owner:
                owner_id = (await self._assignee(act.session, owner)).id
            act.session.add(
                Activity(
                    ticket_id=act.ticket.id,
                    kind=kind,
                    title=title,
                    owner_id=owner_id,
                    due_at=due,
                    reminder_at=reminder,
                    done=False,
                    created_by_id=self.actor.id,
                    created_at=self.clock(),
                )
            )
            self._event(act, kind, None, None, title)

        return await self._run(number, Action.ACTIVITY, expected_version, change)

    async def complete_activity(self, number: int, activity_id: int) -> TicketRecord:
        """Mark an activity done."""

        async def change(act: _Action) -> None:
            activity = (
                await act.session.execute(
                    select(Activity).where(
                        Activity.id == activity_id, Activity.ticket_id == act.ticket.id
                    )
                )
            ).scalar_one_or_none()
            if activity is None:
                raise NotFound(f"#{number} has no activity {activity_id}.")
            if activity.done:
                raise Refused(f"Activity {activity_id} on #{number} is already done.")
            activity.done = True
            activity.done_at = self.clock()
            self._event(act, history.DONE, activity.kind, None, activity.title)

        return await self._run(number, Action.ACTIVITY, None, change)

    async def request_approval(
        self,
        number: int,
        approvers: list[str],
        subject: str,
        *,
        details: str = "",
        amc_exception: bool = False,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Ask one or more agents to approve something on the ticket."""
        if not subject.strip():
            raise BadValue("An approval needs a subject.")
        if not approvers:
            raise BadValue("An approval needs at least one approver.")

        async def change(act: _Action) -> None:
            agents = [await self._assignee(act.session, name) for name in approvers]
            blind = [a.username for a in agents if not await self._sees(act, a.id)]
            if blind:
                raise BadValue(
                    f"{', '.join(blind)} cannot see #{number}; ask someone who works its "
                    "department or team, or a lead."
                )
            if amc_exception:
                if act.facts.amc_state is AmcState.EXCEPTION:
                    raise Refused(f"#{number} already has an approved AMC exception.")
                if act.facts.amc_state is not AmcState.EXPIRED:
                    raise Refused(
                        f"#{number} needs no AMC exception; its support contract is not expired."
                    )
                roles = dict(
                    (
                        await act.session.execute(
                            select(Agent.id, Agent.role).where(Agent.id.in_([a.id for a in agents]))
                        )
                    ).all()
                )
                plain = [a.username for a in agents if roles[a.id] == Role.AGENT.value]
                if plain:
                    raise BadValue(
                        "An AMC exception is approved by a lead or an admin; "
                        + ", ".join(plain)
                        + " is not one."
                    )
            approval = Approval(
                ticket_id=act.ticket.id,
                kind="amc_exception" if amc_exception else "general",
                requester_id=self.actor.id,
                subject=subject,
                details=details,
                state="pending",
                created_at=self.clock(),
            )
            act.session.add(approval)
            await act.session.flush()
            await act.session.execute(
                insert(approval_approvers),
                [
                    {"approval_id": approval.id, "agent_id": i}
                    for i in sorted({a.id for a in agents})
                ],
            )
            self._event(act, "approval", None, None, subject)

        return await self._run(number, Action.REQUEST_APPROVAL, expected_version, change)

    async def decide_approval(
        self, approval_id: int, approve: bool, *, comment: str | None = None
    ) -> TicketRecord:
        """Approve or reject a pending approval (its approvers only).

        Approving an AMC exception lifts the AMC gate on its ticket.
        """
        async with self.db.write() as session:
            approval = (
                await session.execute(select(Approval).where(Approval.id == approval_id))
            ).scalar_one_or_none()
            number = None
            if approval is not None:
                number = (
                    await session.execute(
                        select(Ticket.number).where(Ticket.id == approval.ticket_id)
                    )
                ).scalar_one()
            if approval is None or number is None:
                raise NotFound(f"No approval {approval_id}.")
            act = await self._begin(session, number, Action.REQUEST_APPROVAL, None)
            approver_ids = set(
                (
                    await session.execute(
                        select(approval_approvers.c.agent_id).where(
                            approval_approvers.c.approval_id == approval_id
                        )
                    )
                ).scalars()
            )
            if self.actor.id not in approver_ids:
                raise Refused(f"Approval {approval_id} on #{number} is not waiting on you.")
            if approval.state != "pending":
                raise Refused(f"Approval {approval_id} on #{number} is already {approval.state}.")
            state = history.APPROVED if approve else history.REJECTED
            approval.state = state
            approval.decider_id = self.actor.id
            approval.decision_comment = comment or None
            approval.decided_at = self.clock()
            self._event(act, state, "approval", approval.subject, comment)
            if approve and approval.kind == "amc_exception":
                self._set(act, history.AMC, "amc_state", AmcState.EXCEPTION.value)
            await self._finish(act)
        return await self.queries.ticket(number)

    async def _resolve(
        self, act: _Action, text: str, publish_to_kb: bool, notify_contact: bool
    ) -> None:
        now = self.clock()
        # No flush for this read: the ticket's change goes out in one UPDATE at the end.
        with act.session.no_autoflush:
            existing = (
                await act.session.execute(
                    select(Resolution).where(Resolution.ticket_id == act.ticket.id)
                )
            ).scalar_one_or_none()
        old = existing.text if existing else None
        if existing is None:
            act.session.add(
                Resolution(
                    ticket_id=act.ticket.id,
                    text=text,
                    publish_to_kb=publish_to_kb,
                    notify_contact=notify_contact,
                    author_id=self.actor.id,
                    updated_at=now,
                )
            )
        else:
            existing.text = text
            existing.publish_to_kb = publish_to_kb
            existing.notify_contact = notify_contact
            existing.author_id = self.actor.id
            existing.updated_at = now
        self._event(act, "resolution", "resolution", history.preview(old), history.preview(text))
        if publish_to_kb:
            article = (
                await act.session.execute(select(Article).where(Article.ticket_id == act.ticket.id))
            ).scalar_one_or_none()
            if article is None:
                act.session.add(
                    Article(
                        title=act.ticket.subject, body=text, ticket_id=act.ticket.id, created_at=now
                    )
                )
            else:
                article.body = text
            self._event(act, history.PUBLISH, history.KNOWLEDGE_BASE, None, act.ticket.subject)
        if notify_contact:
            await self._add_message(act, "reply", f"Resolution:\n{text}")

    async def set_resolution(
        self,
        number: int,
        text: str,
        *,
        publish_to_kb: bool = False,
        notify_contact: bool = False,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Write or replace the ticket's one resolution."""
        text = self._body(text, "resolution")
        return await self._run(
            number,
            Action.SET_RESOLUTION,
            expected_version,
            lambda act: self._resolve(act, text, publish_to_kb, notify_contact),
        )

    async def log_time(
        self,
        number: int,
        minutes: int,
        *,
        billable: bool = False,
        note: str = "",
        started_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Log time spent on the ticket."""
        if minutes <= 0 or minutes > 24 * 60:
            raise BadValue(f"Time is logged in minutes from 1 to 1440; {minutes} is not.")
        _aware(started_at, "start time")
        start = started_at or self.clock() - timedelta(minutes=minutes)

        def change(act: _Action) -> None:
            act.session.add(
                TimeEntry(
                    ticket_id=act.ticket.id,
                    agent_id=self.actor.id,
                    started_at=start,
                    minutes=minutes,
                    billable=billable,
                    note=note,
                )
            )
            self._event(act, "time", None, None, history.time_logged(minutes, billable))

        return await self._run(number, Action.LOG_TIME, expected_version, change)

    async def attach(
        self,
        number: int,
        path: str | Path,
        *,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Attach a file (at most 20 MB, refused before it is read).

        The content is stored in the attachment row, in the same transaction as its
        history event, so a crash never leaves half a file or a row without content.
        """
        file = Path(path)
        content = await asyncio.to_thread(_read_file, file)
        return await self.attach_bytes(
            number, file.name, content, expected_version=expected_version
        )

    async def attach_bytes(
        self,
        number: int,
        file_name: str,
        content: bytes,
        *,
        media_type: str | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Attach content already in memory (as received by mail intake or a form)."""
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise BadValue(
                f"{file_name} is {len(content) / 1024 / 1024:.1f} MB; "
                "attachments are at most 20 MB."
            )
        if not file_name.strip():
            raise BadValue("An attachment needs a file name.")
        digest = hashlib.sha256(content).hexdigest()
        kind = media_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"

        def change(act: _Action) -> None:
            act.session.add(
                Attachment(
                    ticket_id=act.ticket.id,
                    file_name=file_name,
                    media_type=kind,
                    size=len(content),
                    sha256=digest,
                    content=content,
                    uploaded_by_id=self.actor.id,
                    created_at=self.clock(),
                )
            )
            self._event(act, "attach", None, None, history.attached(file_name, len(content)))

        return await self._run(number, Action.ATTACH, expected_version, change)

    async def attachment_content(self, number: int, attachment_id: int) -> tuple[str, bytes]:
        """An attachment's file name and content, for saving it."""
        await self.queries.ticket(number)  # scope check
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(Attachment.file_name, Attachment.content)
                    .join(Ticket, Ticket.id == Attachment.ticket_id)
                    .where(Attachment.id == attachment_id, Ticket.number == number)
                )
            ).first()
        if row is None:
            raise NotFound(f"#{number} has no attachment {attachment_id}.")
        return row[0], row[1]

    # -- fields ----------------------------------------------------------------------

    async def edit(
        self,
        number: int,
        changes: dict[str, Any],
        *,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Change ticket fields (see ``EDITABLE_FIELDS``); each change is recorded.

        Changing the priority moves the SLA due time to creation + the new priority's SLA,
        unless a due time is given in the same edit.
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise BadValue(
                f"Cannot edit {', '.join(unknown)}; editable fields: {', '.join(EDITABLE_FIELDS)}."
            )
        if not changes:
            raise BadValue("Nothing to change.")

        async def change(act: _Action) -> None:
            t = act.ticket
            for name, value in changes.items():
                if name == "subject":
                    if not str(value).strip():
                        raise BadValue("The subject cannot be empty.")
                    self._set(act, "edit", "subject", str(value))
                elif name == "description":
                    self._set(
                        act, "edit", "description", str(value), (None, history.preview(value))
                    )
                elif name == "priority":
                    rank = _checked(priority_rank, value)
                    self._set(
                        act,
                        "edit",
                        "priority",
                        rank,
                        (priority_name(t.priority), priority_name(rank)),
                    )
                    if "due" not in changes:
                        self._set(act, "edit", "due_at", t.created_at + self.sla[rank])
                elif name == "channel":
                    self._set(act, "edit", "channel", _checked(channel_name, value))
                elif name == "department":
                    dept = await _department(act.session, str(value))
                    old = await _department_name(act.session, t.department_id)
                    self._set(act, "edit", "department_id", dept.id, (old, dept.name))
                elif name in ("category", "subcategory", "product"):
                    self._set(act, "edit", name, str(value) if value else None)
                elif name == "due":
                    if not isinstance(value, datetime):
                        raise BadValue("The due time must be a date and time.")
                    self._set(act, "edit", "due_at", _aware(value, "due time"))
                elif name == "sticky":
                    self._set(act, "edit", "sticky", bool(value))
            if not act.events:
                raise BadValue(f"Nothing changed on #{number}.")

        return await self._run(number, Action.EDIT, expected_version, change)

    # -- merge and delete ------------------------------------------------------------

    async def merge(
        self, number: int, into: int, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Merge a ticket into another: its conversation, attachments and time move to the
        target and it is closed as merged.  Returns the target."""
        if number == into:
            raise BadValue(f"#{number} cannot be merged into itself.")
        async with self.db.write() as session:
            # Lock both rows in number order so two merges cannot deadlock.
            first, second = sorted((number, into))
            locked = {n: await self._lock(session, n) for n in (first, second)}
            source, source_facts = locked[number]
            target, target_facts = locked[into]
            if expected_version is not None and source.version != expected_version:
                raise await self._conflict(session, source, expected_version)
            why = refusal(Action.MERGE, self.actor, source_facts)
            if why:
                raise Refused(why)
            if target.merged_into_id is not None:
                raise Refused(f"#{into} was itself merged; merge into the ticket it went to.")
            moved = {}
            for model in (Message, Attachment, TimeEntry):
                result = await session.execute(
                    update(model).where(model.ticket_id == source.id).values(ticket_id=target.id)
                )
                moved[model.__tablename__] = result.rowcount  # type: ignore[attr-defined]
            act = _Action(session, source, source_facts)
            source.merged_into_id = target.id
            self._set(act, "merge", "status", Status.CLOSED.value)
            source.closed_at = self.clock()
            self._event(act, "merge", "merged into", None, f"#{into}")
            await self._finish(act)
            target_act = _Action(session, target, target_facts)
            self._event(
                target_act,
                "merge",
                "merged from",
                None,
                f"#{number} ({moved['messages']} messages, {moved['attachments']} attachments, "
                f"{moved['time_entries']} time entries)",
            )
            await self._finish(target_act)
        return await self.queries.ticket(into)

    async def delete(self, number: int, *, confirm: bool) -> None:
        """Delete a ticket for good (admins, after confirmation); the deletion is audited."""
        if not confirm:
            raise BadValue(f"Deleting #{number} cannot be undone; confirm it (`--yes`).")
        async with self.db.write() as session:
            act = await self._begin(session, number, Action.DELETE, None)
            ticket = act.ticket
            self._event(act, "delete", None, ticket.subject, None)
            await session.execute(
                update(Ticket).where(Ticket.merged_into_id == ticket.id).values(merged_into_id=None)
            )
            for model in (Message, Attachment, TimeEntry, Activity, Resolution, Approval):
                await session.execute(delete(model).where(model.ticket_id == ticket.id))
            await session.execute(
                update(Article).where(Article.ticket_id == ticket.id).values(ticket_id=None)
            )
            await session.delete(ticket)
            await session.flush()
            await append_events(session, act.events)
            await self.db.notify(session, str(number))

    # -- creating --------------------------------------------------------------------

    async def create(
        self,
        *,
        subject: str,
        contact_name: str,
        contact_email: str | None = None,
        contact_phone: str | None = None,
        account: str | None = None,
        description: str = "",
        priority: str = "Medium",
        channel: str = "Email",
        department: str | None = None,
        category: str | None = None,
        subcategory: str | None = None,
        product: str | None = None,
        due: datetime | None = None,
    ) -> TicketRecord:
        """Open a ticket: next number, contact found or created, account from the contact,
        SLA due time from the priority, and the AMC gate applied."""
        if not subject.strip():
            raise BadValue("A ticket needs a subject.")
        if not contact_name.strip():
            raise BadValue("A ticket needs the contact's name.")
        if contact_email is not None and not looks_like_email(contact_email):
            raise BadValue(f"{contact_email!r} is not an email address (name@example.com).")
        rank = _checked(priority_rank, priority)
        channel = _checked(channel_name, channel)
        _aware(due, "due time")
        now = self.clock()
        async with self.db.write() as session:
            dept = await _department(session, department) if department else None
            if dept is None:
                dept_id = (
                    await session.execute(
                        select(func.min(agent_departments.c.department_id)).where(
                            agent_departments.c.agent_id == self.actor.id
                        )
                    )
                ).scalar()
            else:
                dept_id = dept.id
            acct = await _account(session, account) if account else None
            contact = await _find_contact(
                session, contact_name.strip(), contact_email, contact_phone, acct
            )
            if contact is None:
                contact = Contact(
                    name=contact_name.strip(),
                    email=contact_email,
                    phone=contact_phone,
                    account_id=acct.id if acct else None,
                )
                session.add(contact)
                await session.flush()
            if acct is None and contact.account_id is not None:
                acct = (
                    await session.execute(select(Account).where(Account.id == contact.account_id))
                ).scalar_one()
            expired = (
                acct is not None
                and acct.amc_expires is not None
                and (acct.amc_expires < now.date())
            )
            number = await allocate_number(session)
            ticket = Ticket(
                number=number,
                subject=subject,
                description=description,
                status=Status.NEW.value,
                priority=rank,
                channel=channel,
                department_id=dept_id,
                category=category,
                subcategory=subcategory,
                product=product,
                contact_id=contact.id,
                account_id=acct.id if acct else None,
                owner_id=None,
                creator_id=self.actor.id,
                due_at=due or now + self.sla[rank],
                sticky=False,
                created_at=now,
                updated_at=now,
                amc_state=(AmcState.EXPIRED if expired else AmcState.OK).value,
                version=1,
            )
            session.add(ticket)
            await session.flush()
            act = _Action(session, ticket, _facts_of_new(ticket))
            self._event(act, history.CREATE, None, None, subject)
            if expired and acct is not None:
                self._event(
                    act,
                    history.AMC,
                    "amc_state",
                    None,
                    history.amc_expired(acct.name, acct.amc_expires),
                )
            await self._finish(act, touch=False)
        return await self.queries.ticket(number)


def _facts_of_new(ticket: Ticket) -> TicketFacts:
    return TicketFacts(ticket.number, Status.NEW, None, None, ticket.creator_id)


def _customer_event(
    ticket: Ticket,
    who: str,
    at: datetime,
    action: str,
    field_name: str | None,
    old: str | None,
    new: str | None,
) -> dict[str, Any]:
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


async def find_assignee(session: AsyncSession, username: str) -> Assignee:
    """The agent a ticket would be given to, by username; NotFound names the way to look."""
    agent = (
        await session.execute(select(Agent).where(Agent.username == username))
    ).scalar_one_or_none()
    if agent is None:
        raise NotFound(f"No agent named {username!r}; `agent-console agent list` shows them.")
    return Assignee(agent.id, agent.username, agent.team_id, agent.active)


async def allocate_number(session: AsyncSession, count: int = 1) -> int:
    """Reserve ``count`` ticket numbers and return the first; numbers are never reused."""
    result = await session.execute(
        update(Counter)
        .where(Counter.name == "ticket_number")
        .values(next_value=Counter.next_value + count)
        .returning(Counter.next_value)
    )
    after = result.scalar_one_or_none()
    if after is not None:
        return int(after) - count
    highest = (await session.execute(select(func.max(Ticket.number)))).scalar()
    first = max(FIRST_TICKET_NUMBER, (highest or 0) + 1)
    session.add(Counter(name="ticket_number", next_value=first + count))
    await session.flush()
    return first


def _aware(value: datetime | None, what: str) -> datetime | None:
    """Refuse a time without a time zone: it would be read differently by every terminal."""
    if value is not None and value.tzinfo is None:
        raise BadValue(f"The {what} needs a time zone (parse typed times with parse_when).")
    return value


def _checked(parse: Callable[[str], Any], value: Any) -> Any:
    try:
        return parse(str(value))
    except ValueError as exc:
        raise BadValue(str(exc)) from None


def _read_file(file: Path) -> bytes:
    """Read a file to attach, refusing it by its size before reading it into memory."""
    file = file.expanduser()
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise BadValue(f"No file at {file}.") from None
    except OSError as exc:
        raise BadValue(f"Cannot read {file}: {exc.strerror}.") from None
    if not file.is_file():
        raise BadValue(f"{file} is not a file.")
    if size > MAX_ATTACHMENT_BYTES:
        raise BadValue(
            f"{file.name} is {size / 1024 / 1024:.1f} MB; attachments are at most 20 MB."
        )
    # Read at most one byte past the limit, in case the file grew since it was measured.
    with file.open("rb") as handle:
        content = handle.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise BadValue(f"{file.name} is over 20 MB; attachments are at most 20 MB.")
    return content


async def _department(session: AsyncSession, name: str) -> Department:
    dept = (
        await session.execute(
            select(Department).where(func.lower(Department.name) == name.strip().lower())
        )
    ).scalar_one_or_none()
    if dept is None:
        names = (await session.execute(select(Department.name).order_by(Department.name))).scalars()
        raise BadValue(f"No department {name!r}; departments: {', '.join(names) or 'none yet'}.")
    return dept


async def _department_name(session: AsyncSession, dept_id: int | None) -> str | None:
    if dept_id is None:
        return None
    return (
        await session.execute(select(Department.name).where(Department.id == dept_id))
    ).scalar_one_or_none()


async def _account(session: AsyncSession, name: str) -> Account:
    acct = (
        await session.execute(
            select(Account).where(func.lower(Account.name) == name.strip().lower())
        )
    ).scalar_one_or_none()
    if acct is None:
        raise BadValue(
            f"No account {name!r}; an admin adds accounts (`agent-console account add`)."
        )
    return acct


async def _find_contact(
    session: AsyncSession,
    name: str,
    email: str | None,
    phone: str | None,
    account: Account | None,
) -> Contact | None:
    """The existing contact these details name: same email, else same name and phone or
    account.  ``None`` when the details are new."""
    if email:
        found = (
            await session.execute(
                select(Contact).where(func.lower(Contact.email) == email.lower()).limit(1)
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
        return None
    stmt = select(Contact).where(func.lower(Contact.name) == name.lower())
    if phone:
        stmt = stmt.where(Contact.phone == phone)
    elif account is not None:
        stmt = stmt.where(Contact.account_id == account.id)
    else:
        return None
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()
