"""The actions on a ticket, shared by the queue screen and the ticket screen.

A key for an action first asks the data layer whether the agent may take it now; if not,
the plain sentence why is shown instead of a form.  Forms run the service themselves, so
a refusal or a conflict is shown in the form and what was typed is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.binding import Binding

from console.data.errors import BadValue, Conflict, ConsoleError
from console.data.records import ACTIVITY_KINDS, EDITABLE_TEXT, AgentRecord, TicketRecord
from console.data.when import EXAMPLES, parse_when, show_local
from console.files import save_attachment
from console.screens.form import Field, FieldError, FormScreen
from console.screens.new_ticket import channel_field, department_field, priority_field
from console.widgets.completion import NamesSuggester, PathSuggester

if TYPE_CHECKING:
    from console.app import AgentConsole

Result = TypeVar("Result")

#: Every ticket action's key binding (ids are stable: users remap them by id).
TICKET_BINDINGS = [
    Binding("p", "ticket('pickup')", "Pick up", id="ticket.pickup"),
    Binding("a", "ticket('assign')", "Assign", id="ticket.assign"),
    Binding("u", "ticket('release')", "Release", show=False, id="ticket.release"),
    Binding("s", "ticket('schedule')", "Schedule", id="ticket.schedule"),
    Binding("S", "ticket('start')", "Start", id="ticket.start"),
    Binding("c", "ticket('close')", "Close", id="ticket.close"),
    Binding("R", "ticket('reopen')", "Reopen", show=False, id="ticket.reopen"),
    Binding("r", "ticket('reply')", "Reply", id="ticket.reply"),
    Binding("m", "ticket('comment')", "Comment", show=False, id="ticket.comment"),
    Binding("n", "ticket('note')", "Note", show=False, id="ticket.note"),
    Binding("t", "ticket('task')", "Task", show=False, id="ticket.task"),
    Binding("A", "ticket('approval')", "Approval", show=False, id="ticket.approval"),
    Binding("T", "ticket('time')", "Log time", show=False, id="ticket.time"),
    Binding("f", "ticket('attach')", "Attach", show=False, id="ticket.attach"),
    Binding("e", "ticket('edit')", "Edit", show=False, id="ticket.edit"),
    Binding("w", "ticket('resolution')", "Resolution", show=False, id="ticket.resolution"),
    Binding("d", "ticket('done')", "Activity done", show=False, id="ticket.done"),
    Binding("D", "ticket('decide')", "Decide approval", show=False, id="ticket.decide"),
    Binding("O", "ticket('save')", "Save attachment", show=False, id="ticket.save"),
]

#: Which workflow rule governs each key's action.
RULE = {
    "done": "task",
    "decide": "approval",
    "save": None,
}

DONE_WORDS = {
    "pickup": "Picked up",
    "release": "Released",
    "start": "Started",
    "reopen": "Reopened",
    "assign": "Assigned",
    "schedule": "Scheduled",
    "close": "Closed",
    "reply": "Replied to",
    "comment": "Commented on",
    "note": "Noted on",
    "task": "Added an activity to",
    "approval": "Requested approval on",
    "time": "Logged time on",
    "attach": "Attached a file to",
    "edit": "Edited",
    "resolution": "Wrote the resolution of",
    "done": "Marked an activity done on",
    "decide": "Decided an approval on",
}


def suggested_time(now: datetime) -> str:
    """The next whole hour at least 30 minutes ahead, in local time."""
    local = now.astimezone() + timedelta(minutes=30)
    nxt = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return nxt.strftime("%Y-%m-%d %H:%M")


def check_when(value: str) -> str | None:
    """The form's check for a typed time."""
    try:
        parse_when(value)
    except BadValue as exc:
        return str(exc)
    return None


