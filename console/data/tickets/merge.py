"""Merging a ticket into another and deleting a ticket: the two actions that end a
ticket's own life."""

from __future__ import annotations

from sqlalchemy import delete, update

from console.data.audit import append_events
from console.data.errors import BadValue, Refused
from console.data.models import (
    Activity,
    Approval,
    Article,
    Attachment,
    Message,
    Resolution,
    Ticket,
    TimeEntry,
)
from console.data.records import TicketRecord
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action, Status, refusal


class MergeAndDelete(Frame):
    """Merging duplicates and deleting tickets for good."""

    async def merge(
        self, number: int, into: int, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Merge a ticket into another: its conversation, attachments and time move to the
        target and it is closed as merged.  Returns the target."""
        if number == into:
            raise BadValue(f"#{number} cannot be merged into itself.")
        async with self.db.write() as session:
            # Lock both rows in number order so two merges cannot deadlock.
            first, second = sorted((number, into))
            locked = {n: await self._lock(session, n) for n in (first, second)}
            source, source_facts = locked[number]
            target, target_facts = locked[into]
            if expected_version is not None and source.version != expected_version:
                raise await self._conflict(session, source, expected_version)
            why = refusal(Action.MERGE, self.actor, source_facts)
            if why:
                raise Refused(why)
            if target.merged_into_id is not None:
                raise Refused(f"#{into} was itself merged; merge into the ticket it went to.")
            moved = {}
            for model in (Message, Attachment, TimeEntry):
                result = await session.execute(
                    update(model).where(model.ticket_id == source.id).values(ticket_id=target.id)
                )
                moved[model.__tablename__] = result.rowcount  # type: ignore[attr-defined]
            act = _Action(session, source, source_facts)
            source.merged_into_id = target.id
            self._set(act, "merge", "status", Status.CLOSED.value)
            source.closed_at = self.clock()
            self._event(act, "merge", "merged into", None, f"#{into}")
            await self._finish(act)
            target_act = _Action(session, target, target_facts)
            self._event(
                target_act,
                "merge",
                "merged from",
                None,
                f"#{number} ({moved['messages']} messages, {moved['attachments']} attachments, "
                f"{moved['time_entries']} time entries)",
            )
            await self._finish(target_act)
            return await self._answer(session, into)

    async def delete(self, number: int, *, confirm: bool) -> None:
        """Delete a ticket for good (admins, after confirmation); the deletion is audited."""
        if not confirm:
            raise BadValue(f"Deleting #{number} cannot be undone; confirm it (`--yes`).")
        async with self.db.write() as session:
            act = await self._begin(session, number, Action.DELETE, None)
            ticket = act.ticket
            self._event(act, "delete", None, ticket.subject, None)
            await session.execute(
                update(Ticket).where(Ticket.merged_into_id == ticket.id).values(merged_into_id=None)
            )
            for model in (Message, Attachment, TimeEntry, Activity, Resolution, Approval):
                await session.execute(delete(model).where(model.ticket_id == ticket.id))
            await session.execute(
                update(Article).where(Article.ticket_id == ticket.id).values(ticket_id=None)
            )
            await session.delete(ticket)
            await session.flush()
            # Not ``_finish``: the row is gone, so there is no version to move on; the
            # events and the notice are written the same way.
            await append_events(session, act.all_events())
            await self.db.notify(session, str(number))
