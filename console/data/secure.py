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

from sqlalchemy import select, text

from console.data.db import Database
from console.data.errors import BadValue
from console.data.models import Agent

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


async def secure(db: Database) -> list[str]:
    """Turn on row-level security and give every active agent its role; returns the
    roles created (those that existed are granted again, not changed otherwise)."""
    if db.is_sqlite:
        raise BadValue(
            "Row-level security is PostgreSQL's; on SQLite whoever may write the file may "
            "change it (see the README's security section)."
        )
    created = []
    async with db.write() as session:
        for statement in _statements():
            await session.execute(text(statement))
        names = (
            await session.execute(select(Agent.username).where(Agent.active).order_by(Agent.id))
        ).scalars()
        for name in list(names):
            role = '"' + name.replace('"', '""') + '"'
            exists = (
                await session.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
                )
            ).first()
            if exists is None:
                await session.execute(text(f"CREATE ROLE {role} LOGIN"))
                created.append(name)
            await session.execute(
                text(
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
                )
            )
            await session.execute(
                text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
            )
    return created
