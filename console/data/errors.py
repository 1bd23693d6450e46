"""Errors the data layer raises; each carries a plain sentence for the person acting."""

from __future__ import annotations

from datetime import datetime


class ConsoleError(Exception):
    """Base class: something the person asked for was not done; ``str()`` says why."""


class Refused(ConsoleError):
    """The workflow, a permission or the scope rules do not allow the action."""


class Conflict(ConsoleError):
    """Someone else changed the ticket first; nothing of this action was applied.

    ``by``, ``at`` and ``action`` say who changed it, when and how.
    """

    def __init__(self, message: str, by: str, at: datetime, action: str) -> None:
        super().__init__(message)
        self.by = by
        self.at = at
        self.action = action


class NotFound(ConsoleError):
    """No such ticket, agent, approval ... (or not one the actor may see)."""


class BadValue(ConsoleError):
    """A value given for a field is not acceptable; the sentence shows what is.

    ``field`` names the value it is about (``reminder``), so a form shows the sentence
    under the field it was typed in.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Unavailable(ConsoleError):
    """The database cannot be reached, is read-only or is out of space."""


class StaleSend(ConsoleError):
    """A newer customer message, or another agent's reply, arrived on the ticket after
    the form was opened: the reply or close was not sent, so that the agent reads it first.

    ``number`` is the ticket, ``newer`` holds those messages (oldest first); ``latest_id``
    is the newest message id to pass as seen when the agent sends all the same.
    """

    def __init__(
        self, message: str, number: int, newer: tuple[NewerMessage, ...], latest_id: int
    ) -> None:
        super().__init__(message)
        self.number = number
        self.newer = newer
        self.latest_id = latest_id


class NewerMessage:
    """One message that arrived while a form was open: what kind, who, when, the text."""

    __slots__ = ("at", "author", "body", "id", "kind")

    def __init__(self, id: int, kind: str, author: str, at: datetime, body: str) -> None:
        self.id = id
        self.kind = kind
        self.author = author
        self.at = at
        self.body = body
