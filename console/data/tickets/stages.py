"""Stages: moving a ticket through the workflow (schedule, start, close, reopen), and
putting back what a bulk action changed (undo)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from console.data import history
from console.data.errors import BadValue, NotFound
from console.data.outbox import CLOSING
from console.data.records import TicketRecord
from console.data.tickets.checks import aware
from console.data.tickets.frame import _Action
from console.data.tickets.resolution import Resolutions
from console.data.workflow import Action, next_status


class Stages(Resolutions):
    """The status changes of the workflow (over resolutions: closing may write one)."""

    def _move(self, act: _Action, action: Action) -> None:
        """Set the status the workflow gives ``action`` from the ticket's status."""
        new = next_status(action, act.facts.status)
        self._set(act, action.value, "status", new.value)

    async def schedule(
        self, number: int, at: datetime, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Schedule work on a New or ReOpen ticket for a time; it moves to Scheduled."""
        aware(at, "scheduled time")
        if at < self.clock() - timedelta(minutes=1):
            raise BadValue(
                f"Schedule needs a time from now on; {at:%Y-%m-%d %H:%M} UTC has passed."
            )

        def change(act: _Action) -> None:
            self._set(act, "schedule", "scheduled_at", at)
            self._move(act, Action.SCHEDULE)

        return await self._run(number, Action.SCHEDULE, expected_version, change)

    async def start(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Start work on a Scheduled ticket; it moves to InProgress."""
        return await self._run(
            number, Action.START, expected_version, lambda act: self._move(act, Action.START)
        )

    async def close(
        self,
        number: int,
        *,
        resolution: str | None = None,
        publish_to_kb: bool = False,
        notify_contact: bool = False,
        expected_version: int | None = None,
        seen_message_id: int | None = None,
    ) -> TicketRecord:
        """Close the ticket, optionally with its resolution; the contact gets the
        closing notice (or, when it is sent to them, the resolution instead).  With
        ``seen_message_id``, a newer customer message or another agent's reply stops it
        with ``StaleSend``."""

        async def change(act: _Action) -> None:
            self._move(act, Action.CLOSE)
            self._set(act, "close", "closed_at", self.clock())
            resolved = resolution is not None and bool(resolution.strip())
            if resolution is not None and resolved:
                await self._resolve(act, resolution, publish_to_kb, notify_contact)
            if not (resolved and notify_contact):
                await self._notice(act, CLOSING)

        return await self._run(
            number, Action.CLOSE, expected_version, change, seen_message_id=seen_message_id
        )

    async def reopen(
        self, number: int, *, reason: str | None = None, expected_version: int | None = None
    ) -> TicketRecord:
        """Reopen a Closed ticket (its creator, a lead or an admin).  The SLA clock starts
        again from the reopen (due: now + its priority's SLA), the old scheduled time goes,
        and a reason, when given, is an internal comment on the ticket."""
        said = reason.strip() if reason else ""

        async def change(act: _Action) -> None:
            self._move(act, Action.REOPEN)
            self._set(act, "reopen", "closed_at", None)
            self._set(act, "reopen", "scheduled_at", None)
            self._set(act, "reopen", "due_at", self.clock() + self.sla[act.ticket.priority])
            if said:
                mentioned = await self._mentions(act.session, said)
                await self._add_message(act, "comment", said, mentioned)

        return await self._run(number, Action.REOPEN, expected_version, change)

    async def restore(
        self, number: int, before: dict[str, Any], *, expected_version: int
    ) -> TicketRecord:
        """Undo: put back the owner, status, scheduled and closed times a bulk action
        changed, only while the ticket is still at the version that action left (nobody
        has touched it since); recorded in history as an undo."""
        async with self.db.write() as session:
            # Not through ``_begin``: an undo is not a workflow action, so only the scope
            # and the version are checked.
            ticket, facts = await self._lock(session, number, scoped=False)
            act = _Action(session, ticket, facts)
            if not await self._sees(act, self.actor.id) and not await self._left_by_me(
                session, ticket, expected_version
            ):
                # Out of scope, unless this agent's own change (a release, an assign) took
                # it out and nobody has touched it since.
                raise NotFound(f"No ticket #{number} (or not one you may see).")
            if ticket.version != expected_version:
                raise await self._conflict(session, ticket, expected_version)
            if "owner_id" in before:
                old_owner = await self._username(session, before["owner_id"])
                shown = (facts.owner_name, old_owner)
                self._set(act, history.UNDO, "owner_id", before["owner_id"], shown)
            for name in ("status", "scheduled_at", "closed_at"):
                if name in before:
                    self._set(act, history.UNDO, name, before[name])
            if not act.events:
                raise BadValue(f"Nothing to put back on #{number}.")
            await self._finish(act)
            return await self._answer(session, number)
