"""the team lead's seat: SLA breaches as they happen, availability, billing rates, the
indexes the figures read

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
        sa.UniqueConstraint("ticket_id", "due_at", name="uq_sla_breaches_ticket_due"),
    )
    op.create_index("ix_sla_breaches_due", "sla_breaches", ["due_at", "ticket_id"])
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(
            sa.Column(
                "availability", sa.String(16), nullable=False, server_default="available"
            )
        )
    with op.batch_alter_table("departments") as batch_op:
        batch_op.add_column(sa.Column("auto_assign", sa.String(16), nullable=True))
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("hourly_rate_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ticket_price_cents", sa.Integer(), nullable=True))
    # Each covers the figures that read it: the time, then every column a scope tests
    # (and the other time a duration needs), so a figure never reads the table itself.
    scope = ["department_id", "owner_id", "creator_id", "account_id"]
    op.create_index(
        "ix_tickets_created", "tickets", ["created_at", *scope, "first_response_at"]
    )
    op.create_index("ix_tickets_closed", "tickets", ["closed_at", *scope, "created_at"])
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at", *scope])
    op.create_index("ix_events_action_at", "events", ["action", "at"])
    op.create_index("ix_time_entries_started", "time_entries", ["started_at", "agent_id"])
    op.create_index("ix_approvals_state", "approvals", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_approvals_state", table_name="approvals")
    op.drop_index("ix_time_entries_started", table_name="time_entries")
    op.drop_index("ix_events_action_at", table_name="events")
    op.drop_index("ix_tickets_status_created", table_name="tickets")
    op.drop_index("ix_tickets_closed", table_name="tickets")
    op.drop_index("ix_tickets_created", table_name="tickets")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("ticket_price_cents")
        batch_op.drop_column("hourly_rate_cents")
    with op.batch_alter_table("departments") as batch_op:
        batch_op.drop_column("auto_assign")
    with op.batch_alter_table("agents") as batch_op:
        batch_op.drop_column("availability")
    op.drop_index("ix_sla_breaches_due", table_name="sla_breaches")
    op.drop_table("sla_breaches")
