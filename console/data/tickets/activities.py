"""Activities: the tasks, calls and events planned on a ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from console.data import history
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import Activity
from console.data.records import ACTIVITY_KINDS, TicketRecord
from console.data.tickets.checks import aware
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action


class Activities(Frame):
    """Adding an activity to a ticket and marking it done."""

    async def add_activity(
        self,
        number: int,
        title: str,
        *,
        kind: str = "task",
        owner: str | None = None,
        due: datetime | None = None,
        reminder: datetime | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Add a task, call or event to a ticket."""
        if kind not in ACTIVITY_KINDS:
            raise BadValue(f"Unknown activity {kind!r}; use one of: {', '.join(ACTIVITY_KINDS)}.")
        if not title.strip():
            raise BadValue(f"A {kind} needs a title.")
        aware(due, "due time")
        aware(reminder, "reminder")
        if reminder is not None and due is not None and reminder > due:
            raise BadValue("The reminder must come before the due time.")

        async def change(act: _Action) -> None:
            owner_id = self.actor.id
            if owner:
                owner_id = (await self._assignee(act.session, owner)).id
            act.session.add(
                Activity(
                    ticket_id=act.ticket.id,
                    kind=kind,
                    title=title,
                    owner_id=owner_id,
                    due_at=due,
                    reminder_at=reminder,
                    done=False,
                    created_by_id=self.actor.id,
                    created_at=self.clock(),
                )
            )
            self._event(act, kind, None, None, title)

        return await self._run(number, Action.ACTIVITY, expected_version, change)

    async def complete_activity(self, number: int, activity_id: int) -> TicketRecord:
        """Mark an activity done."""

        async def change(act: _Action) -> None:
            activity = (
                await act.session.execute(
                    select(Activity).where(
                        Activity.id == activity_id, Activity.ticket_id == act.ticket.id
                    )
                )
            ).scalar_one_or_none()
            if activity is None:
                raise NotFound(f"#{number} has no activity {activity_id}.")
            if activity.done:
                raise Refused(f"Activity {activity_id} on #{number} is already done.")
            activity.done = True
            activity.done_at = self.clock()
            self._event(act, history.DONE, activity.kind, None, activity.title)

        return await self._run(number, Action.ACTIVITY, None, change)
