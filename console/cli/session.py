"""An open database and the agent acting on it, for the commands that need them.

A command is run as ``run(args, settings)``: each sub-parser names its ``run`` (with
``set_defaults``); a command on a database returns a coroutine, which ``main`` runs.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.cli.output import err
from console.config import Settings

if TYPE_CHECKING:
    from console.data.db import Database
    from console.data.tickets import TicketService
    from console.data.workflow import Actor


@dataclass
class Session:
    """An open database and the agent acting on it."""

    db: Database
    actor: Actor
    settings: Settings

    def tickets(self) -> TicketService:
        """The ticket service for this agent."""
        from console.data.tickets import TicketService

        return TicketService(
            self.db, self.actor, sla=self.settings.sla(), mail=self.settings.mail_setup()
        )


def target(args: argparse.Namespace, settings: Settings) -> str:
    """The database a command opens: ``--db``, the environment, the config file, or the
    default."""
    return settings.database(getattr(args, "db", None))


async def open_database(target: str, role: str | None = None) -> Database:
    """Open a database for a command (as ``role``, an agent's own PostgreSQL role, when
    given), saying where its password came from."""
    from console.priority import is_apart
    from console.session import open_database as open_db

    db, source = await open_db(target, role=role)
    if source and not is_apart():
        err(f"(database password from {source})")
    return db


@asynccontextmanager
async def opened(target: str, role: str | None = None) -> AsyncIterator[Database]:
    """A database opened for one command, closed when it is done."""
    db = await open_database(target, role)
    try:
        yield db
    finally:
        await db.dispose()


def with_database(
    body: Callable[[argparse.Namespace, Database], Awaitable[int]],
) -> Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]:
    """A command run on the database of ``--db``."""

    async def run(args: argparse.Namespace, settings: Settings) -> int:
        async with opened(target(args, settings)) as db:
            return await body(args, db)

    return run


def in_session(
    body: Callable[[argparse.Namespace, Session], Awaitable[int]],
    *,
    owner: bool = False,
) -> Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]:
    """A command run by the agent of ``--as`` (or the OS login) on the database of ``--db``:
    with ``security = "database"`` logged in as that agent's own role, unless ``owner``
    (an admin's command that changes roles: as the URL's own user, the tables' owner)."""

    async def run(args: argparse.Namespace, settings: Settings) -> int:
        from console.data.directory import resolve_actor
        from console.session import login_role

        role = None if owner else login_role(settings, getattr(args, "as_user", None))
        async with opened(target(args, settings), role) as db:
            actor = await resolve_actor(db, getattr(args, "as_user", None))
            return await body(args, Session(db, actor, settings))

    return run
