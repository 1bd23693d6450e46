"""Ticket services: one async method per action of the workflow table.

Each action is one write transaction: the ticket row is locked (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` holds the write lock on SQLite), the scope, version and
workflow are checked, the change and its history events are written, and all of it
commits together or not at all (``frame``).  The actions are grouped as the support team
names them: ownership, stages, conversation, approvals, activities, resolution, time log,
attachments, fields, merge and delete, creating; ``TicketService`` is all of them.
"""

from __future__ import annotations

from console.data.tickets.attachments import MAX_ATTACHMENT_BYTES
from console.data.tickets.conversation import MENTION
from console.data.tickets.creating import FIRST_TICKET_NUMBER, allocate_number
from console.data.tickets.frame import DEFAULT_SLA, Clock, find_assignee, utc_now
from console.data.tickets.service import TicketService

__all__ = [
    "DEFAULT_SLA",
    "FIRST_TICKET_NUMBER",
    "MAX_ATTACHMENT_BYTES",
    "MENTION",
    "Clock",
    "TicketService",
    "allocate_number",
    "find_assignee",
    "utc_now",
]
