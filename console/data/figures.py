"""The lead's figures: what the dashboard shows and ``agent-console report`` prints.

One named query per figure, each answered by the database from an index (never by
loading tickets into Python): created and closed per day, the backlog by stage and age,
SLA breaches and tickets about to breach, first-response and resolution times (median and
p90, nearest rank), per agent (open load by stage, closed, median first response, reopen
rate, time logged, availability), billing per account and the approvals pending.

Every figure is narrowed to what the actor may see (``console.data.scope``) and, when a
``Period`` names them, to a team (tickets owned by its members, as the ``team:`` filter
reads) or a department.  Days are UTC days; a period runs from the start of ``start`` to
the end of ``end``.  Before reading breaches the figures sweep (``console.data.sla``), so
a breach that happened since the last change of its ticket is counted.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import sla
from console.data.db import Database
from console.data.errors import BadValue
from console.data.models import (
    Account,
    Agent,
    Approval,
    Department,
    Event,
    SlaBreach,
    Team,
    Ticket,
    TimeEntry,
    agent_departments,
)
from console.data.records import PRIORITIES, priority_name
from console.data.scope import Scope, load_scope
from console.data.workflow import Actor

#: The backlog's age bands: a label and the band's upper bound (None: no bound).
AGE_BANDS: tuple[tuple[str, timedelta | None], ...] = (
    ("0-1 d", timedelta(days=1)),
    ("1-3 d", timedelta(days=3)),
    ("3-7 d", timedelta(days=7)),
    ("> 7 d", None),
)

#: How many figures the dashboard reads at once (a session each).
LANES = 3
T = TypeVar("T")

#: How many breaches the dashboard lists (the report lists them all).
DASHBOARD_BREACHES = 20

#: How far ahead "about to breach" looks.
SOON = timedelta(hours=4)

#: The stages a backlog counts, in the stage bar's order.
OPEN_STAGES: tuple[str, ...] = sla.OPEN_STAGES

#: The availabilities an agent may set.
AVAILABILITIES: tuple[str, ...] = ("available", "away", "off")


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Period:
    """The days a figure covers (both included, UTC) and the team or department it is
    narrowed to (None: all the actor may see)."""

    start: date
    end: date
    team: str | None = None
    department: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadValue(f"The period ends ({self.end}) before it starts ({self.start}).")

    @classmethod
    def last_days(cls, today: date, days: int = 7, **narrow: str | None) -> Period:
        """The last ``days`` days up to and including today."""
        return cls(today - timedelta(days=days - 1), today, **narrow)

    @property
    def since(self) -> datetime:
        """The first moment of the period."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def holds(self, column: Any) -> ColumnElement[bool]:
        """The condition that a time column falls in the period."""
        return and_(column >= self.since, column < self.until)


@dataclass(frozen=True)
class DayFigures:
    """Tickets created and closed on one day."""

    day: date
    created: int
    closed: int


@dataclass(frozen=True)
class BacklogRow:
    """Open tickets of one stage by age band (``AGE_BANDS`` labels)."""

    stage: str
    by_age: dict[str, int]

    @property
    def total(self) -> int:
        """All open tickets of the stage."""
        return sum(self.by_age.values())


@dataclass(frozen=True)
class Breach:
    """A recorded SLA breach in the period."""

    number: int
    subject: str | None
    priority: str
    due_at: datetime
    owner: str | None
    department: str | None
    status: str | None


@dataclass(frozen=True)
class DueSoon:
    """An open ticket due within ``SOON``."""

    number: int
    subject: str
    priority: str
    due_at: datetime
    owner: str | None


@dataclass(frozen=True)
class Times:
    """Median and p90 (nearest rank) in seconds, and how many tickets they are of."""

    count: int
    median_s: int | None
    p90_s: int | None


