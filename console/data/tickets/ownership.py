"""Ownership: who works a ticket (assign, pick up, release)."""

from __future__ import annotations

from console.data import inbox
from console.data.records import TicketRecord
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action


class Ownership(Frame):
    """Giving a ticket to an agent, taking it, and giving it back."""

    async def assign(
        self, number: int, to: str, *, expected_version: int | None = None
    ) -> TicketRecord:
        """Make ``to`` the owner.  Leads and admins assign to anyone; agents within their team."""

        async def change(act: _Action) -> None:
            target = await self._assignee(act.session, to)
            before = act.ticket.owner_id
            self._set(act, "assign", "owner_id", target.id, (act.facts.owner_name, to))
            if target.id not in (before, self.actor.id):
                self._tell(act, [target.id], inbox.ASSIGNED, act.ticket.subject)

        return await self._run(number, Action.ASSIGN, expected_version, change, assignee=to)

    async def pick_up(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Take an unassigned ticket: owner := me."""

        def change(act: _Action) -> None:
            self._set(act, "pickup", "owner_id", self.actor.id, (None, self.actor.username))

        return await self._run(number, Action.PICK_UP, expected_version, change)

    async def release(self, number: int, *, expected_version: int | None = None) -> TicketRecord:
        """Give a ticket back to the Unassigned queue: owner := nobody."""

        def change(act: _Action) -> None:
            self._set(act, "release", "owner_id", None, (act.facts.owner_name, None))

        return await self._run(number, Action.RELEASE, expected_version, change)
