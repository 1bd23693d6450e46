"""The rows a demo build writes: every table's columns, and a batch of rows in that shape.

Rows are plain tuples in column order, so the writers hand them to the driver as they are
(no ORM, no per-row type processing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Table -> columns, in the order batches are written (parents before children).  Ids are
#: given where other rows refer to them; the rest get theirs from the database.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tickets", (
        "id", "number", "subject", "description", "status", "priority", "channel",
        "department_id", "category", "subcategory", "product", "contact_id", "account_id",
        "owner_id", "creator_id", "due_at", "scheduled_at", "sticky", "created_at",
        "updated_at", "closed_at", "first_response_at", "amc_state", "merged_into_id",
        "version",
    )),
    ("events", (
        "ticket_id", "ticket_number", "actor_kind", "actor_id", "actor_name", "at", "action",
        "field", "old_value", "new_value",
    )),
    ("messages", (
        "id", "ticket_id", "kind", "author_agent_id", "author_contact_id", "body", "created_at",
    )),
    ("message_mentions", ("message_id", "agent_id")),
    ("approvals", (
        "id", "ticket_id", "kind", "requester_id", "subject", "details", "state", "decider_id",
        "decision_comment", "created_at", "decided_at",
    )),
    ("approval_approvers", ("approval_id", "agent_id")),
    ("resolutions", (
        "ticket_id", "text", "publish_to_kb", "notify_contact", "author_id", "updated_at",
    )),
    ("articles", ("title", "body", "ticket_id", "created_at")),
    ("activities", (
        "ticket_id", "kind", "title", "owner_id", "due_at", "reminder_at", "done", "done_at",
        "created_by_id", "created_at",
    )),
    ("time_entries", ("ticket_id", "agent_id", "started_at", "minutes", "billable", "note")),
    ("attachments", (
        "ticket_id", "file_name", "media_type", "size", "sha256", "content", "uploaded_by_id",
        "created_at",
    )),
)  # fmt: skip

Row = tuple[Any, ...]


@dataclass
class Batch:
    """The rows of every table for a run of consecutive tickets, in column order."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t, _ in TABLES})
