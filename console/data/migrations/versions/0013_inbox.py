"""working together: the per-agent inbox, private messages between agents, reminders
that fire once, the inbox kinds an agent has mailed

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("inbox_mail", sa.String(length=200), nullable=True))
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("reminder_fired_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_activities_reminder", ["reminder_at"], unique=False)
    op.create_table(
        "agent_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sender_deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["agents.id"], name=op.f("fk_agent_messages_sender_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_agent_messages_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_messages")),
    )
    op.create_index("ix_agent_messages_sender", "agent_messages", ["sender_id", "id"])
    op.create_table(
        "agent_message_recipients",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["agent_messages.id"],
            name=op.f("fk_agent_message_recipients_message_id_agent_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_message_recipients_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint(
            "message_id", "agent_id", name=op.f("pk_agent_message_recipients")
        ),
    )
    op.create_index(
        "ix_agent_message_recipients_agent",
        "agent_message_recipients",
        ["agent_id", "message_id"],
    )
    op.create_table(
        "inbox_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.Column("message_row_id", sa.Integer(), nullable=True),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("agent_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_inbox_entries_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_inbox_entries_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_row_id"],
            ["messages.id"],
            name=op.f("fk_inbox_entries_message_row_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approvals.id"],
            name=op.f("fk_inbox_entries_approval_id_approvals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_inbox_entries_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agent_message_id"],
            ["agent_messages.id"],
            name=op.f("fk_inbox_entries_agent_message_id_agent_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_entries")),
    )
    op.create_index("ix_inbox_entries_agent", "inbox_entries", ["agent_id", "read", "id"])


def downgrade() -> None:
    op.drop_table("inbox_entries")
    op.drop_table("agent_message_recipients")
    op.drop_table("agent_messages")
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_reminder")
        batch.drop_column("reminder_fired_at")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("inbox_mail")
