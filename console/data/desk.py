"""The desk's own records kept up: accounts' billing rates and contracts, and agents'
availability.  (Adding agents, departments and accounts is ``console.data.directory``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.audit import append_events
from console.data.directory import Directory
from console.data.errors import BadValue, NotFound, Refused
from console.data.figures import AVAILABILITIES, money
from console.data.models import Account, Agent, Department, Ticket, agent_departments
from console.data.workflow import AmcState, Role, Status

#: "unchanged", for an edit's optional fields (None can mean "clear it").
KEEP = object()


@dataclass(frozen=True)
class DepartmentRecord:
    """A department with its address, its agents and its open tickets."""

    name: str
    email: str | None
    agents: tuple[str, ...]
    open_tickets: int


@dataclass(frozen=True)
class AccountRecord:
    """A customer account as listed."""

    name: str
    coordinator: str | None
    amc_expires: date | None
    hourly_rate: str | None
    ticket_price: str | None


@dataclass
class DeskRecords(Directory):
    """Keeping the desk's records for one acting agent (admins, but for one's own
    availability)."""

    async def accounts(self) -> list[AccountRecord]:
        """Every account with its coordinator, contract and rates (None: the desk's)."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(Account, Agent.username)
                .outerjoin(Agent, Agent.id == Account.coordinator_id)
                .order_by(func.lower(Account.name))
            )
            return [
                AccountRecord(
                    a.name,
                    who,
                    a.amc_expires,
                    money(a.hourly_rate_cents) if a.hourly_rate_cents is not None else None,
                    money(a.ticket_price_cents) if a.ticket_price_cents is not None else None,
                )
                for a, who in rows
            ]

    async def edit_account(
        self,
        name: str,
        *,
        hourly_rate_cents: int | object | None = KEEP,
        ticket_price_cents: int | object | None = KEEP,
        coordinator: str | object | None = KEEP,
        amc_expires: date | object | None = KEEP,
    ) -> AccountRecord:
        """Change an account (admins).  A renewed contract (an expiry today or later)
        lifts the expired AMC state of the account's open tickets."""
        self._admin_only("Editing accounts")
        async with self.db.write() as session:
            account = (
                await session.execute(
                    select(Account).where(func.lower(Account.name) == name.strip().lower())
                )
            ).scalar_one_or_none()
            if account is None:
                raise NotFound(f"No account {name!r}; `agent-console account list` shows them.")
            if hourly_rate_cents is not KEEP:
                account.hourly_rate_cents = hourly_rate_cents  # type: ignore[assignment]
            if ticket_price_cents is not KEEP:
                account.ticket_price_cents = ticket_price_cents  # type: ignore[assignment]
            if coordinator is not KEEP:
                account.coordinator_id = (
                    await _agent_id(session, str(coordinator)) if coordinator else None
                )
            if amc_expires is not KEEP:
                account.amc_expires = amc_expires  # type: ignore[assignment]
                renewed = amc_expires is None or (
                    isinstance(amc_expires, date) and amc_expires >= self.clock().date()
                )
                if renewed:
                    await self._renewed(session, account)
            account_name = account.name
        return next(a for a in await self.accounts() if a.name == account_name)

    async def _renewed(self, session: AsyncSession, account: Account) -> None:
        """A renewed contract: the account's open tickets held at the AMC gate are let
        through, each change in its history."""
        gated = and_(
            Ticket.account_id == account.id,
            Ticket.status != Status.CLOSED.value,
            Ticket.amc_state == AmcState.EXPIRED.value,
        )
        rows = (await session.execute(select(Ticket.id, Ticket.number).where(gated))).all()
        if not rows:
            return
        now = self.clock()
        await session.execute(
            update(Ticket)
            .where(gated)
            .values(amc_state=AmcState.OK.value, version=Ticket.version + 1, updated_at=now)
        )
        renewal = f"renewed (contract of {account.name} until {account.amc_expires or 'open'})"
        await self._changed(
            session, rows, history.AMC, "amc_state", AmcState.EXPIRED.value, renewal
        )
        for _ticket_id, number in rows:
            await self.db.notify(session, str(number))

    async def _changed(
        self,
        session: AsyncSession,
        tickets: Sequence[Any],
        action: str,
        field: str,
        old: str,
        new: str,
    ) -> None:
        """The same change to many tickets (``(id, number)`` rows) in their history, by
        the actor, now."""
        now = self.clock()
        await append_events(
            session,
            [
                {
                    "ticket_id": ticket_id,
                    "ticket_number": number,
                    "actor_kind": history.AGENT,
                    "actor_id": self.actor.id,
                    "actor_name": self.actor.username,
                    "at": now,
                    "action": action,
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                }
                for ticket_id, number in tickets
            ],
        )

    async def set_availability(self, availability: str, username: str | None = None) -> str:
        """Set an agent's availability (one's own; a lead or admin sets another's)."""
        value = availability.strip().lower()
        if value not in AVAILABILITIES:
            raise BadValue(
                f"Unknown availability {availability!r}; use {', '.join(AVAILABILITIES)}."
            )
        who = username or self.actor.username
        if who != self.actor.username and self.actor.role is Role.AGENT:
            raise Refused(
                f"Setting another agent's availability is for leads and admins; you "
                f"({self.actor.username}) are an agent."
            )
        async with self.db.write() as session:
            changed = await session.execute(
                update(Agent).where(Agent.username == who).values(availability=value)
            )
            if not changed.rowcount:  # type: ignore[attr-defined]
                raise NotFound(f"No agent named {who!r}; `agent-console agent list` shows them.")
        return value

    async def deactivate_agent(self, username: str) -> None:
        """The agent keeps its history and its name on tickets, and can no longer act
        (every action reads the actor afresh and refuses an inactive one)."""
        self._admin_only("Deactivating agents")
        if username == self.actor.username:
            raise Refused("You cannot deactivate yourself; ask another admin.")
        async with self.db.write() as session:
            changed = await session.execute(
                update(Agent).where(Agent.username == username).values(active=False)
            )
            if not changed.rowcount:  # type: ignore[attr-defined]
                raise NotFound(
                    f"No agent named {username!r}; `agent-console agent list` shows them."
                )

    async def departments(self) -> list[DepartmentRecord]:
        """Every department with its agents and open tickets (two grouped queries)."""
        async with self.db.read() as session:
            depts = list(
                (await session.execute(select(Department).order_by(Department.name))).scalars()
            )
            open_counts = dict(
                (
                    await session.execute(
                        select(Ticket.department_id, func.count())
                        .where(Ticket.status != Status.CLOSED.value)
                        .group_by(Ticket.department_id)
                    )
                ).all()
            )
            members: dict[int, list[str]] = {}
            for dept_id, username in await session.execute(
                select(agent_departments.c.department_id, Agent.username)
                .join(Agent, Agent.id == agent_departments.c.agent_id)
                .order_by(Agent.username)
            ):
                members.setdefault(dept_id, []).append(username)
        return [
            DepartmentRecord(
                d.name, d.email, tuple(members.get(d.id, [])), int(open_counts.get(d.id, 0))
            )
            for d in depts
        ]

    async def remove_department(self, name: str, *, move_to: str) -> int:
        """Remove a department, moving its tickets to another; the last one stays.
        Returns how many tickets moved (each move is in the ticket's history)."""
        self._admin_only("Removing departments")
        async with self.db.write() as session:
            all_depts = list((await session.execute(select(Department))).scalars())
            by_name = {d.name.lower(): d for d in all_depts}
            gone = by_name.get(name.strip().lower())
            target = by_name.get(move_to.strip().lower())
            if gone is None or target is None:
                missing = name if gone is None else move_to
                raise NotFound(
                    f"No department {missing!r}; departments: "
                    f"{', '.join(sorted(d.name for d in all_depts))}."
                )
            if len(all_depts) == 1:
                raise Refused(f"{gone.name} is the last department; a desk needs one.")
            if gone.id == target.id:
                raise BadValue("Its tickets must go to another department.")
            rows = (
                await session.execute(
                    select(Ticket.id, Ticket.number).where(Ticket.department_id == gone.id)
                )
            ).all()
            now = self.clock()
            await session.execute(
                update(Ticket)
                .where(Ticket.department_id == gone.id)
                .values(department_id=target.id, version=Ticket.version + 1, updated_at=now)
            )
            await self._changed(
                session, rows, "edit", history.field_label("department_id"), gone.name, target.name
            )
            await session.execute(
                delete(agent_departments).where(agent_departments.c.department_id == gone.id)
            )
            await session.delete(gone)
        return len(rows)


async def _agent_id(session: AsyncSession, username: str) -> int:
    found = (
        await session.execute(select(Agent.id).where(Agent.username == username))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No agent named {username!r}; `agent-console agent list` shows them.")
    return int(found)
