"""Acting on many tagged tickets at once: a preview, a per-ticket report, and undo.

Every ticket is its own transaction through the ordinary services, so one refusal (the
workflow, scope, a conflict) never holds back the rest, and history reads exactly as if
each had been done by hand.  The preview runs the same workflow rules without changing
anything.  Undo puts back what a bulk assign, release or stage change altered, on each
ticket no one has touched since (its version is still the one the bulk action left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from console.data.actions import BULK, action_of
from console.data.errors import BadValue, Conflict, ConsoleError
from console.data.models import Account, Ticket
from console.data.queries import MERGED, OWNER, ticket_facts
from console.data.records import TicketRecord, out_of_queues
from console.data.tickets import TicketService, find_assignee
from console.data.when import show_local
from console.data.workflow import (
    ACTION_NAMES,
    Action,
    Assignee,
    TicketFacts,
    next_status,
    refusal,
)

#: The actions that can be applied to tagged tickets (the table's bulk rows).
BULK_ACTIONS: tuple[Action, ...] = tuple(Action(a.id) for a in BULK)

#: The ticket columns an undo can put back, by the bulk actions that change them.
_UNDONE = ("owner_id", "status", "scheduled_at", "closed_at")

_CHUNK = 500


@dataclass(frozen=True)
class BulkRequest:
    """One action for many tickets, with what it needs (an agent, a time, a resolution)."""

    action: Action
    assignee: str | None = None
    at: datetime | None = None
    resolution: str | None = None

    def __post_init__(self) -> None:
        if self.action not in BULK_ACTIONS:
            names = ", ".join(ACTION_NAMES[a].lower() for a in BULK_ACTIONS)
            raise BadValue(f"{ACTION_NAMES[self.action]} is not a bulk action; use {names}.")
        if self.action is Action.ASSIGN and not self.assignee:
            raise BadValue("Assign needs the agent to assign the tickets to.")
        if self.action is Action.SCHEDULE and self.at is None:
            raise BadValue("Schedule needs the time to schedule the tickets for.")

    @property
    def name(self) -> str:
        """The action's name in sentences."""
        return ACTION_NAMES[self.action]

    def arguments(self) -> dict[str, Any]:
        """What the action's service method takes besides the ticket."""
        if self.action is Action.ASSIGN:
            return {"to": self.assignee}
        if self.action is Action.SCHEDULE:
            return {"at": self.at}
        if self.action is Action.CLOSE:
            return {"resolution": self.resolution}
        if self.action is Action.DELETE:
            return {"confirm": True}
        return {}


@dataclass(frozen=True)
class Preview:
    """What applying a request would do: per ticket, the change or the refusal."""

    request: BulkRequest
    changes: list[tuple[int, str]]  # ticket number, what will change
    refused: list[tuple[int, str]]  # ticket number, why not
    subjects: dict[int, str] = field(default_factory=dict)  # of the tickets one may see

    @property
    def total(self) -> int:
        return len(self.changes) + len(self.refused)

    def sections(self) -> list[tuple[str, bool, list[tuple[int, str, str]]]]:
        """The preview as the console and the command line show it: "Will change" and
        "Will be refused" (the flag), each ticket with its subject and what changes or why
        not; a section with no ticket is left out.  The text is as stored: show it cleaned."""
        sections = []
        for heading, refused, tickets in (
            ("Will change", False, self.changes),
            ("Will be refused", True, self.refused),
        ):
            if tickets:
                rows = [(n, self.subjects.get(n, ""), what) for n, what in tickets]
                sections.append((f"{heading} ({len(tickets):,})", refused, rows))
        return sections


@dataclass(frozen=True)
class Outcome:
    """What happened to one ticket."""

    number: int
    done: bool
    message: str
    #: Version the action left, and the values it replaced (for undo); None when refused.
    version: int | None = None
    before: dict[str, Any] | None = None


@dataclass
class Report:
    """The result of a bulk action, ticket by ticket."""

    request: BulkRequest
    outcomes: list[Outcome] = field(default_factory=list)
    undone: bool = False
    #: One ticket's action taken by hand (``Report.of_one``), not a bulk action.
    by_hand: bool = False

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]

    @property
    def undoable(self) -> bool:
        """Assign, release and stage changes can be undone (pick up is an assign to me);
        a deletion cannot."""
        return not self.undone and bool(self.done) and self.request.action is not Action.DELETE

    @classmethod
    def of_one(
        cls, action: Action, number: int, before: dict[str, Any], record: TicketRecord
    ) -> Report:
        """One ticket's action taken by hand, as a report an undo puts back: ``before`` is
        what the ticket held (``Bulk.undo_point``), ``record`` the ticket as the action
        left it."""
        request = BulkRequest(action, assignee=record.owner, at=record.planned_for)
        outcome = Outcome(number, True, request.name, record.version, before)
        return cls(request, [outcome], by_hand=True)

    def summary(self) -> str:
        if self.undone:
            left = f", {len(self.refused)} left as they are" if self.refused else ""
            return f"Undo of {self.request.name.lower()}: {len(self.done)} put back{left}."
        what = f"{self.request.name}: {len(self.done)} done"
        return what + (f", {len(self.refused)} refused" if self.refused else "") + "."


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return show_local(value)
    return str(value)


