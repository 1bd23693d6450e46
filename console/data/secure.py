"""PostgreSQL row-level security: the database itself gives each agent's role the scope
``console.data.scope`` gives that agent.

``secure`` (``agent-console db secure``, run as the tables' owner) creates a login role
for every active agent (named as the agent; the admin gives it a password or another way
in), grants it the rows it works on, and puts a policy on the tickets and on every table
that hangs off them.  ``psql`` as alice then sees and changes only what the console would
let alice see and change.  The owner (the role that migrates) is not bound by the
policies.  A change may take a ticket out of its agent's scope (release, assign), as in
the console: the policies filter which rows an agent reaches, not where it puts them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

from sqlalchemy import select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from console.data.db import (
    Database,
    make_engine,
    normalise_url,
    password_account,
    translate_error,
)
from console.data.errors import BadValue, NotFound, Refused, Unavailable
from console.data.models import Agent

#: What ``security = "database"`` on a SQLite file is told.
SQLITE_HAS_NO_ROLES = (
    'security = "database" needs PostgreSQL: a SQLite file has no roles, and whoever may '
    "write the file may change it. Remove `security` from the config file, or use a "
    "PostgreSQL database (see the README's security section)."
)

#: Whether the agent of the current role may see a ticket with these columns: the rule
#: of ``Scope.allows`` over ``load_scope``, in SQL (an admin sees all; an agent its
#: departments and what it owns, created or coordinates; a lead as much for its team).
MAY_SEE = """
CREATE OR REPLACE FUNCTION console_may_see(
    dept integer, owner integer, creator integer, account integer
) RETURNS boolean LANGUAGE sql STABLE AS $$
    WITH me AS (
        SELECT id, role, team_id FROM agents WHERE username = current_user AND active
    ),
    team AS (
        SELECT a.id FROM agents a, me
        WHERE a.team_id IN (SELECT t.id FROM teams t WHERE t.lead_id = me.id)
           OR a.team_id = me.team_id
    ),
    seen AS (
        SELECT id FROM me
        UNION SELECT id FROM team WHERE (SELECT role FROM me) = 'lead'
    )
    SELECT EXISTS (SELECT 1 FROM me WHERE role = 'admin')
        OR dept IN (
            SELECT department_id FROM agent_departments WHERE agent_id IN (SELECT id FROM seen)
        )
        OR owner IN (SELECT id FROM seen)
        OR creator IN (SELECT id FROM seen)
        OR account IN (SELECT id FROM accounts WHERE coordinator_id IN (SELECT id FROM seen))
$$
"""

#: The tables whose rows belong to one ticket, by the column naming it.
CHILDREN: dict[str, str] = {
    "messages": "ticket_id",
    "attachments": "ticket_id",
    "time_entries": "ticket_id",
    "activities": "ticket_id",
    "resolutions": "ticket_id",
    "approvals": "ticket_id",
    "events": "ticket_id",
}

POLICY = "console_scope"


def _statements() -> list[str]:
    sees_ticket = "console_may_see(department_id, owner_id, creator_id, account_id)"
    statements = [
        MAY_SEE,
        "ALTER TABLE tickets ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON tickets",
        f"CREATE POLICY {POLICY} ON tickets USING ({sees_ticket}) WITH CHECK (true)",
    ]
    for table, column in CHILDREN.items():
        # The tickets a role may read are already narrowed by the policy on tickets.
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} "
            f"USING (EXISTS (SELECT 1 FROM tickets t WHERE t.id = {table}.{column})) "
            "WITH CHECK (true)",
        ]
    statements += [
        "ALTER TABLE approval_approvers ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON approval_approvers",
        f"CREATE POLICY {POLICY} ON approval_approvers USING (EXISTS ("
        "SELECT 1 FROM approvals a WHERE a.id = approval_approvers.approval_id)) "
        "WITH CHECK (true)",
    ]
    statements += [
        *INBOX_FUNCTIONS,
        "ALTER TABLE inbox_entries ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON inbox_entries",
        f"CREATE POLICY {POLICY} ON inbox_entries "
        "USING (agent_id = console_agent_id(current_user::text)) WITH CHECK (true)",
        "ALTER TABLE agent_messages ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON agent_messages",
        f"CREATE POLICY {POLICY} ON agent_messages "
        "USING (sender_id = console_agent_id(current_user::text) "
        "OR console_received(id, current_user::text)) WITH CHECK (true)",
        "ALTER TABLE agent_message_recipients ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON agent_message_recipients",
        f"CREATE POLICY {POLICY} ON agent_message_recipients "
        "USING (agent_id = console_agent_id(current_user::text) "
        "OR console_sent(message_id, current_user::text)) WITH CHECK (true)",
    ]
    return statements


#: Private messages are the sender's and the recipients' only; the two tables' policies
#: ask each other through these (as the owner: no policy recursion).
INBOX_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION console_agent_id(who text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM agents WHERE username = who AND active
$$""",
    """
CREATE OR REPLACE FUNCTION console_received(msg integer, who text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (
        SELECT 1 FROM agent_message_recipients r JOIN agents a ON a.id = r.agent_id
        WHERE r.message_id = msg AND a.username = who
    )
$$""",
    """
CREATE OR REPLACE FUNCTION console_sent(msg integer, who text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (
        SELECT 1 FROM agent_messages m JOIN agents a ON a.id = m.sender_id
        WHERE m.id = msg AND a.username = who
    )
$$""",
)