@dataclass(frozen=True)
class AgentFigures:
    """One agent's figures."""

    agent: str
    display_name: str
    team: str | None
    availability: str
    open_by_stage: dict[str, int]
    closed: int
    first_response_median_s: int | None
    reopened: int
    billable_min: int
    non_billable_min: int

    @property
    def open(self) -> int:
        """Open tickets owned now."""
        return sum(self.open_by_stage.values())

    @property
    def reopen_rate(self) -> float | None:
        """Reopened in the period per ticket closed in it (None: none closed)."""
        return round(self.reopened / self.closed, 3) if self.closed else None

    @property
    def time_logged_min(self) -> int:
        """All time logged in the period."""
        return self.billable_min + self.non_billable_min


@dataclass(frozen=True)
class Rates:
    """Billing rates in cents: per hour of billable time and per ticket closed."""

    hourly_cents: int = 0
    ticket_cents: int = 0


@dataclass(frozen=True)
class AccountBill:
    """One account's bill for the period."""

    account: str
    tickets: int
    billable_min: int
    hourly_cents: int
    ticket_cents: int

    @property
    def amount_cents(self) -> int:
        """Tickets at the ticket price plus billable time at the hourly rate."""
        return self.tickets * self.ticket_cents + round(self.billable_min * self.hourly_cents / 60)


@dataclass(frozen=True)
class PendingApproval:
    """An approval waiting for a decision, and how long it has waited."""

    number: int
    subject: str
    requested_at: datetime
    waited_s: int


@dataclass
class Dashboard:
    """Every figure of the dashboard, read together."""

    period: Period
    now: datetime
    days: list[DayFigures]
    backlog: list[BacklogRow]
    #: the breaches in the period, and the first of them
    breach_count: int
    breaches: list[Breach]
    due_soon: list[DueSoon]
    first_response: Times
    resolution: Times
    agents: list[AgentFigures]
    approvals: list[PendingApproval]
    notes: list[str] = field(default_factory=list)


