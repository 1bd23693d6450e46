"""The start-up references, run as a script in a pseudo-terminal like the console:

``blank``: a Textual app that paints one line.
``stack URL``: the stack floor, a Textual app that also imports SQLAlchemy's async
engine and aiosqlite and runs one query (the first page of the queue by keyset) on the
database before its first frame shows the result.

Each paints ``MARKER`` once its content is ready; the benchmark times the frame with it.
This file imports nothing of the console nor of the benchmark package.
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Static

MARKER = "reference ready"

#: The one query of the stack floor: the first 50 rows of the queue, newest first.
FIRST_PAGE = (
    "SELECT id, number, subject, status, updated_at FROM tickets "
    "ORDER BY updated_at DESC, id DESC LIMIT 50"
)


class Blank(App[None]):
    """A Textual app with nothing but one line of text."""

    def compose(self) -> ComposeResult:
        yield Static(f"{MARKER}: blank")


class StackFloor(App[None]):
    """A Textual app that reads one page of tickets through SQLAlchemy's async engine
    on aiosqlite before anything is shown."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    async def on_mount(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(self.url)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(FIRST_PAGE))).all()
        await engine.dispose()
        await self.mount(Static(f"{MARKER}: {len(rows)} rows, first #{rows[0][1]}"))


def main(argv: list[str]) -> None:
    """``blank`` or ``stack URL``."""
    if argv[:1] == ["blank"]:
        Blank().run()
    elif argv[:1] == ["stack"] and len(argv) == 2:
        # The imports the stack floor pays for, at start-up as the console does.
        import aiosqlite  # noqa: F401
        import sqlalchemy.ext.asyncio  # noqa: F401

        StackFloor(argv[1]).run()
    else:
        sys.exit("usage: reference_app.py blank | stack URL")


if __name__ == "__main__":
    main(sys.argv[1:])
