"""mail in: each message's Message-ID (indexed), its headers, how it was threaded, the raw
mail kept, the quarantine, IMAP import bookkeeping and the worker's lock

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: The conversation's search triggers (migration 0003), frozen: SQLite's batch mode rebuilds
#: the messages table, and a rebuilt table has lost its triggers.
MESSAGE_TRIGGERS = (
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
)


def _restore_message_triggers() -> None:
    """Give the rebuilt messages table back its search triggers (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS messages_search_{name}")
    for statement in MESSAGE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=998), nullable=True))
        batch.add_column(sa.Column("from_addr", sa.Text(), nullable=True))
        batch.add_column(sa.Column("to_addrs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("cc_addrs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("threaded_by", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("threaded_to_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
        batch.create_foreign_key(
            op.f("fk_messages_threaded_to_id_messages"),
            "messages",
            ["threaded_to_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _restore_message_triggers()
    op.create_index("ix_messages_message_id", "messages", ["message_id"])
    op.create_table(
        "mail_sources",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_mail_sources_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_mail_sources")),
    )
    op.create_index("ix_mail_sources_sha256", "mail_sources", ["sha256"])
    op.create_table(
        "mail_quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_quarantine")),
    )
    op.create_index("ix_mail_quarantine_sha256", "mail_quarantine", ["sha256"])
    op.create_table(
        "mail_imports",
        sa.Column("mailbox", sa.String(length=500), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mail_imports")),
    )
    op.create_table(
        "worker_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_locks")),
    )


def downgrade() -> None:
    op.drop_table("worker_locks")
    op.drop_table("mail_imports")
    op.drop_index("ix_mail_quarantine_sha256", table_name="mail_quarantine")
    op.drop_table("mail_quarantine")
    op.drop_index("ix_mail_sources_sha256", table_name="mail_sources")
    op.drop_table("mail_sources")
    op.drop_index("ix_messages_message_id", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("fk_messages_threaded_to_id_messages"), type_="foreignkey")
        batch.drop_column("delivery")
        batch.drop_column("automatic")
        batch.drop_column("threaded_to_id")
        batch.drop_column("threaded_by")
        batch.drop_column("cc_addrs")
        batch.drop_column("to_addrs")
        batch.drop_column("from_addr")
        batch.drop_column("message_id")
    _restore_message_triggers()
