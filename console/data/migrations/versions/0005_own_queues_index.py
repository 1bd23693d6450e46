"""indexes for one's own queues over every stage, newest first

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_owner_updated", "tickets", ["owner_id", "updated_at", "id"])
    op.create_index("ix_tickets_creator_updated", "tickets", ["creator_id", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_creator_updated", table_name="tickets")
    op.drop_index("ix_tickets_owner_updated", table_name="tickets")
