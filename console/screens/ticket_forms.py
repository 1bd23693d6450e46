"""The forms of the ticket actions, one builder each, found by the name the table of
actions gives (``TicketAction.form``).

Each builder reads what its form offers (agents, departments, the ticket's approvals...),
and returns a ``FormScreen`` wired to the service: the form runs the service itself, so a
refusal or a conflict is shown in the form and what was typed is kept.  A builder returns
None (after saying why) when there is nothing to act on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from console.context import ConsoleContext
from console.data.errors import BadValue, Conflict
from console.data.records import ACTIVITY_KINDS, EDITABLE_TEXT, AgentRecord, TicketRecord
from console.data.when import EXAMPLES, parse_when, show_local
from console.files import save_attachment
from console.screens.form import Field, FieldError, FormScreen
from console.screens.new_ticket import channel_field, department_field, priority_field
from console.widgets.completion import NamesSuggester, PathSuggester

Result = TypeVar("Result")


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


_DURATION = re.compile(
    r"^(?:(?P<hours>\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<minutes>\d+)\s*(?:m(?:in(?:utes?)?)?)?)?$"
)


def parse_minutes(value: str) -> int | None:
    """Minutes of work as people type them: ``25``, ``90m``, ``1h30``, ``1.5h``, ``2h``;
    None when it is not a duration."""
    found = _DURATION.match(value.strip().lower())
    if not found or not (found["hours"] or found["minutes"]):
        return None
    hours = float(found["hours"].replace(",", ".")) if found["hours"] else 0.0
    return round(hours * 60) + int(found["minutes"] or 0)


def check_minutes(value: str) -> str | None:
    """The form's check for time worked."""
    minutes = parse_minutes(value)
    if minutes is None or not 1 <= minutes <= 1440:
        return "Time from 1 minute to 24 hours, such as 25, 90m, 1h30 or 1.5h."
    return None


def field_time(values: dict[str, Any], name: str, now: datetime) -> datetime:
    """A typed time from a form's values, or the field's own error."""
    try:
        return parse_when(values[name], now=now)
    except BadValue as exc:
        raise FieldError(name, str(exc)) from None


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


@dataclass
class FormRequest:
    """What a form builder gets: the console, the ticket and how to tell the screen the
    ticket changed."""

    ctx: ConsoleContext
    number: int
    version: Version
    #: the screen reloads the ticket (after a conflict, so the form can be sent again)
    changed: Callable[[int], None]

    async def guarded(self, call: Awaitable[Result]) -> Result:
        """Run a service call; on a conflict, take the ticket's new version and show it
        anew before the form says so (what was typed stays)."""
        try:
            return await call
        except Conflict:
            self.version.value = (await self.ctx.queries.ticket(self.number)).version
            self.changed(self.number)
            raise

    async def names(self) -> tuple[list[AgentRecord], list[str]]:
        """Every agent, and the usernames of the active ones (for completion)."""
        agents = await self.ctx.queries.agents()
        return agents, [a.username for a in agents if a.active]


Builder = Callable[[FormRequest], Awaitable[FormScreen | None]]


async def assign_form(req: FormRequest) -> FormScreen:
    """Choose whom to assign the ticket to."""
    service, number, version = req.ctx.service, req.number, req.version
    agents, _names = await req.names()

    async def assign(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
            service.assign(number, values["agent"], expected_version=version.value)
        )

    return FormScreen(f"Assign #{number}", [agent_field(agents)], assign)


async def schedule_form(req: FormRequest) -> FormScreen:
    """When to schedule the work for."""
    ctx, number, version = req.ctx, req.number, req.version

    async def schedule(values: dict[str, Any]) -> TicketRecord:
        when = field_time(values, "when", ctx.clock())
        return await req.guarded(ctx.service.schedule(number, when, expected_version=version.value))

    return FormScreen(f"Schedule #{number}", [when_field(ctx.clock())], schedule)


