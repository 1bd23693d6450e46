"""audit chain: hashed, append-only history events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:00:00
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

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


# -- the chain as it was when this migration was written --------------------------------
# A migration must not change when the code does: the hash, its fields and the head are
# frozen here, copied from console.data.audit at revision 0002, not imported from it.

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
FIELDS = (
    "ticket_id",
    "ticket_number",
    "actor_kind",
    "actor_id",
    "actor_name",
    "at",
    "action",
    "field",
    "old_value",
    "new_value",
)
BATCH = 20_000

EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
    sa.column("ticket_id", sa.Integer()),
    sa.column("ticket_number", sa.Integer()),
    sa.column("actor_kind", sa.String()),
    sa.column("actor_id", sa.Integer()),
    sa.column("actor_name", sa.String()),
    sa.column("at", sa.DateTime()),
    sa.column("action", sa.String()),
    sa.column("field", sa.String()),
    sa.column("old_value", sa.Text()),
    sa.column("new_value", sa.Text()),
)
META = sa.table("meta", sa.column("key", sa.String()), sa.column("value", sa.Text()))


def _canonical_time(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _text(value: Any) -> str:
    return "-" if value is None else f"{len(value)}:{value}"


def _number(value: Any) -> str:
    return "-" if value is None else str(value)


def _hash(prev_hash: str, values: Sequence[Any]) -> str:
    ticket_id, number, kind, actor_id, name, at, action, field, old, new = values
    text = (
        f"{prev_hash}|{_number(ticket_id)}|{_number(number)}|{_text(kind)}"
        f"|{_number(actor_id)}|{_text(name)}|{at}|{_text(action)}|{_text(field)}"
        f"|{_text(old)}|{_text(new)}"
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def backfill(connection: sa.Connection) -> None:
    """Chain every event already stored; runs before the triggers exist."""
    columns = [EVENTS.c.id, *(EVENTS.c[name] for name in FIELDS)]
    prev_hash = GENESIS
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(*columns).where(EVENTS.c.id > last_id).order_by(EVENTS.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            values = list(row[1:])
            values[5] = _canonical_time(values[5])
            digest = _hash(prev_hash, values)
            updates.append({"i": row[0], "p": prev_hash, "h": digest})
            prev_hash, last_id = digest, row[0]
        connection.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.id == sa.bindparam("i"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
            updates,
        )
    connection.execute(sa.insert(META), [{"key": HEAD_KEY, "value": f"{last_id} {prev_hash}"}])


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
