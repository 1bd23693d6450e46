"""Tag, then act, on the queue: tag tickets, pick an action for all of them, see what
would change and what would be refused, apply it ticket by ticket, and undo it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work

from console.data.actions import BY_ID, Action
from console.data.bulk import Bulk, BulkRequest
from console.data.errors import ConsoleError
from console.keys import key_hint
from console.screens.bulk import BulkActionPicker, BulkPreviewScreen, BulkReportScreen
from console.screens.form import Field, FieldError, FormScreen
from console.screens.queue_base import QueueScreenBase
from console.screens.ticket_forms import agent_field, field_time, when_field
from console.widgets.ticket_queue import TicketQueue

#: Most tickets ``*`` tags at once (a bulk action is one transaction per ticket).
BULK_LIMIT = 5000


def _request(make: Callable[[dict[str, Any]], BulkRequest]) -> Callable[..., Any]:
    """A form's submit that only builds the bulk request (the preview comes next)."""

    async def submit(values: dict[str, Any]) -> BulkRequest:
        return make(values)

    return submit


class TaggedActions(QueueScreenBase):
    """The part of the queue screen that acts on tagged tickets."""

    def action_tag(self) -> None:
        """``space``: tag (or untag) the ticket under the cursor."""
        self.query_one(TicketQueue).toggle_tag()
        self.show_status()

    @work(exclusive=True, group="tag-all", exit_on_error=False)
    async def action_tag_all(self) -> None:
        """Tag every ticket of the queue as it is now filtered (again: untag them)."""
        queue = self.query_one(TicketQueue)
        try:
            numbers, total = await self.ctx.queries.numbers(self.shown_query, limit=BULK_LIMIT)
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if numbers and set(numbers) <= queue.tagged:
            queue.set_tags(queue.tagged - set(numbers))
            self.ctx.tell("Untagged {n:,} tickets.", n=len(numbers), timeout=3)
        else:
            queue.set_tags(queue.tagged | set(numbers))
            more = f" (the first {len(numbers):,} of {total:,})" if total > len(numbers) else ""
            self.ctx.tell(
                "Tagged {n:,} tickets{more}; {act} then an action key acts on them.",
                n=len(numbers),
                more=more,
                act=key_hint(self.app, "main.bulk"),
                timeout=4,
            )
        self.show_status()

    def _bulk_keys(self) -> dict[str, str]:
        """Key -> action id, for the actions that work on tagged tickets, as the queue's
        keys are mapped now."""
        keys = {}
        for key, active in self.every_binding.items():
            binding_id = active.binding.id or ""
            action = BY_ID.get(binding_id.removeprefix("ticket."))
            if binding_id.startswith("ticket.") and action is not None and action.bulk:
                keys[key] = action.id
        return keys

    def action_bulk(self) -> None:
        """``;``: the next key names the action for every tagged ticket."""
        queue = self.query_one(TicketQueue)
        if not queue.tagged:
            self.ctx.tell(
                "No tagged tickets: {tag} tags the one under the cursor, {tag_all} every one "
                "shown.",
                tag=key_hint(self.app, "main.tag"),
                tag_all=key_hint(self.app, "main.tag_all"),
                timeout=4,
            )
            return
        numbers = sorted(queue.tagged)

        def chosen(action: str | None) -> None:
            if action:
                self.bulk_request(action, numbers)

        self.app.push_screen(BulkActionPicker(len(numbers), self._bulk_keys()), chosen)

    @work(group="bulk", exit_on_error=False)
    async def bulk_request(self, action: str, numbers: list[int]) -> None:
        """Ask what the action needs (an agent, a time, a resolution), then preview."""
        ctx = self.ctx
        form: FormScreen | None = None
        kind = Action(action)
        if kind is Action.ASSIGN:
            form = FormScreen(
                f"Assign {len(numbers):,} tagged tickets",
                [agent_field(await ctx.queries.agents())],
                _request(lambda v: BulkRequest(kind, assignee=v["agent"])),
            )
        elif kind is Action.SCHEDULE:
            form = FormScreen(
                f"Schedule {len(numbers):,} tagged tickets",
                [when_field(ctx.clock())],
                _request(lambda v: BulkRequest(kind, at=field_time(v, "when", ctx.clock()))),
            )
        elif kind is Action.CLOSE:
            form = FormScreen(
                f"Close {len(numbers):,} tagged tickets",
                [Field("resolution", "Resolution for all of them (optional)", "text")],
                _request(lambda v: BulkRequest(kind, resolution=v["resolution"] or None)),
            )
        elif kind is Action.DELETE:
            count = len(numbers)

            async def confirmed(values: dict[str, Any]) -> BulkRequest:
                if values["confirm"].strip().lower() != f"delete {count}":
                    raise FieldError("confirm", f"Type: delete {count}")
                return BulkRequest(kind)

            form = FormScreen(
                f"Delete {count:,} tagged tickets for good",
                [Field("confirm", f"Type 'delete {count}' to confirm; it cannot be undone")],
                confirmed,
            )
        request = await self.app.push_screen_wait(form) if form is not None else BulkRequest(kind)
        if request is None:
            return
        bulk = Bulk(ctx.service)
        try:
            preview = await bulk.preview(request, numbers)
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if not await self.app.push_screen_wait(BulkPreviewScreen(preview)):
            return
        ctx.tell(
            "{action}: working on {n:,} tickets…",
            action=request.name,
            n=len(preview.changes),
            timeout=3,
        )
        report = await bulk.apply(request, [n for n, _ in preview.changes])
        queue = self.query_one(TicketQueue)
        queue.set_tags(queue.tagged - {o.number for o in report.done})
        self.ctx.last_change = report
        self.reload(keep_position=True)
        await self.app.push_screen_wait(BulkReportScreen(report, undo_key="U"))
