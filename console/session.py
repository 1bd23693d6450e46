"""Opening a database for the console or the command line: URL, password, schema."""

from __future__ import annotations

import asyncio
import sys

from console.credentials import password_needed, prompt_password, with_password
from console.data.db import Database, make_engine, normalise_url
from console.data.errors import Unavailable
from console.data.schema import ensure_schema


def _needs_password(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "password" in text and ("authentication" in text or "no password" in text)


async def open_database(target: str, *, interactive: bool = True) -> tuple[Database, str | None]:
    """Open (creating and migrating when needed) a database, finding its password.

    Returns the database and where its password came from (None when none was used).
    """
    # The keyring may take seconds (or never answer): never on the event loop.
    secret = await asyncio.to_thread(with_password, normalise_url(target))
    db = make_engine(secret.url)
    try:
        await ensure_schema(db)
    except Exception as exc:
        await db.dispose()
        if not _needs_password(exc):
            raise
        if interactive and secret.keyring_problem and sys.stdin.isatty():
            print(f"The keyring could not be used: {secret.keyring_problem}.", file=sys.stderr)
        asked = prompt_password(secret.url) if interactive else None
        if asked is None:
            raise Unavailable(password_needed(secret)) from None
        secret = asked
        db = make_engine(secret.url)
        await ensure_schema(db)
    return db, secret.source
