"""The time log: minutes agents spent on a ticket, billable or not."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.data import history
from console.data.errors import BadValue
from console.data.models import TimeEntry
from console.data.records import TicketRecord
from console.data.tickets.checks import aware
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action


class TimeLog(Frame):
    """Logging time on a ticket."""

    async def log_time(
        self,
        number: int,
        minutes: int,
        *,
        billable: bool = False,
        note: str = "",
        started_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Log time spent on the ticket."""
        if minutes <= 0 or minutes > 24 * 60:
            raise BadValue(f"Time is logged in minutes from 1 to 1440; {minutes} is not.")
        aware(started_at, "start time")
        start = started_at or self.clock() - timedelta(minutes=minutes)

        def change(act: _Action) -> None:
            act.session.add(
                TimeEntry(
                    ticket_id=act.ticket.id,
                    agent_id=self.actor.id,
                    started_at=start,
                    minutes=minutes,
                    billable=billable,
                    note=note,
                )
            )
            self._event(act, "time", None, None, history.time_logged(minutes, billable))

        return await self._run(number, Action.LOG_TIME, expected_version, change)
