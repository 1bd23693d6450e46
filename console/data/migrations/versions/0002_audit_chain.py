"""audit chain: hashed, append-only history events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from console.data.audit import backfill

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "history events are append-only: they cannot be changed or deleted"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    """CREATE TRIGGER events_move_head AFTER INSERT ON events
    BEGIN UPDATE meta SET value = NEW.id || ' ' || NEW.hash WHERE key = 'audit_head'; END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation'; END
    $$""",
    """CREATE FUNCTION events_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE meta SET value = NEW.id || ' ' || NEW.hash WHERE key = 'audit_head';
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse()""",
    """CREATE TRIGGER events_move_head AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_move_head()""",
)


def upgrade() -> None:
    op.add_column("events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    backfill(op.get_bind())
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("events_no_update", "events_no_delete", "events_move_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in ("events_no_change", "events_no_truncate", "events_move_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON events")
        op.execute("DROP FUNCTION IF EXISTS events_refuse()")
        op.execute("DROP FUNCTION IF EXISTS events_move_head()")
    op.execute("DELETE FROM meta WHERE key = 'audit_head'")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
