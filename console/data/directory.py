"""Who is acting, and the people and places tickets belong to: agents, teams,
departments and accounts."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from console.data.db import Database
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import Account, Agent, Department, Meta, Team, Ticket, agent_departments
from console.data.queries import list_agents
from console.data.records import AgentRecord
from console.data.tickets import Clock, utc_now
from console.data.workflow import Actor, Role, Status

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def os_login() -> str:
    """The operating-system login of the person at the terminal: the name of the process's
    real user id, never ``LOGNAME``/``USER`` (anyone can set those)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Refused(
            f"Your user id {uid} has no login name on this system; "
            "ask the system's administrator to give it one."
        ) from None


def actor_of(agent: Agent) -> Actor:
    """The workflow's view of an agent."""
    return Actor(agent.id, agent.username, Role(agent.role), agent.team_id)


async def get_meta(db: Database, key: str) -> str | None:
    """One fact stored about this database."""
    async with db.read() as conn:
        return (await conn.execute(select(Meta.value).where(Meta.key == key))).scalar_one_or_none()


async def set_meta(session: AsyncSession, key: str, value: str) -> None:
    """Store one fact about this database (inside the caller's transaction)."""
    existing = await session.get(Meta, key)
    if existing is None:
        session.add(Meta(key=key, value=value))
    else:
        existing.value = value


async def is_demo(db: Database) -> bool:
    """True for a database made by ``agent-console demo``."""
    return await get_meta(db, "demo") == "1"


async def holds_data(db: Database) -> bool:
    """True when the database holds any ticket or agent (the demo never overwrites those)."""
    async with db.read() as session:
        for model in (Ticket, Agent):
            if (await session.execute(select(model.id).limit(1))).first() is not None:
                return True
    return False


async def resolve_actor(
    db: Database,
    as_user: str | None = None,
    *,
    login: str | None = None,
    clock: Clock = utc_now,
) -> Actor:
    """The agent acting: the OS login, or ``as_user`` where that is allowed.

    The first user of a new database becomes its admin.  ``--as`` is honoured only on a
    demo database or for an admin; a demo database opened by someone who is not one of
    its agents acts as its default demo lead.
    """
    login = login or os_login()
    async with db.read() as session:
        anyone = (await session.execute(select(Agent.id).limit(1))).first() is not None
        demo = (await session.get(Meta, "demo")) is not None
    if not anyone and not demo:
        # Only a brand-new database is written to here; every other start only reads.
        async with db.write() as session:
            if (await session.execute(select(Agent.id).limit(1))).first() is None:
                session.add(
                    Agent(
                        username=login,
                        display_name=login,
                        role=Role.ADMIN.value,
                        active=True,
                        created_at=clock(),
                    )
                )
    async with db.read() as session:
        me = (
            await session.execute(select(Agent).where(Agent.username == login))
        ).scalar_one_or_none()
        demo_default = await session.get(Meta, "demo_default_agent")
        if as_user is None or as_user == login:
            if me is None and demo and demo_default is not None:
                as_user = demo_default.value
            elif me is None:
                raise Refused(
                    f"You ({login}) are not an agent in this database; ask an admin to run "
                    f"`agent-console agent add {login} --role agent`."
                )
            else:
                return _active(me)
        if not demo and (me is None or me.role != Role.ADMIN.value):
            raise Refused(
                f"--as {as_user} is only for admins and demo databases; "
                f"you ({login}) are {'not an agent here' if me is None else 'an ' + me.role}."
            )
        other = (
            await session.execute(select(Agent).where(Agent.username == as_user))
        ).scalar_one_or_none()
        if other is None:
            raise NotFound(f"No agent named {as_user!r}; `agent-console agent list` shows them.")
        return _active(other)


def _active(agent: Agent) -> Actor:
    if not agent.active:
        raise Refused(f"{agent.username} is no longer an active agent.")
    return actor_of(agent)


def check_username(username: str) -> str:
    """A username as stored: lower case letters, digits, dot, dash and underscore."""
    name = username.strip()
    if not name or not set(name.lower()) <= USERNAME_CHARS:
        raise BadValue(f"{username!r} is not a username; use letters, digits, '.', '-' or '_'.")
    return name


@dataclass(frozen=True)
class DepartmentRecord:
    """A department as ``department list`` shows it: its address, agents and open tickets,
    and its mail settings (templates None: the default; auto-close days None: the desk's)."""

    name: str
    email: str | None
    agents: tuple[str, ...]
    open_tickets: int
    ack_enabled: bool
    ack_template: str | None
    closing_template: str | None
    auto_close_days: int | None
    #: how new unassigned tickets are handed out: ``off``, ``round-robin``, ``least-loaded``
    auto_assign: str = "off"


