"""Queue views, stage counts, keyset windows of rows, and one ticket with all its tabs.

Every query is narrowed to the acting agent's scope (``console.data.scope``).  Windows
are keyset-paginated (never OFFSET over the whole queue): a window starts after (or
before) the sort key of a row the caller already has.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from console.data.db import Database
from console.data.errors import BadValue, NotFound
from console.data.filters import FilterError, build_filter, search_words
from console.data.models import (
    Account,
    Activity,
    Agent,
    Approval,
    Attachment,
    Contact,
    Department,
    Event,
    Message,
    OutboxMail,
    Resolution,
    Team,
    Ticket,
    TimeEntry,
    agent_departments,
    approval_approvers,
    message_mentions,
)
from console.data.records import (
    DETAIL_PARTS,
    ActivityRecord,
    AgentRecord,
    ApprovalRecord,
    AttachmentRecord,
    ContactRecord,
    DeliveryRecord,
    EventRecord,
    MessageRecord,
    ResolutionRecord,
    StageCounts,
    TicketDetail,
    TicketMarks,
    TicketRecord,
    TicketRow,
    TimeEntryRecord,
    priority_name,
)
from console.data.scope import Scope, load_scope
from console.data.workflow import STAGES, Actor, AmcState, Status, TicketFacts, allowed_actions

#: View key -> the name the console shows.
VIEWS: dict[str, str] = {
    "my": "My Tickets",
    "unassigned": "Unassigned",
    "all": "All Tickets",
    "my-closed": "My Closed",
    "assigned": "Assigned to Me",
    "created": "Created by Me",
    "team": "My Team",
    "approvals": "Approvals waiting on me",
}

#: What a view's name does not say, as the view list shows it (short) and as help
#: says it: "My Tickets" follows the support guide, not the owner alone.
VIEW_MEANINGS: dict[str, tuple[str, str]] = {
    "my": ("mine + my accounts'", "the tickets I own and those of the accounts I coordinate"),
    "approvals": (
        "pending, I decide",
        "the tickets with an approval pending that I am asked to decide",
    ),
}

Sort = Literal["updated", "due", "priority"]
SORTS: tuple[str, ...] = ("updated", "due", "priority")

#: Sort key columns and whether the queue shows them newest/highest first (descending).
_SORT_COLUMNS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "updated": ((Ticket.updated_at, Ticket.id), True),
    "due": ((Ticket.due_at, Ticket.id), False),
    "priority": ((Ticket.priority, Ticket.due_at, Ticket.id), False),
}

#: A condition that keeps nothing (a filter that no longer reads, say a departed agent's
#: name, narrows its view to nothing rather than widening it).
_NOTHING = false()


def ticket_facts(
    ticket: Ticket,
    owner_name: str | None,
    account_name: str | None,
    amc_expires: date | None,
    merged_into: int | None,
) -> TicketFacts:
    """What the workflow rules need to know of a loaded ticket."""
    return TicketFacts(
        number=ticket.number,
        status=Status(ticket.status),
        owner_id=ticket.owner_id,
        owner_name=owner_name,
        creator_id=ticket.creator_id,
        amc_state=AmcState(ticket.amc_state),
        account_name=account_name,
        amc_expires=amc_expires.isoformat() if amc_expires else None,
        merged_into=merged_into,
    )


#: How a window of "My Tickets" finds my tickets (``Queries.mine_plan``): "walk" the
#: queue's sort index and keep those of my accounts, or "fetch" those of my accounts by
#: the account index and sort them.
MinePlan = Literal["walk", "fetch"]


def plans_mine(query: QueueQuery, where: ColumnElement[bool] | None = None) -> bool:
    """Whether a window of ``query`` finds my tickets by a plan of its own ("My Tickets"
    and "My Closed", unfiltered: a filter narrows by what the planner knows better)."""
    return query.view in ("my", "my-closed") and where is None


def mine_when_many(query: QueueQuery) -> MinePlan | None:
    """The plan when my accounts hold many of the desk's tickets: walk the sort index;
    but by due time "My Tickets" starts with the open tickets, a few of mine, and fetching
    and sorting those beats walking (26 ms against 64-116 ms for maya's 50,821 at a
    million), which the planner does on its own (None)."""
    return None if query.sort == "due" and query.view == "my" else "walk"


def _status(mine_plan: MinePlan | None) -> ColumnElement[str] | InstrumentedAttribute[str]:
    """The ticket's status; unindexed (``|| ''``) when my tickets are fetched by account,
    so the planner does not walk a stage's index to find a few of mine."""
    return Ticket.status.concat("") if mine_plan == "fetch" else Ticket.status


def sort_key(row: TicketRow, sort: str) -> tuple[Any, ...]:
    """The keyset key of a row for a sort: what the next window starts after.  By due
    time, closed tickets come after every open one (their due time has no breach to
    come), so the key starts with whether it is closed."""
    if sort == "updated":
        return (row.updated_at, row.id)
    if sort == "due":
        return (int(row.status == Status.CLOSED.value), row.due_at, row.id)
    return (row.priority_rank, row.due_at, row.id)


