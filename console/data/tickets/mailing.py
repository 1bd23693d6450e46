"""Mail on a ticket: writing the mails an action sends to the outbox, in the action's
own transaction (``console.data.outbox``), and the automatic ones, acknowledgement and
closing notice, from the department's templates."""

from __future__ import annotations

from console.data.errors import NotFound
from console.data.models import OutboxMail
from console.data.outbox import (
    ACKNOWLEDGEMENT,
    NOT_MAILED,
    Inbound,
    Mail,
    cancel_queued,
    notice_mail,
    queue_mail,
    requeue,
)
from console.data.records import TicketRecord
from console.data.tickets.frame import Frame, _Action

#: The history event of a mail written to the outbox, or held back.
MAIL = "mail"


class Mailing(Frame):
    """The mails actions send."""

    async def _mail(self, act: _Action, item: Mail) -> OutboxMail | None:
        """Queue ``item`` on the ticket being acted on.  The outbox is its record; an
        automatic mail the loop rules hold back is recorded in history, saying why."""
        row = await queue_mail(act.session, self.mail, act.ticket, item, self.clock())
        if not item.automatic:  # the agent's own mail: the answer says what became of it
            act.mailed.append(row if isinstance(row, str) else row.detail or row.state)
        if isinstance(row, str):
            if item.automatic and not row.startswith(NOT_MAILED):
                self._event(act, MAIL, None, None, row)
            return None
        return row

    async def _notice(
        self, act: _Action, kind: str, answering: Inbound | None = None
    ) -> OutboxMail | None:
        """The acknowledgement or closing notice of the ticket being acted on."""
        item = await notice_mail(act.session, act.ticket, kind, answering)
        return None if item is None else await self._mail(act, item)

    async def acknowledge(self, number: int, answering: Inbound | None = None) -> bool:
        """Send the acknowledgement of a ticket made from mail (``answering``: the facts
        of that mail, which the loop rules check).  True when it was queued."""
        async with self.db.write() as session:
            ticket, facts = await self._lock(session, number)
            act = _Action(session, ticket, facts)
            row = await self._notice(act, ACKNOWLEDGEMENT, answering)
            await self._finish(act, touch=False)
        return row is not None

    async def retry_mail(self, number: int, mail_id: int, *, cancel: bool = False) -> TicketRecord:
        """Put a failed mail of the ticket back in the outbox, to be sent at once (what
        ``mail retry ID`` does), or with ``cancel`` cancel a queued one (``mail cancel
        ID``); the ticket's history says who did it."""
        async with self.db.write() as session:
            ticket, facts = await self._lock(session, number)
            act = _Action(session, ticket, facts)
            row = await session.get(OutboxMail, mail_id)
            if row is None or row.ticket_id != ticket.id:
                raise NotFound(f"No mail {mail_id} of #{number} in the outbox.")
            to = row.recipients.replace(",", ", ")
            if cancel:
                cancel_queued(row)
                self._event(act, MAIL, None, None, f"mail {mail_id} to {to} cancelled")
            else:
                requeue(row, self.clock(), self.mail)
                self._event(act, MAIL, None, None, f"mail {mail_id} to {to} queued again")
            await self._finish(act, touch=False)
            return await self._answer(session, number)
