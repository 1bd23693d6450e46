"""The actions on a ticket, shared by the queue screen and the ticket screen.

A key for an action first asks the data layer whether the agent may take it now; if not,
the plain sentence why is shown instead of a form.  What each action is (its rule, its
form, its notice) is its row in the table of actions; the forms run the service
themselves, so a refusal or a conflict is shown in the form and what was typed is kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual import work
from textual.binding import ActiveBinding

from console.context import InConsole
from console.data.actions import BY_ID, KEYED, TicketAction
from console.data.bulk import Bulk, Report
from console.data.errors import Conflict, ConsoleError
from console.data.presence import REPLYING
from console.data.records import (
    TicketDetail,
    TicketRecord,
    TicketRow,
    mail_fate,
    out_of_queues,
)
from console.data.workflow import Action
from console.messages import TicketChanged
from console.screens.bulk import BulkReportScreen
from console.screens.form import ConfirmScreen
from console.screens.ticket_forms import FORMS, FormRequest, Version
from console.screens.under_dialogs import DrawnUnderDialogs

#: The actions one ticket's undo puts back (bulk undo puts back the same ones).
UNDOABLE = frozenset({"pickup", "assign", "release", "schedule", "start", "close", "reopen"})
#: A ticket's version and the values an undo of the next action on it puts back.
UndoPoint = tuple[int, dict[str, Any]] | None


class TicketActions(InConsole, DrawnUnderDialogs):
    """A screen that shows a current ticket and takes the ticket actions on it.

    The screen provides ``current_ticket()`` -> (number, version) or None; after an
    action every screen hears ``TicketChanged`` and shows the ticket as it is now.
    """

    def current_ticket(self) -> tuple[int, int] | None:  # pragma: no cover - abstract
        """The ticket under the cursor (or shown) and the version it was read at."""
        raise NotImplementedError

    _acting = False

    #: the current ticket as last read: the footer offers only what it allows now
    footer_detail: TicketDetail | None = None
    #: The footer's ticket actions a queue row allows (when no ticket is read).
    footer_row_actions: set[str] = set()  # noqa: RUF012 (replaced, never changed in place)

    def offer_keys_of(self, detail: TicketDetail | None) -> None:
        """Show in the footer the actions allowed now on this ticket."""
        self._offer(detail, set())

    def offer_keys_of_row(self, row: TicketRow | None) -> None:
        """With no ticket read (the detail pane hidden), the footer offers what the queue
        row's facts allow: its stage, its owner, my role (nothing more is read)."""
        self._offer(
            None, set() if row is None else shown_actions(self.ctx.queries.allowed_from_row(row))
        )

    def _offer(self, detail: TicketDetail | None, row_actions: set[str]) -> None:
        # The footer is rebuilt (its keys laid out again) only when what it offers
        # changed: the next ticket mostly allows the same, and a rebuild on every cursor
        # move is most of what moving costs.
        before = self.offered_actions()
        self.footer_detail = detail
        self.footer_row_actions = row_actions
        if self.offered_actions() != before:
            self.refresh_bindings()

    def offered_actions(self) -> set[str]:
        """The ids of the ticket actions the footer offers now."""
        return footer_actions(self.footer_detail) | self.footer_row_actions

    @property
    def every_binding(self) -> dict[str, ActiveBinding]:
        """Every binding active on the screen, each ticket action's key included."""
        return super().active_bindings

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The screen's bindings, with the footer's ticket actions those allowed now:
        also ``D`` when an approval waits on me and ``O`` when there are attachments."""
        offered = self.offered_actions()
        found: dict[str, ActiveBinding] = {}
        for key, active in super().active_bindings.items():
            action_id = (active.binding.id or "").removeprefix("ticket.")
            if active.binding.id != action_id and action_id in BY_ID:
                if action_id not in offered:
                    continue
                active = active._replace(binding=dataclasses.replace(active.binding, show=True))
            found[key] = active
        return found

    async def read_ticket(self, number: int, parts: frozenset[str]) -> TicketDetail:
        """A ticket with the parts of it (the tabs) its detail view shows."""
        return await self.ctx.queries.detail(number, parts)

    def ticket_changed(self, number: int) -> None:
        """Tell every screen the ticket changed (each reloads what shows it)."""
        self.ctx.broadcast(TicketChanged(number))

    def action_ticket(self, action: str) -> None:
        """A ticket action's key (the binding passes the action's id)."""
        current = self.current_ticket()
        if current is None:
            self.notify("No ticket selected.", severity="warning", markup=False)
            return
        if self._acting:
            # Never cancel an action half-way: the next key waits for this one.
            self.notify("Still working on the last action…", timeout=2)
            return
        self._acting = True
        self.run_ticket_action(BY_ID[action], *current)

    @work(group="ticket-action", exit_on_error=False)
    async def run_ticket_action(self, action: TicketAction, number: int, version: int) -> None:
        """Check the action is allowed now, then act or open its form."""
        try:
            await self._ticket_action(action, number, version)
        finally:
            self._acting = False

    async def _ticket_action(self, action: TicketAction, number: int, version: int) -> None:
        ctx = self.ctx
        try:
            allowed, current = await ctx.queries.state(number)
            conflict = await ctx.service.conflict(number, version) if current != version else None
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if conflict is not None:
            # Someone changed the ticket since this screen read it: say who, show it anew.
            ctx.tell("{why} Reloaded.", why=str(conflict), severity="warning", timeout=8)
            self.ticket_changed(number)
            return
        why = allowed.get(action.rule.value) if action.rule else None
        if why:
            self.notify(why, severity="warning", markup=False, timeout=6)
            return
        before = None
        if action.id in UNDOABLE:
            try:
                before = await Bulk(ctx.service).undo_point(number)
            except ConsoleError:
                before = None
        if action.form is None:
            await self._act_at_once(action, number, version, before)
            return
        if action.form == "reply" and not await self._reply_as_well(number):
            return
        request = FormRequest(ctx, number, Version(version), self.ticket_changed)
        form = await FORMS[action.form](request)
        if form is not None:
            await self.app.push_screen(
                form, lambda result: self._form_done(action, number, result, before)
            )

    async def _reply_as_well(self, number: int) -> bool:
        """Someone else is replying on the ticket: say so first, and go on only when the
        agent wants to reply as well."""
        try:
            others = await self.ctx.others_on(number)
        except ConsoleError:
            return True  # presence is a courtesy: never a reason not to reply
        writing = [r for r in others if r.doing == REPLYING]
        if not writing:
            return True
        who = " and ".join(f"{r.agent} (since {r.since_local()})" for r in writing)
        verb = "is" if len(writing) == 1 else "are"
        question = f"{who} {verb} replying on #{number} already. Write a reply as well?"
        app: Any = self.app
        return bool(await app.push_screen_wait(ConfirmScreen(question)))

    async def _act_at_once(
        self, action: TicketAction, number: int, version: int, before: UndoPoint
    ) -> None:
        ctx = self.ctx
        try:
            record = await getattr(ctx.service, action.method)(number, expected_version=version)
        except Conflict as exc:
            ctx.tell("{why} Reloaded.", why=str(exc), severity="warning", timeout=8)
        except ConsoleError as exc:
            self.notify(str(exc), severity="warning", markup=False, timeout=6)
        else:
            self._done(action, number, record, before)
        self.ticket_changed(number)

    def _form_done(
        self, action: TicketAction, number: int, result: Any, before: UndoPoint = None
    ) -> None:
        if result is None:
            return
        if isinstance(result, str):
            self.notify(result, markup=False)
        else:
            self._done(action, number, result, before)
        self.ticket_changed(number)

    def _remember(self, action: TicketAction, number: int, record: Any, before: UndoPoint) -> None:
        """Keep what an undo of this action puts back, when the action was the very next
        change after what ``before`` read (one version on): then nothing anyone else did
        in between is put back over."""
        if before is None or not isinstance(record, TicketRecord):
            return
        version, values = before
        if record.version == version + 1:
            self.ctx.last_change = Report.of_one(Action(action.id), number, values, record)

    @work(group="bulk", exit_on_error=False)  # waits on its question, as bulk actions do
    async def action_undo(self) -> None:
        """``U``: put back the last thing I did (a bulk action, or one ticket's release,
        assign, pick up or stage change) where no one has touched the ticket since."""
        report = self.ctx.last_change
        if report is None or not report.undoable:
            self.notify("There is nothing of yours to undo.", markup=False, timeout=3)
            return
        what = report.request.name.lower()
        if report.by_hand:
            number = report.outcomes[0].number
            question = f"Undo the {what} of #{number} (if no one has touched it since)?"
        else:
            question = (
                f"Undo {what} on {len(report.done):,} tickets (those no one has touched since)?"
            )
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            return
        result = await Bulk(self.ctx.service).undo(report)
        if result.outcomes:
            # Every screen shows anew on a ticket's change (the queue reloads in place):
            # one message does for all the tickets put back.
            self.ticket_changed(result.outcomes[0].number)
        if not report.by_hand:
            await self.app.push_screen_wait(BulkReportScreen(result))
        elif result.done:
            self.ctx.tell("Undid the {what} of #{number}.", what=what, number=number)
        else:
            self.notify(result.outcomes[0].message, severity="warning", markup=False, timeout=8)

    def _done(
        self, action: TicketAction, number: int, record: Any, before: UndoPoint = None
    ) -> None:
        """The notice of an action done: what it did, what became of the mail it sent,
        and whether the ticket has left the agent's queues by it (saved all the same)."""
        self._remember(action, number, record, before)
        said = []
        if isinstance(record, TicketRecord):
            # The customer's mail is the point of a reply: what became of it, at once.
            said = [mail_fate(m) for m in record.mailed]
            if not record.visible:
                said.append(out_of_queues(record.number))
        if said:
            self.ctx.tell(
                "{done} #{number}: {said}.", done=action.done, number=number, said="; ".join(said)
            )
        else:
            self.ctx.tell("{done} #{number}.", done=action.done, number=number)


def shown_actions(allowed: dict[str, str | None]) -> set[str]:
    """The ids of the footer's ticket actions that ``allowed`` (rule -> why not) allows."""
    return {
        action.id
        for action in KEYED
        if action.show and action.rule and allowed.get(action.rule.value, "x") is None
    }


def footer_actions(detail: TicketDetail | None) -> set[str]:
    """The ids of the ticket actions the footer offers on this ticket now."""
    if detail is None:
        return set()
    offered = shown_actions(detail.actions)
    # (read with the fields, whichever tab is shown: the tabs' own records may not be)
    if detail.marks.awaits_my_decision:
        offered.add("decide")
    if detail.marks.attachments:
        offered.add("save")
    if detail.marks.mail_pending:
        offered.add("outbox")  # a failed mail to retry, a queued one to cancel
    return offered
