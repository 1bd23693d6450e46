"""The frame every ticket action runs in.

An action is one write transaction: the ticket row is locked (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` holds the write lock on SQLite), the actor's scope, the
version the agent saw and the workflow are checked, the change and its history events are
written, and all of it commits together or not at all.  ``Frame`` holds that sequence;
the parts of ``TicketService`` (ownership, stages, conversation...) are mixins over it
that say only what their actions change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from console.data import history, inbox, sla
from console.data.audit import append_events
from console.data.db import Database
from console.data.errors import Conflict, NewerMessage, NotFound, Refused, StaleSend
from console.data.models import Account, Agent, Contact, Event, Message, Ticket
from console.data.outbox import MailSetup
from console.data.queries import MERGED, OWNER, Queries, ticket_facts
from console.data.records import TicketRecord, default_sla
from console.data.scope import Scope, load_scope
from console.data.workflow import Action, Actor, Assignee, Role, TicketFacts, refusal

#: Default SLA: how long after creation a ticket of each priority is due.
DEFAULT_SLA: dict[int, timedelta] = default_sla()

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
    #: the SLA breach found before the change (history puts it first)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    #: the inbox entries the action causes (``Frame._tell``), written with it
    inbox: list[dict[str, Any]] = field(default_factory=list)
    #: what became of each mail an agent's action sent (``TicketRecord.mailed``)
    mailed: list[str] = field(default_factory=list)

    def all_events(self) -> list[dict[str, Any]]:
        """The events to append: a breach found before the change, then the change's."""
        return self.breaches + self.events


