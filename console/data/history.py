"""The history's vocabulary: how an event names what happened and shows its values.

The ticket services write history with these words, and so does the demo generator (its
tickets must read exactly as if agents had worked them), so that the History tab, the
reports and ``audit verify`` see one language.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

#: Event actions beyond the workflow's own (``pickup``, ``close``... are the action ids).
CREATE = "create"
AMC = "amc"
CUSTOMER = "customer"
DONE = "done"
APPROVED = "approved"
REJECTED = "rejected"
PUBLISH = "publish"
UNDO = "undo"
#: A ticket passed its due time while open (console.data.sla), recorded by "system".
SLA_BREACH = "sla breach"

#: Who acted: an agent, a customer (by mail) or the desk itself (auto-close, the worker).
AGENT = "agent"
CUSTOMER_ACTOR = "customer"
SYSTEM = "system"

#: The field an event names for the knowledge base (publishing a resolution).
KNOWLEDGE_BASE = "knowledge base"

PREVIEW_CHARACTERS = 80


def field_label(column: str) -> str:
    """The field as history names it: ``owner_id`` -> ``owner``, ``closed_at`` ->
    ``closed``."""
    return column.removesuffix("_id").removesuffix("_at")


def shown(value: Any) -> str | None:
    """A field's value as history stores it: times in ISO 8601 to the minute, yes/no."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def preview(text: str | None, limit: int = PREVIEW_CHARACTERS) -> str | None:
    """A message or resolution as history quotes it: one line, at most ``limit``
    characters."""
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def amc_expired(account: str, expires: date | str | None) -> str:
    """What history says when a ticket is opened on an account whose contract ended."""
    return f"expired (contract of {account} ended {expires})"


def time_logged(minutes: int, billable: bool) -> str:
    """What history says of logged time."""
    return f"{minutes} min" + (" billable" if billable else "")


def attached(file_name: str, size: int) -> str:
    """What history says of an attached file."""
    return f"{file_name} ({size} bytes)"
