"""Canned replies: named reply texts with placeholders, personal (the config file's
``[[canned]]`` tables) or shared with a team (stored here, seen by every member).

Placeholders are filled from the ticket when a canned reply is inserted:
``{contact.first_name}``, ``{number}``, ``{agent}`` (the agent writing) and
``{department}``.  Any other ``{word}`` in a canned reply is refused when it is saved, so
a typo never reaches a customer.  A canned reply may carry an action done when the reply
is sent: ``close`` (send and close).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select

from console.data.acting import Acting
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import CannedReplyRow, Team
from console.data.records import TicketRecord

PLACEHOLDERS = ("contact.first_name", "number", "agent", "department")
#: What a canned reply can do besides inserting its text, and how it is said.
ACTIONS = {"close": "send and close"}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


@dataclass(frozen=True)
class CannedReply:
    """A canned reply as the console and the command line show it."""

    name: str
    body: str
    #: done when the reply is sent (a key of ACTIONS), or None
    action: str | None = None
    #: the team it is shared with; None for one's own (the config file)
    team: str | None = None


def check_canned(name: str, body: str, action: str | None) -> str | None:
    """Why a canned reply cannot be saved, or None."""
    if not NAME.fullmatch(name):
        return (
            f"A canned reply's name is letters, digits, - and _ (up to 40), such as "
            f"'thanks'; not {name!r}."
        )
    if not body.strip():
        return f"Canned reply {name!r} needs some text."
    unknown = [p for p in _PLACEHOLDER.findall(body) if p not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        return f"{{{unknown[0]}}} is not a placeholder; use {known}."
    if action is not None and action not in ACTIONS:
        return f"Unknown action {action!r} for a canned reply; use: {', '.join(ACTIONS)}."
    return None


def _checked(name: str, body: str, action: str | None) -> None:
    problem = check_canned(name, body, action)
    if problem:
        raise BadValue(problem)


def fill(body: str, ticket: TicketRecord, agent: str) -> str:
    """The canned reply's text for this ticket, written by ``agent``."""
    contact = (ticket.contact or "").split()
    values = {
        "contact.first_name": contact[0] if contact else "",
        "number": str(ticket.number),
        "agent": agent,
        "department": ticket.department or "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


class TeamCanned(Acting):
    """The canned replies shared with the acting agent's team."""

    def _team(self) -> int:
        if self.actor.team_id is None:
            raise Refused(f"{self.actor.username} is in no team to share canned replies with.")
        return self.actor.team_id

    async def list(self) -> list[CannedReply]:
        """Every canned reply of the team, by name."""
        if self.actor.team_id is None:
            return []
        async with self.db.read() as session:
            rows = await session.execute(
                select(CannedReplyRow, Team.name)
                .join(Team, Team.id == CannedReplyRow.team_id)
                .where(CannedReplyRow.team_id == self.actor.team_id)
                .order_by(CannedReplyRow.name)
            )
            return [CannedReply(r.name, r.body, r.action, team) for r, team in rows]

    async def _find(self, name: str) -> CannedReply:
        found = [c for c in await self.list() if c.name == name]
        if not found:
            raise NotFound(f"Your team has no canned reply named {name!r}.")
        return found[0]

    async def add(self, name: str, body: str, action: str | None = None) -> CannedReply:
        """Share a new canned reply with the team."""
        team = self._team()
        _checked(name, body, action)
        async with self.db.write() as session:
            taken = await session.execute(
                select(CannedReplyRow.id).where(
                    CannedReplyRow.team_id == team, CannedReplyRow.name == name
                )
            )
            if taken.first() is not None:
                raise BadValue(f"Your team already has a canned reply named {name!r}; edit it.")
            session.add(
                CannedReplyRow(
                    team_id=team,
                    name=name,
                    body=body,
                    action=action,
                    created_by=self.actor.id,
                    updated_at=self.clock(),
                )
            )
        return await self._find(name)

    async def edit(
        self,
        name: str,
        *,
        body: str | None = None,
        action: str | None = None,
        no_action: bool = False,
    ) -> CannedReply:
        """Change a team's canned reply (what is not given stays; ``no_action`` drops
        its action)."""
        team = self._team()
        async with self.db.write() as session:
            row = (
                await session.execute(
                    select(CannedReplyRow).where(
                        CannedReplyRow.team_id == team, CannedReplyRow.name == name
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                raise NotFound(f"Your team has no canned reply named {name!r}.")
            new_body = row.body if body is None else body
            new_action = None if no_action else (action or row.action)
            _checked(name, new_body, new_action)
            row.body, row.action = new_body, new_action
            row.created_by, row.updated_at = self.actor.id, self.clock()
        return await self._find(name)

    async def remove(self, name: str) -> None:
        """Stop sharing a canned reply."""
        team = self._team()
        async with self.db.write() as session:
            gone = await session.execute(
                delete(CannedReplyRow).where(
                    CannedReplyRow.team_id == team, CannedReplyRow.name == name
                )
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise NotFound(f"Your team has no canned reply named {name!r}.")
