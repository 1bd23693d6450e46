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
SCHEMA_REVISION = "0014"


def _writable_beside(path: str) -> bool:
    """Whether the folder of a database file can take its -wal and -shm files."""
    return os.access(Path(path).parent, os.W_OK)


def known_revisions() -> set[str]:
    """The revisions of the migrations shipped with this code (named ``NNNN_*.py``),
    read from the file names so that Alembic stays unloaded."""
    versions = Path(__file__).with_name("migrations") / "versions"
    return {path.name.split("_", 1)[0] for path in versions.glob("[0-9]*_*.py")}


def _no_version_table(exc: DBAPIError) -> bool:
    """Whether reading the revision failed because the database has no schema yet (and
    not because it is busy, locked or away, which must never lead to migrating it)."""
    message = str(exc.orig).lower()
    return "no such table" in message or (
        "alembic_version" in message and "does not exist" in message
    )


async def schema_revision(db: Database) -> str | None:
    """The database's Alembic revision, or ``None`` for a new, empty database.  Any
    other failure (a file locked by another console, a server away) is raised."""
    async with db.engine.connect() as conn:
        try:
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except DBAPIError as exc:
            if _no_version_table(exc):
                return None
            raise
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
    if current is not None and current not in known_revisions():
        raise Unavailable(
            f"{db.label} has schema revision {current}, which this agent-console "
            f"(revision {SCHEMA_REVISION}) does not know: a newer agent-console upgraded it. "
            "Nothing was changed; upgrade agent-console to open it."
        )
    from console.data.migrate import upgrade  # deferred: Alembic is slow to import

    await upgrade(db)
    return True
