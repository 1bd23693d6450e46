"""What the services beside the ticket service share: the database, the agent acting and
the clock (saved views, the knowledge base, canned replies)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from console.data.db import Database
from console.data.workflow import Actor


class Acting:
    """A service used by one agent on one database."""

    def __init__(
        self, db: Database, actor: Actor, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.db = db
        self.actor = actor
        self.clock = clock or (lambda: datetime.now(UTC))
