"""Activities: the tasks, calls and events planned on a ticket.

The agent who adds an activity owns it until someone changes that (seed 004); its owner,
title, due time and reminder can be changed afterwards, and it can be given to another
agent who may see the ticket (seed 003's task administration).  Only an upcoming activity
can have a reminder: one in the past, or after the activity is due, is refused with the
sentence ``reminder_problem`` gives, wherever a reminder is set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select

from console.data import history
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import Activity
from console.data.records import ACTIVITY_KINDS, TicketRecord
from console.data.tickets.checks import aware
from console.data.tickets.frame import Frame, _Action
from console.data.when import show_local
from console.data.workflow import Action


class _Keep:
    """The value of an edit's argument that was not given: the activity keeps its own."""

    def __repr__(self) -> str:
        return "KEEP"


#: Leave this value of an activity as it is (``None`` clears a due time or reminder).
KEEP: Final = _Keep()

#: The history action of a change to an activity (its field says which).
ACTIVITY_EDITED = "activity"


def reminder_problem(reminder: datetime | None, due: datetime | None, now: datetime) -> str | None:
    """Why a reminder cannot be set, or None when it can: it must be upcoming (seed 004:
    only upcoming activities can have one), and it must come no later than the due time
    (a reminder after the work was due reminds nobody in time)."""
    if reminder is None:
        return None
    if reminder <= now:
        return (
            f"The reminder {show_local(reminder)} is in the past; only an upcoming "
            "activity can have one (a reminder from now on, such as +1h)."
        )
    if due is not None and reminder > due:
        return (
            f"The reminder {show_local(reminder)} comes after the due time "
            f"{show_local(due)}; set it before (or at) the due time."
        )
    return None


class Activities(Frame):
    """Adding an activity to a ticket, changing it, giving it away and marking it done."""

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
        """Add a task, call or event to a ticket; its creator owns it unless ``owner``
        names another agent who may see the ticket."""
        if kind not in ACTIVITY_KINDS:
            raise BadValue(f"Unknown activity {kind!r}; use one of: {', '.join(ACTIVITY_KINDS)}.")
        if not title.strip():
            raise BadValue(f"A {kind} needs a title.", field="title")
        aware(due, "due time")
        aware(reminder, "reminder")
        problem = reminder_problem(reminder, due, self.clock())
        if problem:
            raise BadValue(problem, field="reminder")

        async def change(act: _Action) -> None:
            owner_id = self.actor.id
            if owner:
                owner_id = await self._activity_owner(act, owner)
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

    async def edit_activity(
        self,
        number: int,
        activity_id: int,
        *,
        title: str | None = None,
        owner: str | None = None,
        due: datetime | _Keep | None = KEEP,
        reminder: datetime | _Keep | None = KEEP,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Change an open activity: its title, its owner (give it to another agent who
        may see the ticket), its due time and its reminder (``None`` clears either,
        ``KEEP`` leaves it).  Each change is a history event of the ticket."""
        if title is not None and not title.strip():
            raise BadValue("An activity needs a title.", field="title")
        if not isinstance(due, _Keep):
            aware(due, "due time")
        if not isinstance(reminder, _Keep):
            aware(reminder, "reminder")

        async def change(act: _Action) -> None:
            activity = await self._open_activity(act, number, activity_id)
            new_due = activity.due_at if isinstance(due, _Keep) else due
            new_reminder = activity.reminder_at if isinstance(reminder, _Keep) else reminder
            if not isinstance(reminder, _Keep) and reminder != activity.reminder_at:
                problem = reminder_problem(reminder, new_due, self.clock())
                if problem:
                    raise BadValue(problem, field="reminder")
            elif new_reminder is not None and new_due is not None and new_reminder > new_due:
                # The due time moved before the reminder it has.
                raise BadValue(
                    f"The due time {show_local(new_due)} comes before the reminder "
                    f"{show_local(new_reminder)}; move or clear the reminder too.",
                    field="due",
                )
            what = f"{activity.kind} {activity.id}"
            if title is not None and title != activity.title:
                self._event(act, ACTIVITY_EDITED, f"{what} title", activity.title, title)
                activity.title = title
            if owner is not None:
                owner_id = await self._activity_owner(act, owner)
                if owner_id != activity.owner_id:
                    before = await self._username(act.session, activity.owner_id)
                    self._event(act, ACTIVITY_EDITED, f"{what} owner", before, owner)
                    activity.owner_id = owner_id
            if new_due != activity.due_at:
                self._event(act, ACTIVITY_EDITED, f"{what} due", activity.due_at, new_due)
                activity.due_at = new_due
            if new_reminder != activity.reminder_at:
                self._event(
                    act, ACTIVITY_EDITED, f"{what} reminder", activity.reminder_at, new_reminder
                )
                activity.reminder_at = new_reminder
            if not act.events:
                raise BadValue(f"Nothing to change on {what} of #{number}.")

        return await self._run(number, Action.ACTIVITY, expected_version, change)

    async def complete_activity(self, number: int, activity_id: int) -> TicketRecord:
        """Mark an activity done."""

        async def change(act: _Action) -> None:
            activity = await self._open_activity(act, number, activity_id)
            activity.done = True
            activity.done_at = self.clock()
            self._event(act, history.DONE, activity.kind, None, activity.title)

        return await self._run(number, Action.ACTIVITY, None, change)

    async def _open_activity(self, act: _Action, number: int, activity_id: int) -> Activity:
        """One of the ticket's activities, refused once it is done."""
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
        return activity

    async def _activity_owner(self, act: _Action, username: str) -> int:
        """The id of the agent an activity is given to: an active agent who may see the
        ticket (an activity on a ticket its owner cannot open would be lost)."""
        agent = await self._assignee(act.session, username)
        if not agent.active:
            raise BadValue(f"{username} is no longer an active agent.", field="owner")
        if agent.id != self.actor.id and not await self._sees(act, agent.id):
            raise BadValue(
                f"{username} may not see #{act.ticket.number}, so cannot own an activity on it.",
                field="owner",
            )
        return agent.id
