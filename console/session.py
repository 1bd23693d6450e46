"""Opening a database for the console or the command line: URL, password, schema.

With ``security = "database"`` in the config file the console and the commands an agent
runs log in to PostgreSQL as the agent's own role (``login_role``), so that row-level
security binds every statement; the URL's own user (the tables' owner) is kept for the
admin's commands (``db upgrade``, ``db secure``, ``agent add``...).
"""

from __future__ import annotations

import asyncio
import sys

from console.config import Settings
from console.credentials import Secret, find_password, password_needed, prompt_password
from console.data.db import Database, make_engine, password_account, shown_url
from console.data.errors import Unavailable
from console.data.schema import SCHEMA_REVISION, ensure_schema
from console.data.secure import PasswordNeeded, log_in, role_account, role_url


def _needs_password(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "password" in text and ("authentication" in text or "no password" in text)


def login_role(settings: Settings, as_user: str | None = None) -> str | None:
    """The PostgreSQL role an agent logs in as (None: the URL's own user): with
    ``security = "database"``, the role of the agent acting (``--as``, or the real
    operating-system login)."""
    if settings.security != "database":
        return None
    from console.data.directory import os_login

    return as_user or os_login()


async def open_database(
    target: str, *, interactive: bool = True, role: str | None = None
) -> tuple[Database, str | None]:
    """Open (creating and migrating when needed) a database, finding its password; with
    ``role``, log in as that agent's own role instead (which never migrates).

    Returns the database and where its password came from (None when none was used).
    """
    if role is not None:
        return await _open_as_role(target, role, interactive=interactive)
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
        secret = _ask(account, secret, interactive)
        db = make_engine(target, password=secret.password)
        await ensure_schema(db)
    return db, secret.source


def _ask(account: str, secret: Secret, interactive: bool) -> Secret:
    """The password typed at the terminal, or the sentence saying how to give one."""
    if interactive and secret.keyring_problem and sys.stdin.isatty():
        print(f"The keyring could not be used: {secret.keyring_problem}.", file=sys.stderr)
    asked = prompt_password(account) if interactive else None
    if asked is None:
        raise Unavailable(password_needed(secret)) from None
    return asked


async def _open_as_role(
    target: str, role: str, *, interactive: bool
) -> tuple[Database, str | None]:
    account = role_account(target, role)
    secret = await asyncio.to_thread(find_password, account)
    try:
        return await log_in(target, role, secret.password, SCHEMA_REVISION), secret.source
    except PasswordNeeded:
        if secret.password is not None:
            raise _refused(role) from None
    try:
        secret = _ask(account, secret, interactive)
    except Unavailable:
        raise _no_password(target, role, secret) from None
    try:
        return await log_in(target, role, secret.password, SCHEMA_REVISION), secret.source
    except PasswordNeeded:
        raise _refused(role) from None


def _no_password(target: str, role: str, secret: Secret) -> Unavailable:
    why = f" (the keyring could not be used: {secret.keyring_problem})"
    return Unavailable(
        f"The PostgreSQL role {role} needs a password{why if secret.keyring_problem else ''}: "
        f"keep it with `agent-console credentials set {shown_url(role_url(target, role))}` or "
        f"set AGENT_CONSOLE_DB_PASSWORD (an admin sets it with `agent-console db "
        f"role-password {role}`)."
    )


def _refused(role: str) -> Unavailable:
    return Unavailable(
        f"The password of the PostgreSQL role {role} was refused: an admin sets it with "
        f"`agent-console db role-password {role}`."
    )