def check_view(view: str) -> str:
    """The view key, or BadValue naming the views."""
    if view not in VIEWS:
        raise BadValue(f"Unknown view {view!r}; use one of: {', '.join(VIEWS)}.")
    return view


def check_stage(stage: str) -> str:
    """A stage name from any spelling ("inprogress", "all"), or BadValue naming them."""
    key = stage.replace(" ", "").replace("-", "").replace("_", "").lower()
    for name in STAGES:
        if name.lower() == key:
            return name
    raise BadValue(f"Unknown stage {stage!r}; use one of: {', '.join(STAGES)}.")


@dataclass(frozen=True)
class QueueQuery:
    """A queue as people name it, compiled to SQL by the data layer alone.

    ``view`` and ``stage`` pick the tickets (within the actor's scope), ``sort`` their
    order; ``filters`` narrow them further, each in the filter language typed at ``/``
    (a saved view's filter and the search line, say: all of them must hold); ``words``
    are searched for as they are, never read as filter terms (the palette's typed words).
    ``now`` is the moment relative terms (``due:<4h``, ``overdue``, ``updated:<7d``) are
    read at: a screen fixes it when it (re)loads, so the windows it fetches afterwards
    agree with each other; None reads them at each call.
    """

    view: str = "all"
    stage: str = "All"
    sort: str = "updated"
    filters: tuple[str, ...] = ()
    words: str = ""
    now: datetime | None = None

    def __post_init__(self) -> None:
        check_view(self.view)
        # Any spelling of a stage ("inprogress", "in progress") reads as its name.
        object.__setattr__(self, "stage", check_stage(self.stage))
        if self.sort not in _SORT_COLUMNS:
            raise BadValue(f"Unknown sort {self.sort!r}; use one of: {', '.join(SORTS)}.")

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the view narrows it."""
        return bool(self.filters or self.words.strip())


#: Compiled filter conditions kept per ``Queries`` (a screen fetches many windows of one
#: query; names in a filter cost a lookup each time it is compiled).
_COMPILED_KEPT = 32


#: Aliases made once: making one copies every column, which costs more than the query.
OWNER = aliased(Agent, name="owner")
CREATOR = aliased(Agent, name="creator")
MERGED = aliased(Ticket, name="merged")

_ROW_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.subject,
    Ticket.priority,
    Ticket.status,
    Contact.name,
    Account.name,
    OWNER.username,
    CREATOR.username,
    Ticket.due_at,
    Ticket.updated_at,
    Ticket.version,
)


def _row(values: Sequence[Any]) -> TicketRow:
    (
        tid,
        number,
        subject,
        prio,
        status,
        contact,
        account,
        owner,
        creator,
        due,
        updated,
        version,
    ) = values
    return TicketRow(
        id=tid,
        number=number,
        subject=subject,
        priority=priority_name(prio),
        status=status,
        contact=contact,
        account=account,
        owner=owner,
        creator=creator,
        due_at=due,
        updated_at=updated,
        version=version,
        priority_rank=prio,
    )


@dataclass
class Queries:
    """Read-only queries for one acting agent."""

    db: Database
    actor: Actor
    _scope: Scope | None = None
    _names: dict[int, str] | None = None
    _compiled: dict[tuple[tuple[str, ...], str, datetime | None], ColumnElement[bool] | None] = (
        field(default_factory=dict)
    )
    #: window size -> whether my accounts hold many of the desk's tickets (``mine_plan``)
    _many_mine: dict[int, bool] = field(default_factory=dict)

    async def scope(self, conn: AsyncSession | None = None) -> Scope:
        """The actor's scope, read once and kept (``refresh`` reads it again)."""
        if self._scope is None:
            if conn is None:
                async with self.db.read() as own:
                    self._scope = await load_scope(own, self.actor)
            else:
                self._scope = await load_scope(conn, self.actor)
        return self._scope

    def refresh(self) -> None:
        """Forget the cached scope, agent names and compiled filters (after team or
        department changes)."""
        self._scope = None
        self._names = None
        self._compiled.clear()
        self._many_mine.clear()

    # -- what narrows a queue ----------------------------------------------------------

    async def check_filter(self, text: str) -> None:
        """Raise ``FilterError`` (naming the token, with a suggestion) when ``text`` does
        not read in the filter language or names something unknown."""
        await self._filter(text, datetime.now(UTC))

    async def _filter(self, text: str, now: datetime) -> ColumnElement[bool]:
        return await build_filter(
            text, self.db, self.actor.id, now=now, words=search_words(self.db)
        )

    async def _where(
        self, query: QueueQuery, *, broken: ColumnElement[bool] | None = None
    ) -> ColumnElement[bool] | None:
        """The condition of a query's filters and words (None: nothing narrows it).

        A filter that cannot be compiled raises ``FilterError``; with ``broken`` given,
        that condition stands in for it instead (a saved view that no longer reads).
        """
        if not query.narrowed:
            return None
        key = (query.filters, query.words, query.now)
        if query.now is not None and key in self._compiled:
            return self._compiled[key]
        now = query.now or datetime.now(UTC)
        parts: list[ColumnElement[bool]] = []
        for text in query.filters:
            try:
                parts.append(await self._filter(text, now))
            except FilterError:
                if broken is None:
                    raise
                parts.append(broken)
        if query.words.strip():
            parts.append(search_words(self.db)(query.words))
        where = parts[0] if len(parts) == 1 else and_(*parts)
        if query.now is not None:
            if len(self._compiled) >= _COMPILED_KEPT:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[key] = where
        return where

    # -- views -------------------------------------------------------------------------

    def view_clause(
        self, scope: Scope, view: str, *, scan: bool = False, mine_plan: MinePlan | None = None
    ) -> ColumnElement[bool]:
        """The condition for one queue view: the scope narrowed further (``mine_plan``:
        how "My Tickets" finds mine, see ``Queries.mine_plan``)."""
        me = self.actor.id
        account = Ticket.account_id + 0 if mine_plan == "walk" else Ticket.account_id
        mine = account.in_(select(Account.id).where(Account.coordinator_id == me))
        base = scope.clause(scan=scan)
        match check_view(view):
            case "my":
                return and_(base, mine)
            case "unassigned":
                return and_(base, Ticket.owner_id.is_(None))
            case "all":
                return base
            case "my-closed":
                return and_(base, mine, _status(mine_plan) == Status.CLOSED.value)
            case "assigned":
                return Ticket.owner_id == me
            case "created":
                return Ticket.creator_id == me
            case "approvals":
                waiting = select(approval_approvers.c.approval_id).where(
                    approval_approvers.c.agent_id == me
                )
                pending = select(Approval.ticket_id).where(
                    Approval.state == "pending", Approval.id.in_(waiting)
                )
                return and_(base, Ticket.id.in_(pending))
            case _:  # "team"
                # Most of a team's scope is owned by its members: walk the sort index and
                # filter ("+ 0", as the scope does) rather than fetch and sort them all.
                owner = Ticket.owner_id + 0 if scan else Ticket.owner_id
                return and_(base, owner.in_(sorted(scope.team_member_ids)))

    async def counts(self, query: QueueQuery) -> StageCounts:
        """All stage counts of a query's view, narrowed by its filters, in one query (its
        stage does not matter: every stage is counted)."""
        where = await self._where(query)
        async with self.db.read() as conn:
            scope = await self.scope(conn)
            stmt = (
                select(Ticket.status, func.count())
                .where(self.view_clause(scope, query.view, scan=True))
                .group_by(Ticket.status)
            )
            if where is not None:
                stmt = stmt.where(where)
            rows = (await conn.execute(stmt)).all()
        return StageCounts({status: count for status, count in rows})

    async def view_counts(self, extra: Mapping[str, QueueQuery] | None = None) -> dict[str, int]:
        """Every view's ticket count (all stages), in one query; ``extra`` adds saved views
        (key -> their query, narrowing All Tickets).  A saved view whose filter no longer
        reads (a departed agent's name) counts nothing."""
        saved: dict[str, ColumnElement[bool]] = {}
        for key, query in (extra or {}).items():
            clause = await self._where(query, broken=_NOTHING)
            saved[key] = true() if clause is None else clause
        async with self.db.read() as conn:
            scope = await self.scope(conn)
            columns = [
                func.count()
                .filter(self.view_clause(scope, view, scan=True))
                .label(view.replace("-", "_"))
                for view in VIEWS
            ] + [func.count().filter(clause) for clause in saved.values()]
            # Every view lies inside the scope: count over the scope only, from the
            # covering index rather than the whole table.
            stmt = select(*columns).select_from(Ticket).where(scope.clause(scan=True))
            row = (await conn.execute(stmt)).one()
        return {view: int(value) for view, value in zip([*VIEWS, *saved], row, strict=True)}

    async def mine_plan(
        self, conn: AsyncSession, query: QueueQuery, limit: int, where: ColumnElement[bool] | None
    ) -> MinePlan | None:
        """How a window of "My Tickets" finds mine: walk the sort index and keep those of
        my accounts, or fetch those of my accounts and sort them (None: the planner's
        choice, for every other view and with a filter).

        Walking finds ``limit`` rows after about ``limit * tickets / mine`` index entries;
        fetching and sorting costs about twice as much per ticket of mine.  At a million:
        2.6 ms walking against 160 ms sorting for maya's 50,821 by update time, but 2.1 s
        walking (My Tickets) and 2.2-2.6 s (My Closed, where SQLite walks the Closed
        stage's index on its own) for someone with none.  So it walks when mine² > limit
        * tickets / 2 and fetches otherwise, mine counted only up to that bound; kept for
        the session (``refresh``).  Fetching compares the status unindexed, so no stage's
        index is walked instead.
        """
        if not plans_mine(query, where):
            return None
        if limit not in self._many_mine:
            tickets = (await conn.execute(select(func.max(Ticket.id)))).scalar() or 0
            enough = math.isqrt(limit * tickets // 2) + 1
            coordinated = select(Account.id).where(Account.coordinator_id == self.actor.id)
            mine = select(Ticket.id).where(Ticket.account_id.in_(coordinated)).limit(enough)
            found = (
                await conn.execute(select(func.count()).select_from(mine.subquery()))
            ).scalar_one()
            self._many_mine[limit] = found >= enough
        return mine_when_many(query) if self._many_mine[limit] else "fetch"

    def _window_stmt(
        self,
        scope: Scope,
        query: QueueQuery,
        after: tuple[Any, ...] | None,
        backwards: bool,
        limit: int,
        inclusive: bool = False,
        where: ColumnElement[bool] | None = None,
        *,
        mine_plan: MinePlan | None = None,
    ) -> Select[*tuple[Any, ...]]:
        columns, descending = _SORT_COLUMNS[query.sort]
        stage = check_stage(query.stage)
        stmt = (
            select(*_ROW_COLUMNS)
            .select_from(Ticket)
            .outerjoin(Contact, Contact.id == Ticket.contact_id)
            .outerjoin(Account, Account.id == Ticket.account_id)
            .outerjoin(OWNER, OWNER.id == Ticket.owner_id)
            .outerjoin(CREATOR, CREATOR.id == Ticket.creator_id)
            .where(self.view_clause(scope, query.view, scan=True, mine_plan=mine_plan))
        )
        if stage != "All":
            stmt = stmt.where(_status(mine_plan) == stage)
        if where is not None:
            stmt = stmt.where(where)
        # Walking the queue forwards means descending keys for a descending sort.
        go_down = descending != backwards
        if after is not None:
            key = tuple_(*columns)
            bound = tuple_(*[literal(v, type_=c.type) for c, v in zip(columns, after, strict=True)])
            if inclusive:
                stmt = stmt.where(key <= bound if go_down else key >= bound)
            else:
                stmt = stmt.where(key < bound if go_down else key > bound)
        order = [c.desc() if go_down else c.asc() for c in columns]
        return stmt.order_by(*order).limit(limit)

    async def window(
        self,
        query: QueueQuery,
        *,
        after: tuple[Any, ...] | None = None,
        backwards: bool = False,
        inclusive: bool = False,
        limit: int = 50,
    ) -> list[TicketRow]:
        """Up to ``limit`` rows of a query (view, stage, filters) in its queue order.

        ``after`` is the ``sort_key`` of a row: the window starts just past it (or, with
        ``backwards``, ends just before it; ``inclusive`` takes that row too).  Rows always
        come back in queue order.
        """
        where = await self._where(query)
        async with self.db.read() as conn:
            scope = await self.scope(conn)
            plan = await self.mine_plan(conn, query, limit, where)
            if query.sort != "due":
                stmt = self._window_stmt(
                    scope, query, after, backwards, limit, inclusive, where, mine_plan=plan
                )
                rows = [_row(r) for r in (await conn.execute(stmt)).all()]
            else:
                rows = await self._due_window(
                    conn, scope, query, after, backwards, limit, inclusive, where, plan
                )
        if backwards:
            rows.reverse()
        return rows

    async def _due_window(
        self,
        conn: AsyncSession,
        scope: Scope,
        query: QueueQuery,
        after: tuple[Any, ...] | None,
        backwards: bool,
        limit: int,
        inclusive: bool,
        where: ColumnElement[bool] | None,
        mine_plan: MinePlan | None,
    ) -> list[TicketRow]:
        """A window by due time (rows in walking order): open tickets first, then the
        closed ones, each part walked on its own index (no sort of the whole view)."""
        closed = _status(mine_plan) == Status.CLOSED.value
        parts: list[tuple[int, ColumnElement[bool] | None]] = [(0, ~closed), (1, closed)]
        if check_stage(query.stage) != "All":
            # One stage: all closed or all open; no part needs telling apart.
            flag = int(query.stage == Status.CLOSED.value)
            parts = [(flag, None)]
        if backwards:
            parts.reverse()
        start = after[0] if after is not None else None
        rows: list[TicketRow] = []
        for flag, part in parts:
            if start is not None and (flag < start if not backwards else flag > start):
                continue
            bound = after[1:] if after is not None and flag == start else None
            clause = part if where is None else (where if part is None else and_(where, part))
            stmt = self._window_stmt(
                scope,
                query,
                bound,
                backwards,
                limit - len(rows),
                inclusive,
                clause,
                mine_plan=mine_plan,
            )
            rows += [_row(r) for r in (await conn.execute(stmt)).all()]
            if len(rows) >= limit:
                break
        return rows

    async def numbers(self, query: QueueQuery, *, limit: int = 5000) -> tuple[list[int], int]:
        """The numbers of up to ``limit`` tickets of a query, newest first (to tag them
        all), and how many there are in all."""
        stage = query.stage
        where = await self._where(query)
        async with self.db.read() as conn:
            scope = await self.scope(conn)
            plan = await self.mine_plan(conn, query, limit, where)
            stmt = select(Ticket.number).where(
                self.view_clause(scope, query.view, scan=True, mine_plan=plan)
            )
            if stage != "All":
                stmt = stmt.where(_status(plan) == stage)
            if where is not None:
                stmt = stmt.where(where)
            numbers = [
                n
                for (n,) in await conn.execute(stmt.order_by(Ticket.updated_at.desc()).limit(limit))
            ]
            total = len(numbers)
            if total >= limit:
                total = int(
                    (
                        await conn.execute(select(func.count()).select_from(stmt.subquery()))
                    ).scalar_one()
                )
        return numbers, total

    # -- one ticket ----------------------------------------------------------------------

    async def agent_names(self, conn: AsyncSession) -> dict[int, str]:
        """Every agent's username by id (a help desk has dozens, not millions)."""
        if self._names is None:
            rows = (await conn.execute(select(Agent.id, Agent.username))).all()
            self._names = {agent_id: username for agent_id, username in rows}
        return self._names

    async def _name(self, conn: AsyncSession, agent_id: int | None) -> str | None:
        if agent_id is None:
            return None
        names = await self.agent_names(conn)
        if agent_id not in names:
            self._names = None
            names = await self.agent_names(conn)
        return names.get(agent_id, f"agent {agent_id}")

    async def ticket(self, number: int) -> TicketRecord:
        """One ticket's fields (NotFound when missing or out of the actor's scope)."""
        async with self.db.read() as conn:
            record, _facts, _ = await self._ticket(conn, number)
        return record

    async def answer(self, session: AsyncSession, number: int, scope: Scope) -> TicketRecord:
        """The ticket as an action in ``session`` has just left it (read in that
        transaction, before it commits): what happened, even when the change moved the
        ticket out of the actor's ``scope`` (then ``visible`` is False)."""
        record, _facts, _ = await self._ticket(session, number, after=scope)
        return record

    async def _ticket(
        self,
        conn: AsyncSession,
        number: int,
        *,
        after: Scope | None = None,
        also: Sequence[Any] = (),
    ) -> tuple[TicketRecord, TicketFacts, tuple[Any, ...]]:
        """A ticket in the actor's scope; with ``after`` (the scope an action was taken
        in), the ticket that action changed, saying whether it is still in that scope.
        ``also``: more columns of the same statement, their values returned last."""
        merged = MERGED
        stmt = (
            select(
                Ticket,
                Department.name,
                Contact.name,
                Contact.email,
                Contact.phone,
                Account.name,
                Account.amc_expires,
                merged.number,
                Account.coordinator_id,
                *also,
            )
            .outerjoin(Department, Department.id == Ticket.department_id)
            .outerjoin(Contact, Contact.id == Ticket.contact_id)
            .outerjoin(Account, Account.id == Ticket.account_id)
            .outerjoin(merged, merged.id == Ticket.merged_into_id)
            .where(Ticket.number == number)
        )
        if after is None:
            stmt = stmt.where((await self.scope(conn)).clause())
        row = (await conn.execute(stmt)).first()
        if row is None:
            raise NotFound(f"No ticket #{number} (or not one you may see).")
        t: Ticket = row[0]
        dept, contact, email, phone, account, amc_expires, merged_into, coordinator = row[1:9]
        visible = after is None or after.allows(
            department_id=t.department_id,
            owner_id=t.owner_id,
            creator_id=t.creator_id,
            coordinator_id=coordinator,
        )
        owner = await self._name(conn, t.owner_id)
        record = TicketRecord(
            id=t.id,
            number=t.number,
            subject=t.subject,
            description=t.description,
            status=t.status,
            priority=priority_name(t.priority),
            channel=t.channel,
            department=dept,
            category=t.category,
            subcategory=t.subcategory,
            product=t.product,
            contact=contact,
            contact_email=email,
            contact_phone=phone,
            account=account,
            amc_expires=amc_expires,
            amc_state=t.amc_state,
            owner=owner,
            creator=await self._name(conn, t.creator_id),
            due=t.due_at,
            scheduled_at=t.scheduled_at,
            sticky=t.sticky,
            created_at=t.created_at,
            updated_at=t.updated_at,
            closed_at=t.closed_at,
            first_response_at=t.first_response_at,
            merged_into=merged_into,
            version=t.version,
            visible=visible,
        )
        facts = ticket_facts(t, owner, account, amc_expires, merged_into)
        return record, facts, tuple(row[9:])

    async def detail(self, number: int, parts: Iterable[str] | None = None) -> TicketDetail:
        """One ticket with what its detail tabs show: every part, or only ``parts`` (the
        tab shown: one statement for the fields and one or two for the tab).  Read in one
        snapshot, so the fields and the tabs agree."""
        wanted = DETAIL_PARTS if parts is None else frozenset(parts)
        if not wanted <= DETAIL_PARTS:
            raise ValueError(f"not parts of a ticket: {sorted(wanted - DETAIL_PARTS)}")
        async with self.db.snapshot() as conn:
            record, facts, marks = await self._ticket_marked(conn, number)
            tid = record.id
            names = await self.agent_names(conn)

            def name(agent_id: int | None) -> str | None:
                return None if agent_id is None else names.get(agent_id, f"agent {agent_id}")

            messages: tuple[MessageRecord, ...] = ()
            notices: list[DeliveryRecord] = []
            if "conversation" in wanted:
                by_message: dict[int, DeliveryRecord] = {}
                for mail in (
                    await conn.execute(
                        select(OutboxMail)
                        .where(OutboxMail.ticket_id == tid)
                        .order_by(OutboxMail.id)
                    )
                ).scalars():
                    delivery = DeliveryRecord(
                        mail.id,
                        mail.kind,
                        mail.recipients,
                        mail.state,
                        mail.detail,
                        mail.created_at,
                        mail.sent_at,
                        mail.tries,
                    )
                    if mail.message_row_id is None:
                        notices.append(delivery)
                    else:
                        by_message[mail.message_row_id] = delivery
                messages = tuple(
                    replace(m, outgoing=by_message.get(m.id))
                    for m in await self._messages(conn, tid, names)
                )
            history: tuple[EventRecord, ...] = ()
            if "history" in wanted:
                events = (
                    await conn.execute(
                        select(Event).where(Event.ticket_id == tid).order_by(Event.id.desc())
                    )
                ).scalars()
                history = tuple(_event_record(e) for e in events)
            approvals: tuple[ApprovalRecord, ...] = ()
            if "approvals" in wanted:
                approvals = tuple(
                    record
                    for _number, record in await self._approvals(
                        conn, names, Approval.ticket_id == tid
                    )
                )
            resolution = None
            if "resolution" in wanted:
                res = (
                    await conn.execute(select(Resolution).where(Resolution.ticket_id == tid))
                ).scalar_one_or_none()
                if res is not None:
                    resolution = ResolutionRecord(
                        res.text,
                        res.publish_to_kb,
                        res.notify_contact,
                        name(res.author_id),
                        res.updated_at,
                    )
            activities: tuple[ActivityRecord, ...] = ()
            if "activities" in wanted:
                activities = tuple(
                    ActivityRecord(
                        a.id,
                        a.kind,
                        a.title,
                        name(a.owner_id),
                        a.due_at,
                        a.reminder_at,
                        a.done,
                        a.done_at,
                    )
                    for a in (
                        await conn.execute(
                            select(Activity).where(Activity.ticket_id == tid).order_by(Activity.id)
                        )
                    ).scalars()
                )
            time_entries: tuple[TimeEntryRecord, ...] = ()
            if "time" in wanted:
                time_entries = tuple(
                    TimeEntryRecord(
                        e.id, name(e.agent_id) or "", e.started_at, e.minutes, e.billable, e.note
                    )
                    for e in (
                        await conn.execute(
                            select(TimeEntry)
                            .where(TimeEntry.ticket_id == tid)
                            .order_by(TimeEntry.started_at, TimeEntry.id)
                        )
                    ).scalars()
                )
            attachments: tuple[AttachmentRecord, ...] = ()
            if "attachments" in wanted:
                attachments = tuple(
                    AttachmentRecord(row[0], row[1], row[2], row[3], row[4], name(row[5]), row[6])
                    for row in (
                        await conn.execute(
                            select(
                                Attachment.id,
                                Attachment.file_name,
                                Attachment.media_type,
                                Attachment.size,
                                Attachment.sha256,
                                Attachment.uploaded_by_id,
                                Attachment.created_at,
                            )
                            .where(Attachment.ticket_id == tid)
                            .order_by(Attachment.id)
                        )
                    ).all()
                )
        actions = {a.value: why for a, why in allowed_actions(self.actor, facts).items()}
        return TicketDetail(
            ticket=record,
            messages=messages,
            history=history,
            approvals=approvals,
            resolution=resolution,
            activities=activities,
            time_entries=time_entries,
            attachments=attachments,
            actions=actions,
            notices=tuple(notices),
            parts=wanted,
            marks=marks,
        )

    async def _ticket_marked(
        self, conn: AsyncSession, number: int
    ) -> tuple[TicketRecord, TicketFacts, TicketMarks]:
        """A ticket in the actor's scope, with the marks the footer needs, in one
        statement (the agents' names are read once a session)."""
        ticket_id = Ticket.id
        # The ticket's approvals first (a handful), each checked for me by its key: not
        # every approval I was ever asked, which a lead has thousands of.
        asked = (
            select(approval_approvers.c.approval_id)
            .where(
                approval_approvers.c.approval_id == Approval.id,
                approval_approvers.c.agent_id == self.actor.id,
            )
            .exists()
        )
        asks_me = (
            select(Approval.id)
            .where(Approval.ticket_id == ticket_id, Approval.state == "pending", asked)
            .exists()
        )
        files = (
            select(func.count(Attachment.id))
            .where(Attachment.ticket_id == ticket_id)
            .scalar_subquery()
        )
        pending_mail = (
            select(OutboxMail.id)
            .where(
                OutboxMail.ticket_id == ticket_id,
                OutboxMail.message_row_id.is_not(None),
                OutboxMail.state.in_(("queued", "failed")),
            )
            .exists()
        )
        record, facts, extra = await self._ticket(
            conn, number, also=(asks_me.label("asks_me"), files, pending_mail)
        )
        return record, facts, TicketMarks(bool(extra[0]), int(extra[1] or 0), bool(extra[2]))

    async def _messages(
        self, conn: AsyncSession, tid: int, names: dict[int, str]
    ) -> tuple[MessageRecord, ...]:
        rows = (
            await conn.execute(
                select(Message, Contact.name)
                .outerjoin(Contact, Contact.id == Message.author_contact_id)
                .where(Message.ticket_id == tid)
                .order_by(Message.created_at, Message.id)
            )
        ).all()
        mentions: dict[int, list[str]] = {}
        if rows:
            for message_id, agent_id in (
                await conn.execute(
                    select(message_mentions.c.message_id, message_mentions.c.agent_id).where(
                        message_mentions.c.message_id.in_([m.id for m, _ in rows])
                    )
                )
            ).all():
                mentions.setdefault(message_id, []).append(names.get(agent_id, "?"))
        why = await self._joined_because(conn, tid, [m for m, _ in rows], names)
        return tuple(
            MessageRecord(
                id=m.id,
                kind=m.kind,
                author=(
                    names.get(m.author_agent_id, "?")
                    if m.author_agent_id is not None
                    else ("the desk" if m.kind == "notice" else (contact or "customer"))
                ),
                body=m.body,
                at=m.created_at,
                mentions=tuple(sorted(mentions.get(m.id, []))),
                message_id=m.message_id,
                sender=m.from_addr,
                to=tuple(m.to_addrs.split("\n")) if m.to_addrs else (),
                cc=tuple(m.cc_addrs.split("\n")) if m.cc_addrs else (),
                threaded_by=m.threaded_by,
                joined_because=why.get(m.id),
                automatic=m.automatic,
                delivery=m.delivery,
            )
            for m, contact in rows
        )

    async def _joined_because(
        self, conn: AsyncSession, tid: int, messages: list[Message], names: dict[int, str]
    ) -> dict[int, str]:
        """Why each message that came by mail joined this ticket, in a sentence:
        "In-Reply-To matched alice's reply of 02 Mar 10:42", "subject tag [#1042], sender
        is the contact"."""
        threaded = [m for m in messages if m.threaded_by]
        if not threaded:
            return {}
        matched_ids = {m.threaded_to_id for m in threaded if m.threaded_to_id is not None}
        matched: dict[int, tuple[str, int | None, datetime]] = {}
        if matched_ids:
            for pk, kind, agent_id, at in (
                await conn.execute(
                    select(
                        Message.id, Message.kind, Message.author_agent_id, Message.created_at
                    ).where(Message.id.in_(matched_ids))
                )
            ).all():
                matched[pk] = (kind, agent_id, at)
        contact_id, number = (
            await conn.execute(select(Ticket.contact_id, Ticket.number).where(Ticket.id == tid))
        ).one()
        why: dict[int, str] = {}
        for m in threaded:
            if m.threaded_by == "subject-tag":
                who = (
                    "the contact"
                    if m.author_contact_id is not None and m.author_contact_id == contact_id
                    else "a contact of its account"
                )
                why[m.id] = f"subject tag [#{number}], sender is {who}"
                continue
            rule = {"in-reply-to": "In-Reply-To", "references": "References"}.get(
                m.threaded_by or "", "a bounce of"
            )
            seen = matched.get(m.threaded_to_id or 0)
            if seen is None:
                what = "a message since deleted"
            else:
                kind, agent_id, at = seen
                author = "the customer's" if agent_id is None else f"{names.get(agent_id, '?')}'s"
                noun = {"customer": "mail", "reply": "reply"}.get(kind, kind)
                what = f"{author} {noun} of {at:%d %b %H:%M}"
            why[m.id] = f"{rule} {what}" if rule == "a bounce of" else f"{rule} matched {what}"
        return why

    async def _approvals(
        self, conn: AsyncSession, names: dict[int, str], *conditions: ColumnElement[bool]
    ) -> list[tuple[int, ApprovalRecord]]:
        """Approvals matching ``conditions`` with their ticket numbers: two queries."""
        rows = (
            await conn.execute(
                select(Approval, Ticket.number)
                .join(Ticket, Ticket.id == Approval.ticket_id)
                .where(*conditions)
                .order_by(Approval.id)
            )
        ).all()
        approvers: dict[int, list[str]] = {}
        if rows:
            for approval_id, agent_id in (
                await conn.execute(
                    select(approval_approvers.c.approval_id, approval_approvers.c.agent_id).where(
                        approval_approvers.c.approval_id.in_([a.id for a, _ in rows])
                    )
                )
            ).all():
                approvers.setdefault(approval_id, []).append(names.get(agent_id, "?"))
        return [
            (
                number,
                ApprovalRecord(
                    id=a.id,
                    kind=a.kind,
                    requester=names.get(a.requester_id, "?"),
                    approvers=tuple(sorted(approvers.get(a.id, []))),
                    subject=a.subject,
                    details=a.details,
                    state=a.state,
                    decider=names.get(a.decider_id) if a.decider_id is not None else None,
                    comment=a.decision_comment,
                    created_at=a.created_at,
                    decided_at=a.decided_at,
                ),
            )
            for a, number in rows
        ]

    async def pending_approvals(self) -> list[tuple[int, ApprovalRecord]]:
        """Pending approvals waiting on the actor (on tickets it may see), with their
        ticket numbers."""
        async with self.db.read() as conn:
            names = await self.agent_names(conn)
            scope = await self.scope(conn)
            mine = select(approval_approvers.c.approval_id).where(
                approval_approvers.c.agent_id == self.actor.id
            )
            return await self._approvals(
                conn, names, Approval.state == "pending", Approval.id.in_(mine), scope.clause()
            )

    def allowed_from_row(self, row: TicketRow) -> dict[str, str | None]:
        """What the actor may do to a queue row's ticket, judged from the row alone (its
        stage, owner and creator, and the actor's role), so nothing more is read.  A row
        does not carry the account's AMC state: it is taken as valid here, and the action
        itself checks it."""
        me = self.actor

        def agent_id(name: str | None) -> int | None:
            # Only whether it is the actor matters to the rules; 0 is no agent's id.
            return None if name is None else (me.id if name == me.username else 0)

        facts = TicketFacts(
            number=row.number,
            status=Status(row.status),
            owner_id=agent_id(row.owner),
            owner_name=row.owner,
            creator_id=agent_id(row.creator),
        )
        return {a.value: why for a, why in allowed_actions(me, facts).items()}

    async def allowed(self, number: int) -> dict[str, str | None]:
        """What the actor may do to a ticket now: action -> None or the reason why not."""
        return (await self.state(number))[0]

    async def state(self, number: int) -> tuple[dict[str, str | None], int]:
        """What the actor may do to a ticket now, and the ticket's current version."""
        async with self.db.read() as conn:
            record, facts, _ = await self._ticket(conn, number)
        actions = {a.value: why for a, why in allowed_actions(self.actor, facts).items()}
        return actions, record.version

    async def newest_message(self, number: int) -> int:
        """The id of the ticket's newest message (0: none yet): what a form opened now has
        seen, for the stale-send block."""
        async with self.db.read() as session:
            found = (
                await session.execute(
                    select(func.max(Message.id))
                    .join(Ticket, Ticket.id == Message.ticket_id)
                    .where(Ticket.number == number)
                )
            ).scalar_one_or_none()
        return found or 0

    async def contacts(self, prefix: str, limit: int = 10) -> list[ContactRecord]:
        """Contacts whose name or email starts with ``prefix`` (for completion)."""
        text = prefix.strip().lower()
        if not text:
            return []
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(Contact.name, Contact.email, Contact.phone, Account.name)
                    .outerjoin(Account, Account.id == Contact.account_id)
                    .where(
                        or_(
                            func.lower(Contact.name).like(pattern, escape="\\"),
                            func.lower(Contact.email).like(pattern, escape="\\"),
                        )
                    )
                    .order_by(Contact.name)
                    .limit(limit)
                )
            ).all()
        return [ContactRecord(*row) for row in rows]

    async def accounts(self) -> list[str]:
        """Every account name."""
        async with self.db.read() as session:
            return list(
                (await session.execute(select(Account.name).order_by(Account.name))).scalars()
            )

    async def departments(self) -> list[str]:
        """Every department name."""
        async with self.db.read() as session:
            return list(
                (await session.execute(select(Department.name).order_by(Department.name))).scalars()
            )

    async def acknowledging(self) -> set[str]:
        """The departments that acknowledge a new ticket by mail (not ``--no-ack``)."""
        async with self.db.read() as session:
            return set(
                (
                    await session.execute(select(Department.name).where(Department.ack_enabled))
                ).scalars()
            )

    async def agents(self) -> list[AgentRecord]:
        """Every agent with team, departments and open load (owned, not Closed)."""
        async with self.db.read() as conn:
            return await list_agents(conn)


