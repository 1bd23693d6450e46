"""What the console sends the database: the SELECT statements inside a block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from console.data.db import Database


@contextlib.contextmanager
def selects_sent(db: Database) -> Iterator[list[str]]:
    """The SELECT statements sent to ``db`` while the block runs, in their order."""
    seen: list[str] = []

    def collect(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", collect)
