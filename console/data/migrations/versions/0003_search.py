"""full-text search: FTS5 on SQLite, GIN text-search indexes on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:10:00
"""

from collections.abc import Sequence

from alembic import op

# The indexed expressions as they were at revision 0003 (console.data.search queries the
# same ones; a change there needs a migration of its own, not a change here).
PG_TICKET_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(tickets.subject, '') || ' ' || "
    "coalesce(tickets.description, ''))"
)
PG_MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, coalesce(messages.body, ''))"

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = "tokenize = 'unicode61 remove_diacritics 2'"

SQLITE = (
    "CREATE VIRTUAL TABLE ticket_search USING fts5(subject, description, "
    f"content = 'tickets', content_rowid = 'id', {TOKENS})",
    "CREATE VIRTUAL TABLE message_search USING fts5(body, "
    f"content = 'messages', content_rowid = 'id', {TOKENS})",
    """CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_search (rowid, subject, description)
        VALUES (NEW.id, NEW.subject, NEW.description);
    END""",
    """CREATE TRIGGER tickets_search_update AFTER UPDATE OF subject, description ON tickets
    BEGIN
        INSERT INTO ticket_search (ticket_search, rowid, subject, description)
        VALUES ('delete', OLD.id, OLD.subject, OLD.description);
        INSERT INTO ticket_search (rowid, subject, description)
        VALUES (NEW.id, NEW.subject, NEW.description);
    END""",
    """CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO ticket_search (ticket_search, rowid, subject, description)
        VALUES ('delete', OLD.id, OLD.subject, OLD.description);
    END""",
    """CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_search (rowid, body) VALUES (NEW.id, NEW.body);
    END""",
    """CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO message_search (message_search, rowid, body)
        VALUES ('delete', OLD.id, OLD.body);
        INSERT INTO message_search (rowid, body) VALUES (NEW.id, NEW.body);
    END""",
    """CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
        INSERT INTO message_search (message_search, rowid, body)
        VALUES ('delete', OLD.id, OLD.body);
    END""",
    "INSERT INTO ticket_search (ticket_search) VALUES ('rebuild')",
    "INSERT INTO message_search (message_search) VALUES ('rebuild')",
)

POSTGRES = (
    f"CREATE INDEX ix_tickets_search ON tickets USING gin (({PG_TICKET_VECTOR}))",
    f"CREATE INDEX ix_messages_search ON messages USING gin (({PG_MESSAGE_VECTOR}))",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE if sqlite else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "tickets_search_insert",
            "tickets_search_update",
            "tickets_search_delete",
            "messages_search_insert",
            "messages_search_update",
            "messages_search_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS ticket_search")
        op.execute("DROP TABLE IF EXISTS message_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_tickets_search")
        op.execute("DROP INDEX IF EXISTS ix_messages_search")
