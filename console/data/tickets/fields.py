"""Fields: editing a ticket's subject, description, priority, channel, department,
categories, due time, stickiness, contact and account (``EDITABLE_FIELDS``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.errors import BadValue
from console.data.models import Account, Contact
from console.data.records import (
    EDITABLE_FIELDS,
    TicketRecord,
    channel_name,
    priority_name,
    priority_rank,
)
from console.data.tickets.checks import aware, checked
from console.data.tickets.creating import department_name, find_account, find_department
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action


async def account_name(session: AsyncSession, account_id: int | None) -> str | None:
    """An account's name by id (``None`` for none)."""
    if account_id is None:
        return None
    return (
        await session.execute(select(Account.name).where(Account.id == account_id))
    ).scalar_one_or_none()


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
                elif name == "contact":
                    await self._set_contact(act, str(value or ""))
                elif name == "account":
                    text = str(value or "").strip()
                    new = await find_account(act.session, text) if text else None
                    old = await account_name(act.session, t.account_id)
                    self._set(
                        act,
                        "edit",
                        "account_id",
                        new.id if new else None,
                        (old, new.name if new else None),
                    )
            if not act.events:
                raise BadValue(f"Nothing changed on #{number}.")

        return await self._run(number, Action.EDIT, expected_version, change)

    async def _set_contact(self, act: _Action, who: str) -> None:
        """The ticket's contact, found by email or by name (one of that name)."""
        text = who.strip()
        if not text:
            raise BadValue("A ticket needs a contact; give an email or a name.")
        found = list(
            (
                await act.session.execute(
                    select(Contact).where(
                        or_(
                            func.lower(Contact.email) == text.lower(),
                            func.lower(Contact.name) == text.lower(),
                        )
                    )
                )
            ).scalars()
        )
        if not found:
            raise BadValue(f"No contact {text!r}; `agent-console contact list` shows them.")
        if len(found) > 1:
            raise BadValue(f"{len(found)} contacts are called {text!r}; name one by email.")
        old = (
            await act.session.execute(
                select(Contact.name).where(Contact.id == act.ticket.contact_id)
            )
        ).scalar_one_or_none()
        self._set(act, "edit", "contact_id", found[0].id, (old, found[0].name))
