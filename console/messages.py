"""What screens tell each other, as Textual messages, instead of looking each other up.

A screen posts a request (``OpenTicket``, ``ShowView``...) and it bubbles to the App,
which acts on it or passes it to every screen on the stack (``Broadcast`` messages do not
bubble back up).  ``TicketChanged`` and ``DatabaseChanged`` are passed to every screen so
each shows what is now true.
"""

from __future__ import annotations

from textual.message import Message

from console.data.presence import PresenceRecord


class OpenTicket(Message):
    """Show one ticket full screen."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class Broadcast(Message, bubble=False):
    """A message the App passes to every screen on the stack; it stays there."""


class TicketChanged(Broadcast):
    """An action of this console changed a ticket: reload what shows it."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class DatabaseChanged(Broadcast):
    """Another agent committed a change: show what is true now."""


class ShowView(Broadcast):
    """Switch the queue to a view (a built-in view's key or a saved view's)."""

    def __init__(self, view: str) -> None:
        super().__init__()
        self.view = view


class ShowStage(Broadcast):
    """Switch the queue to a stage."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage


class NewTicket(Broadcast):
    """The queue opens its new-ticket form."""


class OpenDashboard(Message):
    """Show the lead's dashboard."""


class ShowSearch(Broadcast):
    """The queue shows the tickets of a search in the filter language (a figure's)."""

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.text = text
        self.title = title


class PresenceChanged(Broadcast):
    """Who else is on which ticket changed: show the markers and lines anew."""

    def __init__(self, records: tuple[PresenceRecord, ...]) -> None:
        super().__init__()
        #: the other agents on tickets now
        self.records = records


class PresenceMoved(Message):
    """This agent's ticket or activity may have changed (the detail pane shows another
    ticket, a form opened or closed): the App says so to the others."""
