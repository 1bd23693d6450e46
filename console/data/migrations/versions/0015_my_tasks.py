"""my tasks: an index of each agent's open activities by due time

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_activities_owner", "activities", ["owner_id", "done", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_activities_owner", table_name="activities")