def quoted(name: str) -> str:
    """A role name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


async def _role_exists(session: AsyncSession, name: str) -> bool:
    found = await session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


async def _give_role(session: AsyncSession, name: str) -> bool:
    """Create the agent's login role unless it exists, and grant it the desk's tables;
    True when it was created."""
    role = quoted(name)
    created = not await _role_exists(session, name)
    if created:
        await session.execute(text(f"CREATE ROLE {role} LOGIN"))
    await session.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    )
    await session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    return created


def _postgresql_only(db: Database) -> None:
    if db.is_sqlite:
        raise BadValue(
            "Row-level security is PostgreSQL's; on SQLite whoever may write the file may "
            "change it (see the README's security section)."
        )


async def secure(db: Database) -> list[str]:
    """Turn on row-level security and give every active agent its role; returns the
    roles created (those that existed are granted again, not changed otherwise)."""
    _postgresql_only(db)
    created = []
    async with db.write() as session:
        for statement in _statements():
            await session.execute(text(statement))
        names = (
            await session.execute(select(Agent.username).where(Agent.active).order_by(Agent.id))
        ).scalars()
        for name in list(names):
            if await _give_role(session, name):
                created.append(name)
    return created


async def is_secured(db: Database) -> bool:
    """Whether ``secure`` has turned row-level security on (never on SQLite)."""
    if db.is_sqlite:
        return False
    async with db.read() as session:
        found = await session.execute(
            text("SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('public.tickets')")
        )
        return bool(found.scalar())


async def give_login(db: Database, name: str) -> bool:
    """The login role of an agent added to a secured database (created, or allowed to
    log in again, and granted); True when it was created.  Run as the tables' owner."""
    try:
        async with db.write() as session:
            exists = await _role_exists(session, name)
            created = await _give_role(session, name)
            if exists:
                await session.execute(text(f"ALTER ROLE {quoted(name)} LOGIN"))
    except DBAPIError as exc:
        raise _not_permitted(exc, f"create the role {name}") from exc
    return created


async def end_login(db: Database, name: str) -> bool:
    """A deactivated agent's role may no longer log in (its rows stay); False when the
    agent has no role.  Run as the tables' owner."""
    try:
        async with db.write() as session:
            if not await _role_exists(session, name):
                return False
            await session.execute(text(f"ALTER ROLE {quoted(name)} NOLOGIN"))
    except DBAPIError as exc:
        raise _not_permitted(exc, f"turn off the login of {name}") from exc
    return True