def _utc(value: Any) -> datetime:
    """A stored naive-UTC moment (SQLite's text, PostgreSQL's datetime) as aware UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC)


def _stored_day(value: Any) -> date:
    """A day as the database gives it back (a date on PostgreSQL, text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass
class Figures:
    """The figures for one acting agent."""

    db: Database
    actor: Actor
    clock: Callable[[], datetime] = utc_now

    # -- what narrows every figure -------------------------------------------------------

    def _seconds(self, later: Any, earlier: Any) -> Any:
        """Seconds between two time columns, in the backend's own arithmetic."""
        if self.db.is_sqlite:
            return (func.julianday(later) - func.julianday(earlier)) * 86400.0
        return extract("epoch", later - earlier)

    async def _narrow(
        self,
        session: AsyncSession,
        period: Period,
        *,
        ranged: bool = False,
        in_scope: bool = False,
    ) -> ColumnElement[bool]:
        """The condition on ``tickets`` of the actor's scope, team and department.

        ``ranged``: the figure reads a time range (created, closed, logged in the
        period) through that time's index; the scope's and team's columns are then kept
        from the planner ("+ 0", as ``Scope.clause(scan=True)`` does), which would
        otherwise gather every ticket of the scope from four indexes and filter by time
        (0.4 s instead of a few ms at 100,000 tickets).
        """
        scope = await load_scope(session, self.actor)
        # ``in_scope``: the caller narrows to owners the scope includes whole.
        parts: list[ColumnElement[bool]] = [] if in_scope else [scope.clause(scan=ranged)]
        if period.team:
            members = await self._team_members(session, period.team)
            owner = Ticket.owner_id + 0 if ranged else Ticket.owner_id
            parts.append(owner.in_(members))
        if period.department:
            parts.append(Ticket.department_id == await self._department(session, period))
        return and_(true(), *parts)

    async def _team_members(self, session: AsyncSession, name: str) -> list[int]:
        team = (
            await session.execute(select(Team.id).where(func.lower(Team.name) == name.lower()))
        ).scalar_one_or_none()
        if team is None:
            names = (await session.execute(select(Team.name).order_by(Team.name))).scalars()
            raise BadValue(f"No team {name!r}; teams: {', '.join(names) or 'none yet'}.")
        led = select(Team.lead_id).where(Team.id == team, Team.lead_id.is_not(None))
        rows = await session.execute(
            select(Agent.id).where(or_(Agent.team_id == team, Agent.id.in_(led)))
        )
        return sorted(rows.scalars())

    async def _department(self, session: AsyncSession, period: Period) -> int:
        assert period.department
        dept = (
            await session.execute(
                select(Department.id).where(
                    func.lower(Department.name) == period.department.strip().lower()
                )
            )
        ).scalar_one_or_none()
        if dept is None:
            names = (
                await session.execute(select(Department.name).order_by(Department.name))
            ).scalars()
            raise BadValue(
                f"No department {period.department!r}; departments: "
                f"{', '.join(names) or 'none yet'}."
            )
        return int(dept)

    async def _agents_shown(
        self, session: AsyncSession, period: Period, scope: Scope
    ) -> list[Agent]:
        """The agents a per-agent figure lists: the team's, the department's, or those
        the actor may see (its team for a lead, everyone for an admin)."""
        stmt = select(Agent).where(Agent.active.is_(True)).order_by(Agent.username)
        if period.team:
            stmt = stmt.where(Agent.id.in_(await self._team_members(session, period.team)))
        elif period.department:
            dept = await self._department(session, period)
            stmt = stmt.where(
                Agent.id.in_(
                    select(agent_departments.c.agent_id).where(
                        agent_departments.c.department_id == dept
                    )
                )
            )
        if not scope.everything:
            stmt = stmt.where(Agent.id.in_(sorted(scope.agent_ids | scope.team_member_ids)))
        return list((await session.execute(stmt)).scalars())

    async def choices(self) -> tuple[list[str], list[str], str | None]:
        """The teams and departments a figure can be narrowed to, and the actor's own
        team (a lead's dashboard starts there)."""
        async with self.db.read() as session:
            teams = list((await session.execute(select(Team.name).order_by(Team.name))).scalars())
            departments = list(
                (await session.execute(select(Department.name).order_by(Department.name))).scalars()
            )
            own = (
                await session.execute(select(Team.name).where(Team.id == self.actor.team_id))
            ).scalar_one_or_none()
        return teams, departments, own

    # -- the figures ---------------------------------------------------------------------

    async def per_day(self, period: Period) -> list[DayFigures]:
        """Tickets created and closed on each day of the period."""
        async with self.db.read() as session:
            where = await self._narrow(session, period, ranged=True)
            created = await self._count_by_day(session, Ticket.created_at, where, period)
            closed = await self._count_by_day(session, Ticket.closed_at, where, period)
        return [DayFigures(d, created.get(d, 0), closed.get(d, 0)) for d in period.days()]

    async def _count_by_day(
        self, session: AsyncSession, column: Any, where: ColumnElement[bool], period: Period
    ) -> dict[date, int]:
        day = func.date(column)
        rows = await session.execute(
            select(day, func.count()).where(where, period.holds(column)).group_by(day)
        )
        return {_stored_day(d): int(n) for d, n in rows}

    async def backlog(self, period: Period) -> list[BacklogRow]:
        """Open tickets now, by stage and by age (since created).

        One pass over the open stages' ``(status, created_at)`` index, grouped by stage
        alone (in the index's order: no sort), counting the tickets younger than each
        band's upper bound; a band is the difference of two such counts."""
        now = self.clock()
        uppers = [upper for _label, upper in AGE_BANDS if upper is not None]
        younger = [func.sum(case((Ticket.created_at > now - u, 1), else_=0)) for u in uppers]
        async with self.db.read() as session:
            where = await self._narrow(session, period)
            rows = await session.execute(
                select(Ticket.status, func.count(), *younger)
                .where(where, Ticket.status.in_(OPEN_STAGES))
                .group_by(Ticket.status)
            )
            counts: dict[str, list[int]] = {}
            for status, total, *under in rows:
                bounds = [0, *(int(n or 0) for n in under), int(total)]
                counts[status] = [bounds[i + 1] - bounds[i] for i in range(len(AGE_BANDS))]
        empty = [0] * len(AGE_BANDS)
        return [
            BacklogRow(
                stage,
                {label: counts.get(stage, empty)[i] for i, (label, _u) in enumerate(AGE_BANDS)},
            )
            for stage in OPEN_STAGES
        ]

    async def breach_count(self, period: Period, *, swept: bool = False) -> int:
        """How many SLA breaches fell in the period (swept first, unless ``swept``)."""
        if not swept:
            await sla.sweep(self.db, self.clock())
        async with self.db.read() as session:
            where = await self._narrow(session, period, ranged=True)
            # Each breach's ticket looked up by its key, in a subquery no planner turns
            # into a join: PostgreSQL otherwise planned (for a statement's first five
            # runs on a connection, each dashboard's) a hash join over every ticket of
            # the scope, 166-180 ms at 1M against 27-34 ms.
            in_scope = select(where).where(Ticket.id == SlaBreach.ticket_id).scalar_subquery()
            return int(
                (
                    await session.execute(
                        select(func.count())
                        .select_from(SlaBreach)
                        .where(period.holds(SlaBreach.due_at), in_scope)
                    )
                ).scalar_one()
            )

    async def breaches(
        self, period: Period, *, limit: int | None = None, swept: bool = False
    ) -> list[Breach]:
        """The SLA breaches whose due time fell in the period (swept first, unless
        ``swept``), oldest first (the first ``limit`` of them)."""
        if not swept:
            await sla.sweep(self.db, self.clock())
        owner, dept = Agent.__table__.alias("owner"), Department.__table__.alias("dept")
        async with self.db.read() as session:
            where = await self._narrow(session, period, ranged=True)
            # Core rows, the due time as stored (parsed below): a report of a 1M desk's
            # week lists ~30,000 breaches, and the ORM's and the column type's work per
            # row took twice as long as the query.
            conn = await session.connection()
            rows = await conn.execute(
                select(
                    SlaBreach.ticket_number,
                    Ticket.subject,
                    SlaBreach.priority,
                    type_coerce(SlaBreach.due_at, String),
                    owner.c.username,
                    dept.c.name,
                    Ticket.status,
                )
                .join(Ticket, Ticket.id == SlaBreach.ticket_id)
                .outerjoin(owner, owner.c.id == SlaBreach.owner_id)
                .outerjoin(dept, dept.c.id == SlaBreach.department_id)
                .where(period.holds(SlaBreach.due_at), where)
                .order_by(SlaBreach.due_at, SlaBreach.ticket_id)
                .limit(limit)
            )
            names = PRIORITIES
            return [
                Breach(number, subject, names[rank], _utc(due), owner_name, dept_name, status)
                for number, subject, rank, due, owner_name, dept_name, status in rows
            ]

    async def due_soon(self, period: Period, *, limit: int = 200) -> list[DueSoon]:
        """Open tickets due within the next ``SOON`` (not yet breached), soonest first."""
        now = self.clock()
        owner = Agent.__table__.alias("owner")
        async with self.db.read() as session:
            where = await self._narrow(session, period)
            rows = await session.execute(
                select(
                    Ticket.number, Ticket.subject, Ticket.priority, Ticket.due_at, owner.c.username
                )
                .outerjoin(owner, owner.c.id == Ticket.owner_id)
                .where(
                    where,
                    Ticket.status.in_(OPEN_STAGES),
                    Ticket.due_at > now,
                    Ticket.due_at <= now + SOON,
                )
                .order_by(Ticket.due_at, Ticket.id)
                .limit(limit)
            )
            return [DueSoon(r[0], r[1], priority_name(r[2]), r[3], r[4]) for r in rows]

    async def _ranks(
        self,
        session: AsyncSession,
        seconds: Any,
        where: ColumnElement[bool],
        group: Any = None,
    ) -> dict[Any, Times]:
        """Median and p90 (nearest rank) of ``seconds`` over the matching tickets, per
        ``group`` (one group, None, without it).

        The database reads the durations from the period's time index (one number per
        ticket of the period, never a ticket); they are ranked here.  Window functions
        ranking them in SQLite took 4-5 times as long as reading them (two sorts of every
        row: 160-230 ms for the 30,000 tickets a 1M desk closes in a week, 45 ms read)."""
        key = group if group is not None else literal(0)
        conn = await session.connection()  # Core rows: no ORM loading per row
        rows = await conn.execute(select(key, seconds).where(where))
        found: dict[Any, list[float]] = defaultdict(list)
        for g, s in rows:
            found[g].append(float(s))
        out: dict[Any, Times] = {}
        for g, values in found.items():
            values.sort()
            n = len(values)
            median, p90 = values[(n + 1) // 2 - 1], values[(n * 9 + 9) // 10 - 1]
            out[g] = Times(n, round(median), round(p90))
        if group is None:
            return {None: out.get(0, Times(0, None, None))}
        return out

    async def response_times(self, period: Period) -> tuple[Times, Times]:
        """First response (of tickets created in the period) and resolution (of tickets
        closed in it)."""
        async with self.db.read() as session:
            where = await self._narrow(session, period, ranged=True)
            first = await self._ranks(
                session,
                self._seconds(Ticket.first_response_at, Ticket.created_at),
                and_(where, period.holds(Ticket.created_at), Ticket.first_response_at.is_not(None)),
            )
            resolved = await self._ranks(
                session,
                self._seconds(Ticket.closed_at, Ticket.created_at),
                and_(where, period.holds(Ticket.closed_at)),
            )
        return first[None], resolved[None]

    async def agents(self, period: Period) -> list[AgentFigures]:
        """Each agent's figures (the team's, the department's, or those in view)."""
        async with self.db.read() as session:
            scope = await load_scope(session, self.actor)
            shown = await self._agents_shown(session, period, scope)
            ids = [a.id for a in shown]
            if not ids:
                return []
            # A lead's team (an admin's anyone): their tickets are all in scope, so the
            # open load is read from the owner index alone.
            whole = scope.everything or set(ids) <= scope.agent_ids
            where = await self._narrow(session, period, in_scope=whole)
            mine = and_(where, Ticket.owner_id.in_(ids))
            ranged = await self._narrow(session, period, ranged=True)
            theirs = and_(ranged, (Ticket.owner_id + 0).in_(ids))
            load: dict[int | None, dict[str, int]] = defaultdict(dict)
            for who, status, n in await session.execute(
                select(Ticket.owner_id, Ticket.status, func.count())
                .where(mine, Ticket.status.in_(OPEN_STAGES))
                .group_by(Ticket.owner_id, Ticket.status)
            ):
                load[who][status] = int(n)
            closed = dict(
                (
                    await session.execute(
                        select(Ticket.owner_id, func.count())
                        .where(theirs, period.holds(Ticket.closed_at))
                        .group_by(Ticket.owner_id)
                    )
                ).all()
            )
            reopened = dict(
                (
                    await session.execute(
                        select(Ticket.owner_id, func.count(func.distinct(Event.ticket_id)))
                        .join(Ticket, Ticket.id == Event.ticket_id)
                        .where(theirs, Event.action == "reopen", period.holds(Event.at))
                        .group_by(Ticket.owner_id)
                    )
                ).all()
            )
            first = await self._ranks(
                session,
                self._seconds(Ticket.first_response_at, Ticket.created_at),
                and_(
                    theirs, period.holds(Ticket.created_at), Ticket.first_response_at.is_not(None)
                ),
                group=Ticket.owner_id,
            )
            logged: dict[tuple[int, bool], int] = {}
            for who, billable, minutes in await session.execute(
                select(TimeEntry.agent_id, TimeEntry.billable, func.sum(TimeEntry.minutes))
                .join(Ticket, Ticket.id == TimeEntry.ticket_id)
                .where(ranged, TimeEntry.agent_id.in_(ids), period.holds(TimeEntry.started_at))
                .group_by(TimeEntry.agent_id, TimeEntry.billable)
            ):
                logged[(who, bool(billable))] = int(minutes or 0)
            teams = dict((await session.execute(select(Team.id, Team.name))).all())
        return [
            AgentFigures(
                agent=a.username,
                display_name=a.display_name,
                team=teams.get(a.team_id) if a.team_id is not None else None,
                availability=a.availability,
                open_by_stage={s: load[a.id].get(s, 0) for s in OPEN_STAGES},
                closed=int(closed.get(a.id, 0)),
                first_response_median_s=first[a.id].median_s if a.id in first else None,
                reopened=int(reopened.get(a.id, 0)),
                billable_min=logged.get((a.id, True), 0),
                non_billable_min=logged.get((a.id, False), 0),
            )
            for a in shown
        ]

    async def billing(self, period: Period, rates: Rates) -> list[AccountBill]:
        """Per account: tickets closed in the period, billable time logged in it, and the
        amount at the account's rates (or the desk's)."""
        async with self.db.read() as session:
            where = await self._narrow(session, period, ranged=True)
            closed = dict(
                (
                    await session.execute(
                        select(Ticket.account_id, func.count())
                        .where(
                            where, Ticket.account_id.is_not(None), period.holds(Ticket.closed_at)
                        )
                        .group_by(Ticket.account_id)
                    )
                ).all()
            )
            minutes = dict(
                (
                    await session.execute(
                        select(Ticket.account_id, func.sum(TimeEntry.minutes))
                        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
                        .where(
                            where,
                            Ticket.account_id.is_not(None),
                            TimeEntry.billable.is_(True),
                            period.holds(TimeEntry.started_at),
                        )
                        .group_by(Ticket.account_id)
                    )
                ).all()
            )
            ids = sorted(i for i in set(closed) | set(minutes) if i is not None)
            accounts = (
                (await session.execute(select(Account).where(Account.id.in_(ids)))).scalars().all()
            )
        return sorted(
            (
                AccountBill(
                    account=a.name,
                    tickets=int(closed.get(a.id, 0)),
                    billable_min=int(minutes.get(a.id) or 0),
                    hourly_cents=(
                        a.hourly_rate_cents
                        if a.hourly_rate_cents is not None
                        else rates.hourly_cents
                    ),
                    ticket_cents=(
                        a.ticket_price_cents
                        if a.ticket_price_cents is not None
                        else rates.ticket_cents
                    ),
                )
                for a in accounts
            ),
            key=lambda bill: bill.account.lower(),
        )

    async def approvals(self, period: Period, *, limit: int = 200) -> list[PendingApproval]:
        """Approvals still pending, longest waiting first."""
        now = self.clock()
        async with self.db.read() as session:
            where = await self._narrow(session, period)
            rows = await session.execute(
                select(Ticket.number, Approval.subject, Approval.created_at)
                .join(Ticket, Ticket.id == Approval.ticket_id)
                .where(Approval.state == "pending", where)
                .order_by(Approval.created_at, Approval.id)
                .limit(limit)
            )
            return [
                PendingApproval(n, subject, at, int((now - at).total_seconds()))
                for n, subject, at in rows
            ]

    async def dashboard(self, period: Period) -> Dashboard:
        """Every figure of the dashboard, after one sweep, read side by side (a session
        each, three at a time).  Most of a figure's time is the database's (SQLite
        leaves Python's lock while it steps), so on two cores they take 25-50% less than
        one after another: at 1M tickets 444-614 ms against 655-805 ms back to back on a
        busy machine; three at a time as fast as all eight at once."""
        await sla.sweep(self.db, self.clock())
        # At most LANES sessions at once: two cores gain nothing from more, and a
        # PostgreSQL pool (5 + 5) keeps room for the console's other work.
        lanes = asyncio.Semaphore(LANES)

        async def lane(figure: Callable[[], Awaitable[T]]) -> T:
            # The figure's coroutine is made once its turn comes: a figure cancelled
            # while it waits (another refused) leaves none behind unawaited.
            async with lanes:
                return await figure()

        try:
            async with asyncio.TaskGroup() as side_by_side:
                # The longest first, so that the last to start is a short one.
                agents = side_by_side.create_task(lane(lambda: self.agents(period)))
                times = side_by_side.create_task(lane(lambda: self.response_times(period)))
                days = side_by_side.create_task(lane(lambda: self.per_day(period)))
                backlog = side_by_side.create_task(lane(lambda: self.backlog(period)))
                count = side_by_side.create_task(
                    lane(lambda: self.breach_count(period, swept=True))
                )
                breaches = side_by_side.create_task(
                    lane(lambda: self.breaches(period, limit=DASHBOARD_BREACHES, swept=True))
                )
                due_soon = side_by_side.create_task(lane(lambda: self.due_soon(period)))
                approvals = side_by_side.create_task(lane(lambda: self.approvals(period)))
        except ExceptionGroup as failed:
            # One figure's refusal (an unknown team, say) is the dashboard's, as said.
            raise failed.exceptions[0] from None
        first, resolution = times.result()
        return Dashboard(
            period=period,
            now=self.clock(),
            days=days.result(),
            backlog=backlog.result(),
            breach_count=count.result(),
            breaches=breaches.result(),
            due_soon=due_soon.result(),
            first_response=first,
            resolution=resolution,
            agents=agents.result(),
            approvals=approvals.result(),
        )


def money_cents(text: str | float, what: str = "an amount") -> int:
    """An amount of money as typed (``60``, ``60.50``) in cents; BadValue otherwise."""
    raw = str(text).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadValue(f"{raw!r} is not {what}; write a number such as 60 or 60.50.") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise BadValue(f"{raw!r} is not {what}; write a number of at least 0, to the cent.")
    return int(value * 100)


def money(cents: int) -> str:
    """Cents shown as an amount: ``12345`` -> ``123.45``."""
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Candidate:
    """An agent a ticket could be given to, as the assign picker lists them."""

    username: str
    role: str
    team: str | None
    availability: str
    open_by_stage: dict[str, int]
    #: works the ticket's department (or, with none, is on the actor's team)
    near: bool
    suggested: bool = False

    @property
    def open(self) -> int:
        """Open tickets owned now."""
        return sum(self.open_by_stage.values())


async def assign_candidates(db: Database, actor: Actor, number: int) -> list[Candidate]:
    """The active agents for a ticket: those of its department (else the actor's team)
    first, each group by open load, with the suggested assignee marked: available, least
    loaded, able to work the department; for a High ticket the least loaded by open High
    tickets first (who has the fewest urgent ones in hand), then by open load."""
    async with db.read() as session:
        ticket = (
            await session.execute(
                select(Ticket.department_id, Ticket.priority).where(Ticket.number == number)
            )
        ).first()
        department_id, priority = (ticket[0], ticket[1]) if ticket else (None, 3)
        agents = list(
            (await session.execute(select(Agent).where(Agent.active.is_(True)))).scalars()
        )
        teams = dict((await session.execute(select(Team.id, Team.name))).all())
        load: dict[int | None, dict[str, int]] = defaultdict(dict)
        for who, status, n in await session.execute(
            select(Ticket.owner_id, Ticket.status, func.count())
            .where(Ticket.owner_id.is_not(None), Ticket.status.in_(OPEN_STAGES))
            .group_by(Ticket.owner_id, Ticket.status)
        ):
            load[who][status] = int(n)
        urgent = dict(
            (
                await session.execute(
                    select(Ticket.owner_id, func.count())
                    .where(
                        Ticket.owner_id.is_not(None),
                        Ticket.status.in_(OPEN_STAGES),
                        Ticket.priority == 1,
                    )
                    .group_by(Ticket.owner_id)
                )
            ).all()
        )
        workers: set[int] = set()
        if department_id is not None:
            workers = set(
                (
                    await session.execute(
                        select(agent_departments.c.agent_id).where(
                            agent_departments.c.department_id == department_id
                        )
                    )
                ).scalars()
            )
    near = workers or {a.id for a in agents if actor.team_id and a.team_id == actor.team_id}
    total = {a.id: sum(load[a.id].values()) for a in agents}
    able = [a for a in agents if a.id in near and a.availability == "available"]
    if priority == 1:
        able.sort(key=lambda a: (urgent.get(a.id, 0), total[a.id], a.username))
    else:
        able.sort(key=lambda a: (total[a.id], a.username))
    suggested = able[0].id if able else None
    ordered = sorted(agents, key=lambda a: (a.id not in near, total[a.id], a.username))
    return [
        Candidate(
            a.username,
            a.role,
            teams.get(a.team_id) if a.team_id is not None else None,
            a.availability,
            {s: load[a.id].get(s, 0) for s in OPEN_STAGES},
            a.id in near,
            a.id == suggested,
        )
        for a in ordered
    ]
