"""Running the Alembic migrations programmatically (imported only when they must run)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from console.data.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate the database to ``revision`` in one transaction."""

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(db: Database, revision: str) -> None:
    """Migrate the database back to ``revision`` ("base" empties it) in one transaction."""

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
