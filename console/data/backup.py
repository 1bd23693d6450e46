"""Consistent backups of the embedded SQLite database.

Copying the file alone loses committed data still in the write-ahead log; SQLite's
backup API copies what is committed at one moment, while other agents keep writing.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from console.data.db import Database
from console.data.errors import BadValue, Refused


def _copy(source: str, target: Path) -> int:
    target = target.expanduser()
    if target.is_dir():
        target = target / Path(source).name
    if target.resolve() == Path(source).resolve():
        raise BadValue("The backup must go to another file than the database itself.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step: a single read transaction, so the copy is one consistent moment
            # (writers carry on meanwhile in WAL mode).
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise Refused(f"The copy failed its integrity check ({check}); nothing was written.")
    os.replace(partial, target)  # the backup appears whole or not at all
    return int(pages)


async def backup(db: Database, target: Path) -> int:
    """Copy the database to ``target`` (replaced if it exists); returns its page count.

    PostgreSQL is backed up with its own tools: this says so instead.
    """
    if not db.is_sqlite:
        raise Refused(
            f"{db.label} is PostgreSQL: back it up with pg_dump (for example "
            "`pg_dump -Fc -f helpdesk.dump DATABASE`), which takes a consistent snapshot."
        )
    source = db.url.database
    if not source or source == ":memory:":
        raise BadValue("An in-memory database has nothing to back up.")
    try:
        return await asyncio.to_thread(_copy, source, target)
    except sqlite3.Error as exc:
        raise Refused(f"The backup failed: {exc}; nothing was written.") from None
    except OSError as exc:
        raise Refused(f"Cannot write {target}: {exc.strerror}; nothing was written.") from None