@dataclass
class Directory:
    """Managing agents, teams, departments and accounts (admins only)."""

    db: Database
    actor: Actor
    clock: Clock = utc_now

    def _admin_only(self, what: str) -> None:
        if self.actor.role is not Role.ADMIN:
            raise Refused(
                f"{what} is for admins; you ({self.actor.username}) are an {self.actor.role.value}."
            )

    async def add_agent(
        self,
        username: str,
        *,
        role: str = "agent",
        team: str | None = None,
        departments: list[str] | None = None,
        display_name: str | None = None,
        email: str | None = None,
    ) -> AgentRecord:
        """Add an agent; its team and departments are created when new.  A lead added to
        a team without a lead becomes that team's lead."""
        self._admin_only("Adding agents")
        username = check_username(username)
        try:
            role_value = Role(role.strip().lower())
        except ValueError:
            raise BadValue(f"Unknown role {role!r}; use agent, lead or admin.") from None
        async with self.db.write() as session:
            taken = (
                await session.execute(select(Agent.id).where(Agent.username == username))
            ).first()
            if taken:
                raise BadValue(f"There is already an agent named {username}.")
            team_row = await _team(session, team) if team else None
            agent = Agent(
                username=username,
                display_name=display_name or username,
                email=email,
                role=role_value.value,
                team_id=team_row.id if team_row else None,
                active=True,
                created_at=self.clock(),
            )
            session.add(agent)
            await session.flush()
            if team_row is not None and role_value is Role.LEAD and team_row.lead_id is None:
                team_row.lead_id = agent.id
            dept_ids = [(await _department(session, name)).id for name in departments or []]
            if dept_ids:
                await session.execute(
                    insert(agent_departments),
                    [{"agent_id": agent.id, "department_id": d} for d in sorted(set(dept_ids))],
                )
        return next(a for a in await self.agents() if a.username == username)

    async def agents(self) -> list[AgentRecord]:
        """Every agent with team, departments and open load."""
        async with self.db.read() as conn:
            return await list_agents(conn)

    async def add_department(self, name: str, *, email: str | None = None) -> None:
        """Add a department (queue)."""
        self._admin_only("Adding departments")
        async with self.db.write() as session:
            if await _find(session, Department, name):
                raise BadValue(f"There is already a department named {name}.")
            session.add(Department(name=name.strip(), email=email))

    async def edit_department(
        self,
        name: str,
        *,
        email: str | None = None,
        ack_template: str | None = None,
        closing_template: str | None = None,
        ack_enabled: bool | None = None,
        auto_close_days: int | None = None,
        auto_assign: str | None = None,
    ) -> None:
        """Change a department's address, templates, acknowledgement, auto-close days
        (``-1``: never) and auto-assignment (``off``, ``round-robin``, ``least-loaded``);
        what is not given stays."""
        from console.data.outbox import check_template
        from console.data.tickets.auto_assign import MODES
        from console.mail.compose import valid_addr

        self._admin_only("Editing departments")
        if email is not None and email and not valid_addr(email.strip()):
            raise BadValue(f"{email!r} is not an address like support@example.com.")
        if auto_close_days is not None and (auto_close_days == 0 or auto_close_days < -1):
            raise BadValue("Auto-close days is a number of days above 0, or -1 for never.")
        async with self.db.write() as session:
            dept = (
                await session.execute(
                    select(Department).where(func.lower(Department.name) == name.strip().lower())
                )
            ).scalar_one_or_none()
            if dept is None:
                raise NotFound(f"No department {name!r} (`agent-console department list`).")
            if email is not None:
                dept.email = email.strip() or None
            if ack_template is not None:
                dept.ack_template = check_template(ack_template)
            if closing_template is not None:
                dept.closing_template = check_template(closing_template)
            if ack_enabled is not None:
                dept.ack_enabled = ack_enabled
            if auto_close_days is not None:
                dept.auto_close_days = auto_close_days
            if auto_assign is not None:
                mode = auto_assign.strip().lower()
                if mode not in (*MODES, "off"):
                    raise BadValue(
                        f"Unknown auto-assignment {auto_assign!r}; use {', '.join(MODES)} or off."
                    )
                dept.auto_assign = None if mode == "off" else mode

    async def departments(self) -> list[DepartmentRecord]:
        """Every department with its address, agents, open tickets and mail settings
        (three queries, the counts grouped in the database)."""
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
                d.ack_enabled,
                d.ack_template,
                d.closing_template,
                d.auto_close_days,
                d.auto_assign or "off",
            )
            for d in depts
        ]

    async def add_account(
        self,
        name: str,
        *,
        coordinator: str | None = None,
        amc_expires: date | None = None,
    ) -> None:
        """Add a customer account with its coordinator and support-contract expiry."""
        self._admin_only("Adding accounts")
        async with self.db.write() as session:
            if await _find(session, Account, name):
                raise BadValue(f"There is already an account named {name}.")
            coordinator_id = None
            if coordinator:
                found = (
                    await session.execute(select(Agent.id).where(Agent.username == coordinator))
                ).scalar_one_or_none()
                if found is None:
                    raise NotFound(f"No agent named {coordinator!r}.")
                coordinator_id = found
            session.add(
                Account(name=name.strip(), coordinator_id=coordinator_id, amc_expires=amc_expires)
            )


async def _find(session: AsyncSession, model: type[Department] | type[Account], name: str) -> bool:
    return (
        await session.execute(
            select(model.id).where(func.lower(model.name) == name.strip().lower())
        )
    ).first() is not None


async def _team(session: AsyncSession, name: str) -> Team:
    team = (
        await session.execute(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    ).scalar_one_or_none()
    if team is None:
        team = Team(name=name.strip())
        session.add(team)
        await session.flush()
    return team


async def _department(session: AsyncSession, name: str) -> Department:
    dept = (
        await session.execute(
            select(Department).where(func.lower(Department.name) == name.strip().lower())
        )
    ).scalar_one_or_none()
    if dept is None:
        dept = Department(name=name.strip())
        session.add(dept)
        await session.flush()
    return dept