class Bulk:
    """Bulk actions taken by one agent through that agent's ticket services."""

    def __init__(self, service: TicketService) -> None:
        self.service = service
        self.actor = service.actor

    async def _facts(self, numbers: Sequence[int]) -> dict[int, tuple[TicketFacts, Ticket]]:
        """The workflow facts of every ticket the actor may see, read a chunk at a time."""
        queries = self.service.queries
        merged, owner = MERGED, OWNER
        found: dict[int, tuple[TicketFacts, Ticket]] = {}
        async with self.service.db.read() as session:
            scope = await queries.scope(session)
            for start in range(0, len(numbers), _CHUNK):
                chunk = list(numbers[start : start + _CHUNK])
                rows = await session.execute(
                    select(Ticket, owner.username, Account.name, Account.amc_expires, merged.number)
                    .outerjoin(owner, owner.id == Ticket.owner_id)
                    .outerjoin(Account, Account.id == Ticket.account_id)
                    .outerjoin(merged, merged.id == Ticket.merged_into_id)
                    .where(Ticket.number.in_(chunk), scope.clause())
                )
                for ticket, owner_name, account, expires, into in rows:
                    facts = ticket_facts(ticket, owner_name, account, expires, into)
                    found[ticket.number] = (facts, ticket)
        return found

    async def undo_point(self, number: int) -> tuple[int, dict[str, Any]] | None:
        """A ticket's version and what an undo of the next action on it puts back (its
        owner, status, scheduled and closed times); None when the actor may not see it."""
        seen = (await self._facts([number])).get(number)
        if seen is None:
            return None
        return seen[1].version, {name: getattr(seen[1], name) for name in _UNDONE}

    async def _assignee(self, username: str) -> Assignee:
        async with self.service.db.read() as session:
            return await find_assignee(session, username)

    def _change(self, request: BulkRequest, facts: TicketFacts) -> str:
        match request.action:
            case Action.PICK_UP:
                return f"owner — → {self.actor.username}"
            case Action.ASSIGN:
                return f"owner {_shown(facts.owner_name)} → {request.assignee}"
            case Action.RELEASE:
                return f"owner {_shown(facts.owner_name)} → —"
            case Action.DELETE:
                return "deleted for good (its history stays)"
            case _:
                moved = f"{facts.status.value} → {next_status(request.action, facts.status).value}"
                if request.action is Action.SCHEDULE:
                    moved += f" for {_shown(request.at)}"
                if request.action is Action.CLOSE and request.resolution:
                    moved += ", with the resolution"
                return moved

    async def preview(self, request: BulkRequest, numbers: Sequence[int]) -> Preview:
        """What ``request`` would change on each ticket, and which would be refused and why;
        nothing is written."""
        assignee = await self._assignee(request.assignee) if request.assignee else None
        facts = await self._facts(numbers)
        changes, refused = [], []
        for number in numbers:
            if number not in facts:
                refused.append((number, f"No ticket #{number} (or not one you may see)."))
                continue
            why = refusal(request.action, self.actor, facts[number][0], assignee=assignee)
            if why:
                refused.append((number, why))
            else:
                changes.append((number, self._change(request, facts[number][0])))
        subjects = {number: ticket.subject for number, (_f, ticket) in facts.items()}
        return Preview(request, changes, refused, subjects)

    async def _one(self, request: BulkRequest, number: int, version: int | None) -> Any:
        """The action on one ticket, through the same service method as by hand."""
        action = action_of(request.action)
        method = getattr(self.service, action.method)
        if not action.versioned:
            return await method(number, **request.arguments())
        return await method(number, **request.arguments(), expected_version=version)

    async def apply(self, request: BulkRequest, numbers: Sequence[int]) -> Report:
        """Apply ``request`` to each ticket in its own transaction; a refusal or conflict on
        one is reported and the rest go on."""
        report = Report(request)
        before = await self._facts(numbers)
        for number in numbers:
            seen = before.get(number)
            try:
                record = await self._one(
                    request, number, seen[1].version if seen is not None else None
                )
            except ConsoleError as exc:
                report.outcomes.append(Outcome(number, False, str(exc)))
                continue
            assert seen is not None
            old = {name: getattr(seen[1], name) for name in _UNDONE}
            said = self._change(request, seen[0])
            if record is None:  # deleted: nothing is left to show or to undo
                report.outcomes.append(Outcome(number, True, said, None, old))
                continue
            if not record.visible:
                said += f"; {out_of_queues(number)}"
            # ``record`` is the ticket as this action left it: its version is the one an
            # undo may put back over, and no later one.
            report.outcomes.append(Outcome(number, True, said, record.version, old))
        return report

    async def undo(self, report: Report) -> Report:
        """Put back what ``report``'s action changed, on every ticket still at the version
        it left; the others are reported with who changed them since."""
        if not report.undoable:
            raise BadValue("There is no bulk action to undo.")
        result = Report(report.request, undone=True, by_hand=report.by_hand)
        for outcome in report.done:
            assert outcome.version is not None and outcome.before is not None
            try:
                await self.service.restore(
                    outcome.number, outcome.before, expected_version=outcome.version
                )
            except Conflict as exc:
                # Only the version this bulk action wrote is put back over: a later change
                # is someone's work (or one's own), and stays.
                result.outcomes.append(
                    Outcome(
                        outcome.number,
                        False,
                        f"#{outcome.number} was changed by {exc.by} at "
                        f"{exc.at:%Y-%m-%d %H:%M} UTC ({exc.action}) after the "
                        f"{report.request.name.lower()}; left as it is.",
                    )
                )
            except ConsoleError as exc:
                result.outcomes.append(Outcome(outcome.number, False, str(exc)))
            else:
                result.outcomes.append(Outcome(outcome.number, True, "put back"))
        report.undone = True
        return result
