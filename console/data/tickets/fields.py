"""Fields: editing a ticket's subject, description, priority, channel, department,
categories, due time and stickiness (``EDITABLE_FIELDS``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.data import history
from console.data.errors import BadValue
from console.data.records import (
    EDITABLE_FIELDS,
    TicketRecord,
    channel_name,
    priority_name,
    priority_rank,
)
from console.data.tickets.checks import aware, checked
from console.data.tickets.creating import department_name, find_department
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action


class Fields(Frame):
    """Editing ticket fields."""

    async def edit(
        self,
        number: int,
        changes: dict[str, Any],
        *,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Change ticket fields (see ``EDITABLE_FIELDS``); each change is recorded.

        Changing the priority moves the SLA due time to creation + the new priority's SLA,
        unless a due time is given in the same edit.
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise BadValue(
                f"Cannot edit {', '.join(unknown)}; editable fields: {', '.join(EDITABLE_FIELDS)}."
            )
        if not changes:
            raise BadValue("Nothing to change.")

        async def change(act: _Action) -> None:
            t = act.ticket
            for name, value in changes.items():
                if name == "subject":
                    if not str(value).strip():
                        raise BadValue("The subject cannot be empty.")
                    self._set(act, "edit", "subject", str(value))
                elif name == "description":
                    self._set(
                        act, "edit", "description", str(value), (None, history.preview(value))
                    )
                elif name == "priority":
                    rank = checked(priority_rank, value)
                    self._set(
                        act,
                        "edit",
                        "priority",
                        rank,
                        (priority_name(t.priority), priority_name(rank)),
                    )
                    if "due" not in changes:
                        self._set(act, "edit", "due_at", t.created_at + self.sla[rank])
                elif name == "channel":
                    self._set(act, "edit", "channel", checked(channel_name, value))
                elif name == "department":
                    dept = await find_department(act.session, str(value))
                    old = await department_name(act.session, t.department_id)
                    self._set(act, "edit", "department_id", dept.id, (old, dept.name))
                elif name in ("category", "subcategory", "product"):
                    self._set(act, "edit", name, str(value) if value else None)
                elif name == "due":
                    if not isinstance(value, datetime):
                        raise BadValue("The due time must be a date and time.")
                    self._set(act, "edit", "due_at", aware(value, "due time"))
                elif name == "sticky":
                    self._set(act, "edit", "sticky", bool(value))
            if not act.events:
                raise BadValue(f"Nothing changed on #{number}.")

        return await self._run(number, Action.EDIT, expected_version, change)
