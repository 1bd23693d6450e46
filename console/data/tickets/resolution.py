"""The resolution: the one text that says how a ticket was solved, optionally published
to the knowledge base and sent to the contact."""

from __future__ import annotations

from sqlalchemy import select

from console.data import history
from console.data.models import Article, Resolution
from console.data.outbox import RESOLUTION, Mail
from console.data.records import TicketRecord
from console.data.tickets.checks import some_text
from console.data.tickets.conversation import Conversation
from console.data.tickets.frame import _Action
from console.data.workflow import Action


class Resolutions(Conversation):
    """Writing a ticket's resolution (over the conversation: telling the contact is a
    reply)."""

    async def _resolve(
        self, act: _Action, text: str, publish_to_kb: bool, notify_contact: bool
    ) -> None:
        """Write or replace the resolution within an action (``set_resolution``, ``close``)."""
        now = self.clock()
        # No flush for this read: the ticket's change goes out in one UPDATE at the end.
        with act.session.no_autoflush:
            existing = (
                await act.session.execute(
                    select(Resolution).where(Resolution.ticket_id == act.ticket.id)
                )
            ).scalar_one_or_none()
        old = existing.text if existing else None
        if existing is None:
            act.session.add(
                Resolution(
                    ticket_id=act.ticket.id,
                    text=text,
                    publish_to_kb=publish_to_kb,
                    notify_contact=notify_contact,
                    author_id=self.actor.id,
                    updated_at=now,
                )
            )
        else:
            existing.text = text
            existing.publish_to_kb = publish_to_kb
            existing.notify_contact = notify_contact
            existing.author_id = self.actor.id
            existing.updated_at = now
        self._event(act, "resolution", "resolution", history.preview(old), history.preview(text))
        if publish_to_kb:
            article = (
                await act.session.execute(select(Article).where(Article.ticket_id == act.ticket.id))
            ).scalar_one_or_none()
            if article is None:
                act.session.add(
                    Article(
                        title=act.ticket.subject,
                        body=text,
                        ticket_id=act.ticket.id,
                        author_id=self.actor.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif article.body == old:
                # An article edited in the knowledge base keeps its edits.
                article.body = text
                article.updated_at = now
            self._event(act, history.PUBLISH, history.KNOWLEDGE_BASE, None, act.ticket.subject)
        if notify_contact:
            body = f"Resolution:\n{text}"
            message = await self._add_message(act, "reply", body)
            await self._mail(act, Mail(kind=RESOLUTION, body=body, message_row_id=message.id))

    async def set_resolution(
        self,
        number: int,
        text: str,
        *,
        publish_to_kb: bool = False,
        notify_contact: bool = False,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Write or replace the ticket's one resolution."""
        text = some_text(text, "resolution")
        return await self._run(
            number,
            Action.SET_RESOLUTION,
            expected_version,
            lambda act: self._resolve(act, text, publish_to_kb, notify_contact),
        )
