"""The desk's own records kept up: accounts' billing rates and contracts, and agents'
availability.  (Adding agents, departments and accounts is ``console.data.directory``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.audit import append_events
from console.data.directory import Directory, _department, _team
from console.data.errors import BadValue, NotFound, Refused
from console.data.figures import AVAILABILITIES, money
from console.data.models import (
    Account,
    Agent,
    Contact,
    Department,
    Ticket,
    agent_departments,
)
from console.data.records import looks_like_email
from console.data.tickets.creating import find_account
from console.data.workflow import AmcState, Role, Status

#: "unchanged", for an edit's optional fields (None can mean "clear it").
KEEP = object()


@dataclass(frozen=True)
class DepartmentRecord:
    """A department with its address, its agents, its open tickets and how it hands
    out new ones."""

    name: str
    email: str | None
    agents: tuple[str, ...]
    open_tickets: int
    auto_assign: str = "off"


@dataclass(frozen=True)
class ContactListed:
    """A customer contact as listed, with how many tickets it raised."""

    name: str
    email: str | None
    phone: str | None
    account: str | None
    tickets: int


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
                raise _no_agent(who)
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
                raise _no_agent(username)

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
                d.name,
                d.email,
                tuple(members.get(d.id, [])),
                int(open_counts.get(d.id, 0)),
                d.auto_assign or "off",
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

    async def edit_agent(
        self,
        username: str,
        *,
        role: str | None = None,
        team: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        departments: list[str] | None = None,
    ) -> None:
        """Change an agent (admins): role, team, name, email, the departments it works
        (given: replaces them)."""
        self._admin_only("Editing agents")
        async with self.db.write() as session:
            agent = (
                await session.execute(select(Agent).where(Agent.username == username))
            ).scalar_one_or_none()
            if agent is None:
                raise _no_agent(username)
            if role is not None:
                try:
                    agent.role = Role(role.strip().lower()).value
                except ValueError:
                    raise BadValue(f"Unknown role {role!r}; use agent, lead or admin.") from None
            if team is not None:
                agent.team_id = (await _team(session, team)).id if team.strip() else None
            if display_name is not None:
                agent.display_name = display_name.strip() or agent.username
            if email is not None:
                agent.email = email.strip() or None
            if departments is not None:
                ids = sorted({(await _department(session, d)).id for d in departments})
                await session.execute(
                    delete(agent_departments).where(agent_departments.c.agent_id == agent.id)
                )
                if ids:
                    await session.execute(
                        insert(agent_departments),
                        [{"agent_id": agent.id, "department_id": d} for d in ids],
                    )

    async def contacts(self, account: str | None = None) -> list[ContactListed]:
        """Every contact (of one account), with its account and how many tickets it raised."""
        async with self.db.read() as session:
            raised = (
                select(func.count())
                .where(Ticket.contact_id == Contact.id)
                .correlate(Contact)
                .scalar_subquery()
            )
            stmt = (
                select(Contact.name, Contact.email, Contact.phone, Account.name, raised)
                .outerjoin(Account, Account.id == Contact.account_id)
                .order_by(func.lower(Contact.name), Contact.id)
            )
            if account:
                stmt = stmt.where(func.lower(Account.name) == account.strip().lower())
            return [ContactListed(*row) for row in await session.execute(stmt)]

    async def edit_contact(
        self,
        who: str,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        account: str | None = None,
    ) -> ContactListed:
        """Change a contact found by email (or by its exact name, when only one has it)."""
        self._admin_only("Editing contacts")
        async with self.db.write() as session:
            found = list(
                (
                    await session.execute(
                        select(Contact).where(
                            or_(
                                func.lower(Contact.email) == who.strip().lower(),
                                func.lower(Contact.name) == who.strip().lower(),
                            )
                        )
                    )
                ).scalars()
            )
            if not found:
                raise NotFound(f"No contact {who!r}; `agent-console contact list` shows them.")
            if len(found) > 1:
                raise BadValue(f"{len(found)} contacts are called {who!r}; name one by email.")
            contact = found[0]
            if name is not None:
                if not name.strip():
                    raise BadValue("A contact needs a name.")
                contact.name = name.strip()
            if email is not None:
                if email.strip() and not looks_like_email(email.strip()):
                    raise BadValue(f"{email!r} is not an email address (name@example.com).")
                contact.email = email.strip() or None
            if phone is not None:
                contact.phone = phone.strip() or None
            if account is not None:
                contact.account_id = (
                    (await find_account(session, account)).id if account.strip() else None
                )
            key = contact.email or contact.name
        return next(c for c in await self.contacts() if (c.email or c.name) == key)

    async def edit_department(
        self,
        name: str,
        *,
        email: str | None = None,
        auto_assign: str | None = None,
    ) -> None:
        """Change a department's address or auto-assignment (``off``, ``round-robin``,
        ``least-loaded``; admins)."""
        from console.data.tickets.auto_assign import MODES

        self._admin_only("Editing departments")
        async with self.db.write() as session:
            dept = (
                await session.execute(
                    select(Department).where(func.lower(Department.name) == name.strip().lower())
                )
            ).scalar_one_or_none()
            if dept is None:
                raise NotFound(f"No department {name!r}; `agent-console department list`.")
            if email is not None:
                dept.email = email.strip() or None
            if auto_assign is not None:
                mode = auto_assign.strip().lower()
                if mode not in (*MODES, "off"):
                    raise BadValue(
                        f"Unknown auto-assignment {auto_assign!r}; use {', '.join(MODES)} or off."
                    )
                dept.auto_assign = None if mode == "off" else mode


async def _agent_id(session: AsyncSession, username: str) -> int:
    found = (
        await session.execute(select(Agent.id).where(Agent.username == username))
    ).scalar_one_or_none()
    if found is None:
        raise _no_agent(username)
    return int(found)


def _no_agent(username: str) -> NotFound:
    return NotFound(f"No agent named {username!r}; `agent-console agent list` shows them.")