def check_minutes(value: str) -> str | None:
    """The form's check for minutes of time."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 1440:
        return "Minutes from 1 to 1440, such as 25."
    return None


def agent_field(agents: Sequence[AgentRecord]) -> Field:
    """Choose an active agent, each shown with role, team and open load."""
    options = [
        (f"{a.username:<12} {a.role:<6} {(a.team or '-'):<10} open {a.open_load}", a.username)
        for a in agents
        if a.active
    ]
    return Field(
        "agent", "Agent (open load shown)", "select", options=options, required=True, value=None
    )


def when_field(now: datetime) -> Field:
    """A time to schedule for, suggested and selected so typing replaces it."""
    return Field(
        "when",
        "When (local time)",
        value=suggested_time(now),
        required=True,
        check=check_when,
        help=EXAMPLES,
        extra={"select_on_focus": True},
    )


class Version:
    """The version of the ticket a form acts on; refreshed after a conflict so the
    agent can send again."""

    def __init__(self, value: int) -> None:
        self.value = value


class TicketActions:
    """Mixin for screens that show a current ticket.

    The screen provides ``current_ticket()`` -> (number, version) or None, and
    ``ticket_changed(number)`` to reload what it shows.
    """

    app: AgentConsole

    def current_ticket(self) -> tuple[int, int] | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def ticket_changed(self, number: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    _acting = False

    def action_ticket(self, action: str) -> None:
        current = self.current_ticket()
        if current is None:
            self.app.notify("No ticket selected.", severity="warning", markup=False)
            return
        if self._acting:
            # Never cancel an action half-way: the next key waits for this one.
            self.app.notify("Still working on the last action…", timeout=2)
            return
        self._acting = True
        self.run_ticket_action(action, *current)

    @work(group="ticket-action", exit_on_error=False)
    async def run_ticket_action(self, action: str, number: int, version: int) -> None:
        try:
            await self._ticket_action(action, number, version)
        finally:
            self._acting = False

    async def _ticket_action(self, action: str, number: int, version: int) -> None:
        app = self.app
        try:
            allowed, current = await app.queries.state(number)
            conflict = await app.service.conflict(number, version) if current != version else None
        except ConsoleError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        if conflict is not None:
            # Someone changed the ticket since this screen read it: say who, show it anew.
            app.tell("{why} Reloaded.", why=str(conflict), severity="warning", timeout=8)
            self.ticket_changed(number)
            return
        rule = RULE.get(action, action)
        why = allowed.get(rule) if rule else None
        if why:
            app.notify(why, severity="warning", markup=False, timeout=6)
            return
        direct = {
            "pickup": app.service.pick_up,
            "release": app.service.release,
            "start": app.service.start,
            "reopen": app.service.reopen,
        }
        if action in direct:
            try:
                await direct[action](number, expected_version=version)
            except Conflict as exc:
                app.tell("{why} Reloaded.", why=str(exc), severity="warning", timeout=8)
            except ConsoleError as exc:
                app.notify(str(exc), severity="warning", markup=False, timeout=6)
            else:
                app.tell("{done} #{number}.", done=DONE_WORDS[action], number=number)
            self.ticket_changed(number)
            return
        form = await self.build_form(action, number, Version(version))
        if form is not None:
            await app.push_screen(form, lambda result: self._form_done(action, number, result))

    def _form_done(self, action: str, number: int, result: Any) -> None:
        if result is None:
            return
        if isinstance(result, str):
            self.app.notify(result, markup=False)
        else:
            self.app.tell(
                "{done} #{number}.", done=DONE_WORDS.get(action, "Updated"), number=number
            )
        self.ticket_changed(number)

    async def build_form(self, action: str, number: int, version: Version) -> FormScreen | None:
        """The form for an action, wired to the service."""
        app = self.app
        service = app.service
        now = app.clock()

        async def guarded(call: Awaitable[Result]) -> Result:
            try:
                return await call
            except Conflict:
                version.value = (await app.queries.ticket(number)).version
                self.ticket_changed(number)
                raise

        needs_agents = action in ("assign", "comment", "task", "approval")
        agents = await app.queries.agents() if needs_agents else []
        names = [a.username for a in agents if a.active]

        match action:
            case "assign":

                async def assign(values: dict[str, Any]) -> TicketRecord:
                    return await guarded(
                        service.assign(number, values["agent"], expected_version=version.value)
                    )

                return FormScreen(f"Assign #{number}", [agent_field(agents)], assign)
            case "schedule":

                async def schedule(values: dict[str, Any]) -> TicketRecord:
                    when = field_time(values, "when", app.clock())
                    return await guarded(
                        service.schedule(number, when, expected_version=version.value)
                    )

                return FormScreen(f"Schedule #{number}", [when_field(now)], schedule)
            case "close":

                async def close(values: dict[str, Any]) -> TicketRecord:
                    return await guarded(
                        service.close(
                            number,
                            resolution=values["resolution"] or None,
                            publish_to_kb=values["publish"],
                            notify_contact=values["notify"],
                            expected_version=version.value,
                        )
                    )

                return FormScreen(
                    f"Close #{number}",
                    [
                        Field("resolution", "Resolution (optional)", "text"),
                        Field("publish", "Publish to knowledge base", "checkbox", False),
                        Field("notify", "Send the resolution to the contact", "checkbox", False),
                    ],
                    close,
                )
            case "reply" | "comment" | "note":
                call = {"reply": service.reply, "comment": service.comment, "note": service.note}[
                    action
                ]
                title = {
                    "reply": "Public reply to the customer",
                    "comment": "Internal comment (@name mentions an agent; tab completes)",
                    "note": "Private note",
                }[action]

                async def message(values: dict[str, Any]) -> TicketRecord:
                    try:
                        return await guarded(
                            call(number, values["body"], expected_version=version.value)
                        )
                    except BadValue as exc:
                        raise FieldError("body", str(exc)) from None

                kind = "mention" if action == "comment" else "text"
                return FormScreen(
                    f"{action.capitalize()} on #{number}",
                    [Field("body", title, kind, required=True, extra={"names": names})],
                    message,
                )
            case "task":

                async def task(values: dict[str, Any]) -> TicketRecord:
                    owner = (values["owner"] or "").strip() or None
                    if owner and owner not in names:
                        raise FieldError("owner", f"No agent named {owner!r}.")
                    return await guarded(
                        service.add_activity(
                            number,
                            values["title"],
                            kind=values["kind"] or "task",
                            owner=owner,
                            due=field_time(values, "due", app.clock()) if values["due"] else None,
                            reminder=(
                                field_time(values, "reminder", app.clock())
                                if values["reminder"]
                                else None
                            ),
                            expected_version=version.value,
                        )
                    )

                return FormScreen(
                    f"Add a task, call or event to #{number}",
                    [
                        Field(
                            "kind",
                            "Kind",
                            "select",
                            "task",
                            options=[(k, k) for k in ACTIVITY_KINDS],
                            required=True,
                        ),
                        Field("title", "Title", required=True),
                        Field("owner", "Owner (empty: you)", suggester=NamesSuggester(names)),
                        Field(
                            "due", "Due", check=check_when, placeholder="+1d or 2026-03-02 14:00"
                        ),
                        Field("reminder", "Reminder", check=check_when, placeholder="+4h"),
                    ],
                    task,
                )
            case "approval":
                expired = (await app.queries.ticket(number)).amc_state == "expired"

                async def approval(values: dict[str, Any]) -> TicketRecord:
                    approvers = [n.strip() for n in values["approvers"].split(",") if n.strip()]
                    unknown = [n for n in approvers if n not in names]
                    if unknown:
                        raise FieldError("approvers", "Not agents: " + ", ".join(unknown) + ".")
                    return await guarded(
                        service.request_approval(
                            number,
                            approvers,
                            values["subject"],
                            details=values["details"],
                            amc_exception=bool(values.get("amc")),
                            expected_version=version.value,
                        )
                    )

                fields = [
                    Field(
                        "approvers",
                        "Approvers (comma-separated usernames)",
                        required=True,
                        suggester=NamesSuggester(names),
                    ),
                    Field("subject", "Subject", required=True),
                    Field("details", "Details", "text"),
                ]
                if expired:
                    fields.append(
                        Field(
                            "amc",
                            "AMC exception (lifts the support-contract gate)",
                            "checkbox",
                            True,
                        )
                    )
                return FormScreen(f"Request approval on #{number}", fields, approval)
            case "decide":
                detail = await app.queries.detail(number)
                me = app.actor_name
                pending = [
                    a for a in detail.approvals if a.state == "pending" and me in a.approvers
                ]
                if not pending:
                    app.tell(
                        "No approval on #{number} is waiting on you.",
                        number=number,
                        severity="warning",
                    )
                    return None

                async def decide(values: dict[str, Any]) -> TicketRecord:
                    return await service.decide_approval(
                        values["approval"],
                        values["decision"] == "approve",
                        comment=values["comment"] or None,
                    )

                return FormScreen(
                    f"Decide an approval on #{number}",
                    [
                        Field(
                            "approval",
                            "Approval",
                            "select",
                            pending[0].id,
                            required=True,
                            options=[(f"{a.id}: {a.subject}", a.id) for a in pending],
                        ),
                        Field(
                            "decision",
                            "Decision",
                            "select",
                            "approve",
                            required=True,
                            options=[("Approve", "approve"), ("Reject", "reject")],
                        ),
                        Field("comment", "Comment", "text"),
                    ],
                    decide,
                )
            case "resolution":
                detail = await app.queries.detail(number)
                res = detail.resolution

                async def resolve(values: dict[str, Any]) -> TicketRecord:
                    return await guarded(
                        service.set_resolution(
                            number,
                            values["text"],
                            publish_to_kb=values["publish"],
                            notify_contact=values["notify"],
                            expected_version=version.value,
                        )
                    )

                return FormScreen(
                    f"Resolution of #{number}",
                    [
                        Field("text", "Resolution", "text", res.text if res else "", required=True),
                        Field(
                            "publish",
                            "Publish to knowledge base",
                            "checkbox",
                            res.publish_to_kb if res else False,
                        ),
                        Field("notify", "Send the resolution to the contact", "checkbox", False),
                    ],
                    resolve,
                )
            case "time":

                async def log(values: dict[str, Any]) -> TicketRecord:
                    return await guarded(
                        service.log_time(
                            number,
                            int(values["minutes"]),
                            billable=values["billable"],
                            note=values["note"],
                            expected_version=version.value,
                        )
                    )

                return FormScreen(
                    f"Log time on #{number}",
                    [
                        Field(
                            "minutes",
                            "Minutes",
                            required=True,
                            check=check_minutes,
                            placeholder="25",
                        ),
                        Field("billable", "Billable", "checkbox", False),
                        Field("note", "Note"),
                    ],
                    log,
                )
            case "attach":

                async def attach(values: dict[str, Any]) -> TicketRecord:
                    try:
                        return await guarded(
                            service.attach(
                                number,
                                values["path"],
                                expected_version=version.value,
                            )
                        )
                    except BadValue as exc:
                        raise FieldError("path", str(exc)) from None

                return FormScreen(
                    f"Attach a file to #{number}",
                    [
                        Field(
                            "path",
                            "File (tab completes paths; at most 20 MB)",
                            required=True,
                            suggester=PathSuggester(),
                            placeholder=str(Path.cwd()) + "/",
                        )
                    ],
                    attach,
                )
            case "save":
                detail = await app.queries.detail(number)
                if not detail.attachments:
                    app.tell("#{number} has no attachments.", number=number, severity="warning")
                    return None

                async def save(values: dict[str, Any]) -> str:
                    name, content = await service.attachment_content(number, values["attachment"])
                    try:
                        target = await asyncio.to_thread(
                            save_attachment, Path(values["path"]), name, content
                        )
                    except OSError as exc:
                        raise FieldError(
                            "path", f"Cannot write {values['path']}: {exc.strerror}."
                        ) from None
                    return f"Saved {name} to {target}."

                first = detail.attachments[0]
                return FormScreen(
                    f"Save an attachment of #{number}",
                    [
                        Field(
                            "attachment",
                            "Attachment",
                            "select",
                            first.id,
                            required=True,
                            options=[
                                (f"{a.file_name} ({a.size} bytes)", a.id)
                                for a in detail.attachments
                            ],
                        ),
                        Field(
                            "path",
                            "Save to (file or folder)",
                            value=str(Path.cwd()),
                            required=True,
                            suggester=PathSuggester(),
                        ),
                    ],
                    save,
                )
            case "done":
                detail = await app.queries.detail(number)
                open_ones = [a for a in detail.activities if not a.done]
                if not open_ones:
                    app.tell(
                        "#{number} has no open activities.", number=number, severity="warning"
                    )
                    return None

                async def done(values: dict[str, Any]) -> TicketRecord:
                    return await service.complete_activity(number, values["activity"])

                return FormScreen(
                    f"Mark an activity of #{number} done",
                    [
                        Field(
                            "activity",
                            "Activity",
                            "select",
                            open_ones[0].id,
                            required=True,
                            options=[(f"{a.kind}: {a.title}", a.id) for a in open_ones],
                        )
                    ],
                    done,
                )
            case "edit":
                t = await app.queries.ticket(number)
                departments = await app.queries.departments()

                async def edit(values: dict[str, Any]) -> TicketRecord:
                    changes: dict[str, Any] = {}
                    for key in EDITABLE_TEXT:
                        old = getattr(t, key)
                        if (values[key] or None) != (old or None):
                            if key == "department" and not values[key]:
                                raise FieldError(key, "Choose a department; it cannot be empty.")
                            changes[key] = values[key]
                    due = field_time(values, "due", app.clock())
                    if show_local(due) != show_local(t.due):
                        changes["due"] = due
                    if values["sticky"] != t.sticky:
                        changes["sticky"] = values["sticky"]
                    if not changes:
                        raise FieldError("subject", "Nothing was changed.")
                    return await guarded(
                        service.edit(number, changes, expected_version=version.value)
                    )

                return FormScreen(
                    f"Edit #{number}",
                    [
                        Field("subject", "Subject", value=t.subject, required=True),
                        priority_field(t.priority),
                        channel_field(t.channel),
                        department_field(t.department, departments),
                        Field("category", "Category", value=t.category or ""),
                        Field("subcategory", "Subcategory", value=t.subcategory or ""),
                        Field("product", "Product", value=t.product or ""),
                        Field(
                            "due",
                            "Due (local time)",
                            value=show_local(t.due),
                            required=True,
                            check=check_when,
                        ),
                        Field("sticky", "Sticky (stays with its owner)", "checkbox", t.sticky),
                        Field("description", "Description", "text", t.description),
                    ],
                    edit,
                )
        return None


def field_time(values: dict[str, Any], name: str, now: datetime) -> datetime:
    try:
        return parse_when(values[name], now=now)
    except BadValue as exc:
        raise FieldError(name, str(exc)) from None
