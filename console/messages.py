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
    """Show one ticket full screen (on a tab, at a message of its conversation)."""

    def __init__(self, number: int, tab: str | None = None, message_id: int | None = None) -> None:
        super().__init__()
        self.number = number
        self.tab = tab
        self.message_id = message_id


class OpenInbox(Message):
    """Show the agent's inbox."""


class WriteMessage(Message):
    """Open the form of a private message to agents (about a ticket, if given)."""

    def __init__(self, ticket: int | None = None, to: str = "", subject: str = "") -> None:
        super().__init__()
        self.ticket = ticket
        self.to = to
        self.subject = subject


class Broadcast(Message, bubble=False):
    """A message the App passes to every screen on the stack; it stays there."""


class TicketChanged(Broadcast):
    """An action of this console changed a ticket: reload what shows it."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class DatabaseChanged(Broadcast):
    """Another agent committed a change: show what is true now."""


class InboxChanged(Broadcast):
    """The agent's inbox changed (an entry arrived, was read): show it as it is now."""


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


class OpenRecords(Message):
    """Show the desk's records (agents, accounts, contacts, departments)."""


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
