"""Which schema a database has, and bringing it to the one this code expects.

Beside the migrations (``migrate.py``) but cheap to import: Alembic is slow to import, so
it is loaded only when a migration must run; an up-to-date database never loads it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from console.data.db import Database, translate_error
from console.data.errors import Unavailable

#: The Alembic revision this code expects; a test checks it is the migrations' head.
SCHEMA_REVISION = "0005"


def _writable_beside(path: str) -> bool:
    """Whether the folder of a database file can take its -wal and -shm files."""
    return os.access(Path(path).parent, os.W_OK)


async def schema_revision(db: Database) -> str | None:
    """The database's Alembic revision, or ``None`` for a new, empty database."""
    async with db.engine.connect() as conn:
        try:
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except (OperationalError, DBAPIError):
            return None
    return row[0] if row else None


async def ensure_schema(db: Database) -> bool:
    """Create or migrate the schema when it is not at ``SCHEMA_REVISION``.

    Returns True when migrations ran.  An up-to-date database never loads Alembic.
    """
    try:
        current = await schema_revision(db)
    except (OperationalError, DBAPIError, OSError) as exc:
        if db.is_sqlite and db.url.database and not _writable_beside(db.url.database):
            raise Unavailable(
                f"{db.label} is on a read-only disk: SQLite needs to write its -wal and -shm "
                "files beside it. Nothing was changed; copy it somewhere writable "
                "(`agent-console db backup`) to read it."
            ) from exc
        raise translate_error(exc) from exc
    if current == SCHEMA_REVISION:
        return False
    from console.data.migrate import upgrade  # deferred: Alembic is slow to import

    await upgrade(db)
    return True