@dataclass
class Frame:
    """One agent acting on tickets: the database, who acts, the clock and the SLA, and
    the steps every action takes (lock, check, record, finish)."""

    db: Database
    actor: Actor
    clock: Clock = utc_now
    sla: dict[int, timedelta] = field(default_factory=lambda: dict(DEFAULT_SLA))
    #: the mail server and addresses the config names (none: mail is stored, not sent)
    mail: MailSetup = field(default_factory=MailSetup)
    queries: Queries = field(init=False)

    def __post_init__(self) -> None:
        """The agent's queries, in the same scope as their actions."""
        self.queries = Queries(self.db, self.actor)

    async def _scope(self, session: AsyncSession) -> Scope:
        """The actor's scope as it is now: read afresh in every action, so access taken
        away (a department, a deactivated agent) stops at once, not at the next start."""
        scope = await load_scope(session, self.actor)
        if not scope.active:
            raise Refused(f"{self.actor.username} is no longer an active agent.")
        return scope

    async def _lock(
        self, session: AsyncSession, number: int, *, lock: bool = True, scoped: bool = True
    ) -> tuple[Ticket, TicketFacts]:
        """Load and lock the ticket, refusing when it is missing or (unless not
        ``scoped``) out of scope."""
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
        if row is None or (
            scoped
            and not scope.allows(
                department_id=row[0].department_id,
                owner_id=row[0].owner_id,
                creator_id=row[0].creator_id,
                coordinator_id=row[3],
            )
        ):
            raise NotFound(f"No ticket #{number} (or not one you may see).")
        ticket: Ticket = row[0]
        facts = ticket_facts(ticket, row[5], row[1], row[2], row[4])
        return ticket, facts

    async def _username(self, session: AsyncSession, agent_id: int | None) -> str | None:
        """An agent's username by id (``None`` for nobody)."""
        if agent_id is None:
            return None
        return (
            await session.execute(select(Agent.username).where(Agent.id == agent_id))
        ).scalar_one_or_none()

    async def _conflict(
        self, session: AsyncSession, ticket: Ticket, expected_version: int
    ) -> Conflict:
        """The conflict to raise: who last changed the ticket, when and how."""
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

    async def _check_seen(self, session: AsyncSession, ticket: Ticket, seen: int) -> None:
        """The stale-send block: StaleSend when a customer message or another agent's
        reply came after message ``seen`` (read under the ticket's lock, so none can slip
        in between this check and the send)."""
        rows = (
            await session.execute(
                select(
                    Message.id,
                    Message.kind,
                    func.coalesce(Agent.username, Contact.name, Message.from_addr, "customer"),
                    Message.created_at,
                    Message.body,
                )
                .outerjoin(Agent, Agent.id == Message.author_agent_id)
                .outerjoin(Contact, Contact.id == Message.author_contact_id)
                .where(
                    Message.ticket_id == ticket.id,
                    Message.id > seen,
                    Message.automatic.is_(False),
                    or_(
                        Message.kind == "customer",
                        and_(Message.kind == "reply", Message.author_agent_id != self.actor.id),
                    ),
                )
                .order_by(Message.id)
            )
        ).all()
        if not rows:
            return
        newer = tuple(NewerMessage(*row) for row in rows)
        latest = (
            await session.execute(
                select(func.max(Message.id)).where(Message.ticket_id == ticket.id)
            )
        ).scalar_one()
        last = newer[-1]
        what = "the customer wrote" if last.kind == "customer" else f"{last.author} replied"
        raise StaleSend(
            f"Not sent: since you opened the form {what} on #{ticket.number} "
            f"at {last.at:%H:%M} UTC"
            + (f" ({len(newer)} new messages)" if len(newer) > 1 else "")
            + ". Read it, then send again if your text still fits.",
            ticket.number,
            newer,
            latest,
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
        seen_message_id: int | None = None,
    ) -> _Action:
        """Lock the ticket and check the messages and the version the agent saw, and the
        workflow."""
        ticket, facts = await self._lock(session, number)
        if seen_message_id is not None:
            await self._check_seen(session, ticket, seen_message_id)
        if expected_version is not None and ticket.version != expected_version:
            raise await self._conflict(session, ticket, expected_version)
        why = refusal(action, self.actor, facts, assignee=assignee)
        if why:
            raise Refused(why)
        act = _Action(session, ticket, facts)
        # A breach that happened before this change is recorded before it (a close or a
        # lowered priority must not hide it).
        breach = await sla.check_ticket(session, ticket, self.clock())
        if breach:
            act.breaches.append(breach)
        return act

    def _event(
        self,
        act: _Action,
        action: str,
        field_name: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> None:
        """Record one history event of the action, by the actor, now."""
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

    def _tell(self, act: _Action, agent_ids: list[int], kind: str, text: str, **where: Any) -> None:
        """An inbox entry of ``kind`` for each agent (``console.data.inbox``), by the actor,
        about the ticket; written when the action finishes, in its transaction."""
        act.inbox.append({"agent_ids": agent_ids, "kind": kind, "text": text, **where})

    async def _finish(self, act: _Action, *, touch: bool = True) -> None:
        """Write the change and its events, and tell live consoles (sent at commit)."""
        if touch:
            act.ticket.updated_at = self.clock()
            # Every action is a new version, even within the same clock tick.
            flag_modified(act.ticket, "updated_at")
        await act.session.flush()
        for entry in act.inbox:
            # After the ticket's own write: one new version per action, as ever.
            await inbox.add_entries(
                act.session,
                self.mail,
                sender=self.actor.username,
                at=self.clock(),
                ticket=act.ticket,
                **entry,
            )
        # ...and one the change itself makes (a due time edited into the past).
        breach = await sla.check_ticket(act.session, act.ticket, self.clock())
        if breach:
            act.events.append(breach)
        if act.events or act.breaches:
            await append_events(act.session, act.all_events())
        await self.db.notify(act.session, str(act.ticket.number))

    async def _run(
        self,
        number: int,
        action: Action,
        expected_version: int | None,
        change: Callable[[_Action], Any],
        *,
        assignee: str | None = None,
        seen_message_id: int | None = None,
    ) -> TicketRecord:
        """One action in one write transaction: begin, ``change``, finish; the answer is
        the ticket as this action left it.  ``seen_message_id``: the newest message the
        agent had seen (the stale-send block; None: not checked)."""
        async with self.db.write() as session:
            who = await self._assignee(session, assignee) if assignee else None
            act = await self._begin(session, number, action, expected_version, who, seen_message_id)
            result = change(act)
            if asyncio.iscoroutine(result):
                await result
            await self._finish(act)
            record = await self._answer(session, number)
        if act.mailed:
            record = replace(record, mailed=tuple(act.mailed))
        return record

    async def _answer(self, session: AsyncSession, number: int) -> TicketRecord:
        """The ticket as the action in ``session`` left it, read inside its transaction
        (after the commit another agent may already have changed it): what happened, also
        when the change took the ticket out of the actor's scope (``visible`` is False)."""
        return await self.queries.answer(session, number, await self._scope(session))

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

    async def _left_by_me(self, session: AsyncSession, ticket: Ticket, version: int) -> bool:
        """Whether the ticket is still at ``version`` and its last change was this
        actor's (so an undo of it touches nothing anyone else did)."""
        if ticket.version != version:
            return False
        last = (
            await session.execute(
                select(Event.actor_id)
                .where(Event.ticket_id == ticket.id)
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        return last == self.actor.id

    async def _assignee(self, session: AsyncSession, username: str) -> Assignee:
        """The agent named, as the workflow checks an assignment."""
        return await find_assignee(session, username)


async def find_assignee(session: AsyncSession, username: str) -> Assignee:
    """The agent a ticket would be given to, by username; NotFound names the way to look."""
    agent = (
        await session.execute(select(Agent).where(Agent.username == username))
    ).scalar_one_or_none()
    if agent is None:
        raise NotFound(f"No agent named {username!r}; `agent-console agent list` shows them.")
    return Assignee(agent.id, agent.username, agent.team_id, agent.active)