def _not_permitted(exc: DBAPIError, what: str) -> Exception:
    if "permission denied" in str(exc.orig or exc).lower() or "must have" in str(exc).lower():
        return Refused(
            f"The database's role may not {what} (it needs CREATEROLE): run "
            "`agent-console db secure` connected as the tables' owner."
        )
    return translate_error(exc)


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL keeps for a password: sent instead of the
    password, so that the password itself never reaches the server (nor its logs)."""
    b64 = base64.b64encode
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac(
        "sha256", unicodedata.normalize("NFKC", password).encode(), salt, iterations
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


async def set_role_password(db: Database, name: str, password: str) -> None:
    """Give an agent's role a password.  Run as the tables' owner."""
    _postgresql_only(db)
    literal = "'" + scram_verifier(password).replace("'", "''") + "'"
    try:
        async with db.write() as session:
            if not await _role_exists(session, name):
                raise NotFound(
                    f"There is no PostgreSQL role {name} in {db.label}: `agent-console db "
                    "secure` (or `agent add`) creates one for each agent."
                )
            # Not text(): the verifier's colons would be read as bind parameters.
            connection = await session.connection()
            await connection.exec_driver_sql(f"ALTER ROLE {quoted(name)} PASSWORD {literal}")
    except DBAPIError as exc:
        raise _not_permitted(exc, f"set the password of {name}") from exc


def role_url(target: str | URL, role: str) -> URL:
    """The database URL of an agent's own login: the same server and database, the
    agent's role as the user, and no password (it comes from the keyring)."""
    url = normalise_url(target)
    if url.get_backend_name() == "sqlite":
        raise Refused(SQLITE_HAS_NO_ROLES)
    # Not url.set(password=None): that keeps the password the URL has (the owner's).
    return URL.create(
        url.drivername,
        username=role,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )


def role_account(target: str | URL, role: str) -> str:
    """The keyring account of an agent's own login's password."""
    account = password_account(role_url(target, role))
    assert account is not None  # a PostgreSQL URL without a password
    return account


async def log_in(target: str | URL, role: str, password: str | None, revision: str) -> Database:
    """The database, logged in as an agent's own role (``check_login``)."""
    db = make_engine(role_url(target, role), password=password)
    try:
        await check_login(db, role, revision)
    except BaseException:
        await db.dispose()
        raise
    return db


class PasswordNeeded(Exception):
    """The server asked for a password nobody gave."""


def login_error(exc: BaseException, role: str, label: str) -> Exception:
    """What to say when an agent's own role cannot log in."""
    message = str(getattr(exc, "orig", None) or exc).lower()
    if "does not exist" in message and "role" in message:
        return Unavailable(
            f'There is no PostgreSQL role {role} in {label}, and security = "database" '
            f"logs you in as it: an admin runs `agent-console agent add {role}` or "
            "`agent-console db secure` to create it."
        )
    if "not permitted to log in" in message:
        return Unavailable(
            f"The PostgreSQL role {role} may not log in to {label} (its agent was "
            "deactivated, or an admin turned its login off)."
        )
    if "password" in message and ("authentication" in message or "no password" in message):
        return PasswordNeeded(role)
    return translate_error(exc if isinstance(exc, Exception) else Exception(str(exc)))


async def check_login(db: Database, role: str, revision: str) -> None:
    """Log in as the agent's role and make sure every statement it runs will be bound
    by row-level security: the desk's schema is there at ``revision``, the tables are
    secured, and the role neither owns them nor bypasses the policies."""
    try:
        async with db.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT c.relrowsecurity, pg_get_userbyid(c.relowner) = current_user, "
                        "r.rolsuper OR r.rolbypassrls "
                        "FROM pg_roles r LEFT JOIN pg_class c "
                        "ON c.oid = to_regclass('public.tickets') "
                        "WHERE r.rolname = current_user"
                    )
                )
            ).one()
            secured, owns, bypasses = row
            if secured is None:
                raise Unavailable(
                    f"{db.label} has no help desk yet: an admin creates it with "
                    "`agent-console db upgrade`, then `agent-console db secure`."
                )
            if owns or bypasses:
                raise Refused(
                    f"You log in to {db.label} as {role}, which "
                    f"{'owns the tables' if owns else 'may bypass row-level security'}, so the "
                    'policies do not bind it: with security = "database" each agent logs in as '
                    "its own role, and the owner is kept for `db upgrade` and `db secure`."
                )
            if not secured:
                raise Unavailable(
                    f'security = "database", but {db.label} does not enforce scopes yet: '
                    "run `agent-console db secure` first (as the tables' owner)."
                )
            try:
                current = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
            except DBAPIError as exc:
                raise Unavailable(
                    f"The role {role} may not read the desk's tables in {db.label}: an admin "
                    "runs `agent-console db secure` to grant them."
                ) from exc
    except (OperationalError, DBAPIError, OSError) as exc:
        raise login_error(exc, role, db.label) from exc
    if current != revision:
        raise Unavailable(
            f"{db.label} is at schema revision {current}, and this agent-console needs "
            f"{revision}: an admin brings it up to date with `agent-console db upgrade` "
            "(an agent's own role may not change the schema)."
        )
