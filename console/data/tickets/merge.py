"""Merging a ticket into another and deleting a ticket: the two actions that end a
ticket's own life."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from console.data import history
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
from console.data.tickets.creating import _facts_of_new, allocate_number
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


class Splitting(Frame):
    """Dividing a ticket that holds several questions."""

    async def split(
        self, number: int, messages: list[int], *, expected_version: int | None = None
    ) -> TicketRecord:
        """Move the chosen messages of a ticket into a new ticket of the same contact and
        account (and department, priority, channel, product); both histories name the
        other ticket.  Returns the new ticket."""
        chosen = sorted(set(messages))
        if not chosen:
            raise BadValue("Choose the messages to move into the new ticket.")
        async with self.db.write() as session:
            act = await self._begin(session, number, Action.SPLIT, expected_version)
            source = act.ticket
            rows = (
                await session.execute(select(Message.id).where(Message.ticket_id == source.id))
            ).scalars()
            held = set(rows)
            foreign = [m for m in chosen if m not in held]
            if foreign:
                raise BadValue(
                    f"#{number} has no message {foreign[0]}; its messages are "
                    + (", ".join(map(str, sorted(held))) or "none")
                    + "."
                )
            if len(chosen) == len(held):
                raise BadValue(f"Leave at least one message on #{number}; it keeps its own.")
            now = self.clock()
            new_number = await allocate_number(session)
            ticket = Ticket(
                number=new_number,
                subject=source.subject,
                description=f"Split from #{number}.",
                status=Status.NEW.value,
                priority=source.priority,
                channel=source.channel,
                department_id=source.department_id,
                category=source.category,
                subcategory=source.subcategory,
                product=source.product,
                contact_id=source.contact_id,
                account_id=source.account_id,
                owner_id=None,
                creator_id=self.actor.id,
                due_at=now + self.sla[source.priority],
                sticky=False,
                created_at=now,
                updated_at=now,
                amc_state=source.amc_state,
                version=1,
            )
            session.add(ticket)
            await session.flush()
            await session.execute(
                update(Message).where(Message.id.in_(chosen)).values(ticket_id=ticket.id)
            )
            moved = f"#{new_number} ({len(chosen)} messages: {', '.join(map(str, chosen))})"
            self._event(act, "split", "split into", None, moved)
            await self._finish(act)
            new_act = _Action(session, ticket, _facts_of_new(ticket))
            self._event(new_act, history.CREATE, None, None, ticket.subject)
            self._event(new_act, "split", "split from", None, f"#{number}")
            await self._finish(new_act, touch=False)
        return await self.queries.ticket(new_number)