async def close_form(req: FormRequest) -> FormScreen:
    """Close, with an optional resolution."""
    service, number, version = req.ctx.service, req.number, req.version

    async def close(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
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


#: What the body field of each message form says it is.
MESSAGE_TITLES = {
    "reply": "Public reply to the customer",
    "comment": "Internal comment (@name mentions an agent; tab completes)",
    "note": "Internal note (never shown to the customer)",
}


def message_form(kind: str) -> Builder:
    """The form of a reply, comment or note."""

    async def build(req: FormRequest) -> FormScreen:
        service, number, version = req.ctx.service, req.number, req.version
        call = {"reply": service.reply, "comment": service.comment, "note": service.note}[kind]
        names = (await req.names())[1] if kind == "comment" else []

        async def message(values: dict[str, Any]) -> TicketRecord:
            try:
                return await req.guarded(
                    call(number, values["body"], expected_version=version.value)
                )
            except BadValue as exc:
                raise FieldError("body", str(exc)) from None

        field_kind = "mention" if kind == "comment" else "text"
        return FormScreen(
            f"{kind.capitalize()} on #{number}",
            [
                Field(
                    "body", MESSAGE_TITLES[kind], field_kind, required=True, extra={"names": names}
                )
            ],
            message,
        )

    return build


async def task_form(req: FormRequest) -> FormScreen:
    """A task, call or event, with its owner, due time and reminder."""
    ctx, number, version = req.ctx, req.number, req.version
    _agents, names = await req.names()

    async def task(values: dict[str, Any]) -> TicketRecord:
        owner = (values["owner"] or "").strip() or None
        if owner and owner not in names:
            raise FieldError("owner", f"No agent named {owner!r}.")
        return await req.guarded(
            ctx.service.add_activity(
                number,
                values["title"],
                kind=values["kind"] or "task",
                owner=owner,
                due=field_time(values, "due", ctx.clock()) if values["due"] else None,
                reminder=(
                    field_time(values, "reminder", ctx.clock()) if values["reminder"] else None
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
            Field("due", "Due", check=check_when, placeholder="+1d or 2026-03-02 14:00"),
            Field("reminder", "Reminder", check=check_when, placeholder="+4h"),
        ],
        task,
    )


async def approval_form(req: FormRequest) -> FormScreen:
    """Ask approvers; on an expired contract, offer the AMC exception."""
    ctx, number, version = req.ctx, req.number, req.version
    _agents, names = await req.names()
    expired = (await ctx.queries.ticket(number)).amc_state == "expired"

    async def approval(values: dict[str, Any]) -> TicketRecord:
        approvers = [n.strip() for n in values["approvers"].split(",") if n.strip()]
        unknown = [n for n in approvers if n not in names]
        if unknown:
            raise FieldError("approvers", "Not agents: " + ", ".join(unknown) + ".")
        return await req.guarded(
            ctx.service.request_approval(
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
            Field("amc", "AMC exception (lifts the support-contract gate)", "checkbox", True)
        )
    return FormScreen(f"Request approval on #{number}", fields, approval)


async def decide_form(req: FormRequest) -> FormScreen | None:
    """Approve or reject one of the approvals waiting on me."""
    ctx, number = req.ctx, req.number
    detail = await ctx.queries.detail(number)
    me = ctx.actor_name
    pending = [a for a in detail.approvals if a.state == "pending" and me in a.approvers]
    if not pending:
        ctx.tell("No approval on #{number} is waiting on you.", number=number, severity="warning")
        return None

    async def decide(values: dict[str, Any]) -> TicketRecord:
        return await ctx.service.decide_approval(
            values["approval"], values["decision"] == "approve", comment=values["comment"] or None
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


async def resolution_form(req: FormRequest) -> FormScreen:
    """Write (or rewrite) the ticket's one resolution."""
    ctx, number, version = req.ctx, req.number, req.version
    res = (await ctx.queries.detail(number)).resolution

    async def resolve(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
            ctx.service.set_resolution(
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


async def time_form(req: FormRequest) -> FormScreen:
    """Log minutes of work, billable or not."""
    service, number, version = req.ctx.service, req.number, req.version

    async def log(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
            service.log_time(
                number,
                parse_minutes(values["minutes"]) or 0,
                billable=values["billable"],
                note=values["note"],
                expected_version=version.value,
            )
        )

    return FormScreen(
        f"Log time on #{number}",
        [
            Field("minutes", "Minutes", required=True, check=check_minutes, placeholder="25"),
            Field("billable", "Billable", "checkbox", False),
            Field("note", "Note"),
        ],
        log,
    )


async def attach_form(req: FormRequest) -> FormScreen:
    """Attach a file from this machine."""
    service, number, version = req.ctx.service, req.number, req.version

    async def attach(values: dict[str, Any]) -> TicketRecord:
        try:
            return await req.guarded(
                service.attach(number, values["path"], expected_version=version.value)
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


async def save_form(req: FormRequest) -> FormScreen | None:
    """Save one of the ticket's attachments to a file or folder."""
    ctx, number = req.ctx, req.number
    detail = await ctx.queries.detail(number)
    if not detail.attachments:
        ctx.tell("#{number} has no attachments.", number=number, severity="warning")
        return None

    async def save(values: dict[str, Any]) -> str:
        name, content = await ctx.service.attachment_content(number, values["attachment"])
        try:
            target = await asyncio.to_thread(save_attachment, Path(values["path"]), name, content)
        except OSError as exc:
            raise FieldError("path", f"Cannot write {values['path']}: {exc.strerror}.") from None
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
                options=[(f"{a.file_name} ({a.size} bytes)", a.id) for a in detail.attachments],
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


async def done_form(req: FormRequest) -> FormScreen | None:
    """Mark one of the ticket's open activities done."""
    ctx, number = req.ctx, req.number
    open_ones = [a for a in (await ctx.queries.detail(number)).activities if not a.done]
    if not open_ones:
        ctx.tell("#{number} has no open activities.", number=number, severity="warning")
        return None

    async def done(values: dict[str, Any]) -> TicketRecord:
        return await ctx.service.complete_activity(number, values["activity"])

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


async def edit_form(req: FormRequest) -> FormScreen:
    """Change the ticket's fields; only what was changed is sent."""
    ctx, number, version = req.ctx, req.number, req.version
    t = await ctx.queries.ticket(number)
    departments = await ctx.queries.departments()

    async def edit(values: dict[str, Any]) -> TicketRecord:
        changes: dict[str, Any] = {}
        for key in EDITABLE_TEXT:
            old = getattr(t, key)
            if (values[key] or None) != (old or None):
                if key == "department" and not values[key]:
                    raise FieldError(key, "Choose a department; it cannot be empty.")
                changes[key] = values[key]
        due = field_time(values, "due", ctx.clock())
        if show_local(due) != show_local(t.due):
            changes["due"] = due
        if values["sticky"] != t.sticky:
            changes["sticky"] = values["sticky"]
        if not changes:
            raise FieldError("subject", "Nothing was changed.")
        return await req.guarded(ctx.service.edit(number, changes, expected_version=version.value))

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
                "due", "Due (local time)", value=show_local(t.due), required=True, check=check_when
            ),
            Field("sticky", "Sticky (stays with its owner)", "checkbox", t.sticky),
            Field("description", "Description", "text", t.description),
        ],
        edit,
    )


#: Every form by the name the table of actions gives it.
FORMS: dict[str, Builder] = {
    "assign": assign_form,
    "schedule": schedule_form,
    "close": close_form,
    "reply": message_form("reply"),
    "comment": message_form("comment"),
    "note": message_form("note"),
    "task": task_form,
    "approval": approval_form,
    "decide": decide_form,
    "resolution": resolution_form,
    "time": time_form,
    "attach": attach_form,
    "save": save_form,
    "done": done_form,
    "edit": edit_form,
}