async def list_agents(conn: AsyncSession) -> list[AgentRecord]:
    """Every agent with team, departments and open load; three queries whatever the size."""
    load = dict(
        (
            await conn.execute(
                select(Ticket.owner_id, func.count())
                .where(Ticket.owner_id.is_not(None), Ticket.status != Status.CLOSED.value)
                .group_by(Ticket.owner_id)
            )
        ).all()
    )
    departments: dict[int, list[str]] = {}
    for agent_id, dept in (
        await conn.execute(
            select(agent_departments.c.agent_id, Department.name).join(
                Department, Department.id == agent_departments.c.department_id
            )
        )
    ).all():
        departments.setdefault(agent_id, []).append(dept)
    rows = (
        await conn.execute(
            select(Agent, Team.name)
            .outerjoin(Team, Team.id == Agent.team_id)
            .order_by(Agent.username)
        )
    ).all()
    return [
        AgentRecord(
            id=a.id,
            username=a.username,
            display_name=a.display_name,
            email=a.email,
            role=a.role,
            team=team,
            departments=tuple(sorted(departments.get(a.id, []))),
            active=a.active,
            open_load=int(load.get(a.id, 0)),
        )
        for a, team in rows
    ]


def _event_record(e: Event) -> EventRecord:
    return EventRecord(
        id=e.id,
        ticket_number=e.ticket_number,
        actor=e.actor_name,
        actor_kind=e.actor_kind,
        at=e.at,
        action=e.action,
        field=e.field,
        old=e.old_value,
        new=e.new_value,
    )
