"""``TicketService``: every ticket action, composed from the parts in this package."""

from __future__ import annotations

from console.data.tickets.activities import Activities
from console.data.tickets.approvals import Approvals
from console.data.tickets.attachments import Attachments
from console.data.tickets.conversation import Conversation
from console.data.tickets.creating import Creating
from console.data.tickets.fields import Fields
from console.data.tickets.merge import MergeAndDelete, Splitting
from console.data.tickets.ownership import Ownership
from console.data.tickets.resolution import Resolutions
from console.data.tickets.stages import Stages
from console.data.tickets.timelog import TimeLog


class TicketService(
    Creating,
    Ownership,
    Stages,
    Resolutions,
    Conversation,
    Approvals,
    Activities,
    TimeLog,
    Attachments,
    Fields,
    MergeAndDelete,
    Splitting,
):
    """Every action on tickets, taken by one agent.

    Built as ``TicketService(db, actor, clock=..., sla=...)``; ``.queries`` reads tickets
    in the same agent's scope.  The fields, the constructor and the frame every action
    runs in come from ``Frame`` (a dataclass); each part adds only its actions.
    """
