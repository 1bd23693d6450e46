"""What screens and widgets may use of the console: its services and its voice.

Screens reach the services through this small context (the App provides it) rather than
through the App class itself, so no screen imports the App and the App alone knows which
screens there are.  Screens tell each other things with ``console.messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast

from textual.message import Message
from textual.notifications import SeverityLevel

from console.config import Settings
from console.data.bulk import Report
from console.data.presence import PresenceRecord
from console.data.queries import Queries
from console.data.tickets import TicketService


class ConsoleContext(Protocol):
    """The console as its screens see it."""

    settings: Settings
    #: the acting agent's services (set once the database is open)
    service: TicketService
    queries: Queries
    #: the acting agent's username
    actor_name: str
    clock: Callable[[], datetime]
    #: every view the queue offers, in order (key -> name): built-in, then saved ones
    view_names: dict[str, str]
    #: the other agents on tickets now (who else is on a ticket), as last heard
    presence: tuple[PresenceRecord, ...]
    #: the last change of mine an undo puts back (a bulk action, or one ticket's)
    last_change: Report | None

    def tell(
        self,
        template: str,
        /,
        *,
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        **values: object,
    ) -> None:
        """A notice in our own words with (cleaned) values filled in."""

    def broadcast(self, message: Message) -> None:
        """Pass a message to every screen on the stack."""

    def assign_to(self, number: int, version: int, username: str) -> Any:
        """Assign a ticket (from the palette) and tell every screen."""

    async def others_on(self, number: int) -> list[PresenceRecord]:
        """The other agents on a ticket, read now (writers first)."""


class InConsole:
    """Mixin for screens and widgets: ``self.ctx`` is the console they run in."""

    @property
    def ctx(self) -> ConsoleContext:
        """The console's services and voice."""
        app: Any = getattr(self, "app")  # noqa: B009 - a Textual node's app
        return cast(ConsoleContext, app)
