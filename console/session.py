"""Opening a database for the console or the command line: URL, password, schema."""

from __future__ import annotations

import asyncio
import sys

from console.credentials import Secret, find_password, password_needed, prompt_password
from console.data.db import Database, make_engine, password_account
from console.data.errors import Unavailable
from console.data.schema import ensure_schema


def _needs_password(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "password" in text and ("authentication" in text or "no password" in text)


async def open_database(target: str, *, interactive: bool = True) -> tuple[Database, str | None]:
    """Open (creating and migrating when needed) a database, finding its password.

    Returns the database and where its password came from (None when none was used).
    """
    account = password_account(target)
    # The keyring may take seconds (or never answer): never on the event loop.
    secret = await asyncio.to_thread(find_password, account) if account else Secret(None, None)
    db = make_engine(target, password=secret.password)
    try:
        await ensure_schema(db)
    except Exception as exc:
        await db.dispose()
        if account is None or not _needs_password(exc):
            raise
        if interactive and secret.keyring_problem and sys.stdin.isatty():
            print(f"The keyring could not be used: {secret.keyring_problem}.", file=sys.stderr)
        asked = prompt_password(account) if interactive else None
        if asked is None:
            raise Unavailable(password_needed(secret)) from None
        secret = asked
        db = make_engine(target, password=secret.password)
        await ensure_schema(db)
    return db, secret.source
