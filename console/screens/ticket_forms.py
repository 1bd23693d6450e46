"""The forms of the ticket actions, one builder each, found by the name the table of
actions gives (``TicketAction.form``).

Each builder reads what its form offers (agents, departments, the ticket's approvals...),
and returns a ``FormScreen`` wired to the service: the form runs the service itself, so a
refusal or a conflict is shown in the form and what was typed is kept.  A builder returns
None (after saying why) when there is nothing to act on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from textual.app import App

from console.context import ConsoleContext
from console.data.canned import TeamCanned, fill
from console.data.errors import BadValue, Conflict, ConsoleError, StaleSend
from console.data.figures import Candidate, assign_candidates
from console.data.kb import ArticleRecord
from console.data.presence import COMMENTING, REPLYING
from console.data.records import (
    ACTIVITY_KINDS,
    EDITABLE_TEXT,
    AgentRecord,
    DeliveryRecord,
    TicketRecord,
)
from console.data.tickets.activities import KEEP
from console.data.when import EXAMPLES, parse_when, show_local
from console.data.workflow import decision_refusal
from console.files import save_attachment
from console.mail.compose import Address, BadAddress, parse_addresses
from console.messages import OpenTicket
from console.safe import clean
from console.screens.form import ConfirmScreen, Field, FieldError, FormScreen
from console.screens.kb import KnowledgeBaseScreen
from console.screens.new_ticket import channel_field, department_field, priority_field
from console.spelling import speller_for
from console.widgets.completion import CannedArea, NamesSuggester, PathSuggester
from console.widgets.ticket_detail import MESSAGE_LABELS, delivery_text

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
    #: the newest message the agent had seen when the form opened (the stale-send block)
    seen: Version = field(default_factory=lambda: Version(0))

    async def guarded(self, call: Awaitable[Result]) -> Result:
        """Run a service call; on a conflict, take the ticket's new version and show it
        anew before the form says so (what was typed stays).  After the stale-send block
        the newer messages count as seen: sending again sends."""
        try:
            return await call
        except (Conflict, StaleSend) as exc:
            self.version.value = (await self.ctx.queries.ticket(self.number)).version
            if isinstance(exc, StaleSend):
                self.seen.value = exc.latest_id
            self.changed(self.number)
            raise

    async def names(self) -> tuple[list[AgentRecord], list[str]]:
        """Every agent, and the usernames of the active ones (for completion)."""
        agents = await self.ctx.queries.agents()
        return agents, [a.username for a in agents if a.active]


Builder = Callable[[FormRequest], Awaitable[FormScreen | None]]


def candidate_field(candidates: Sequence[Candidate]) -> Field:
    """Choose an agent: the department's (or team's) first by open load, each with its
    load by stage (New/Scheduled/InProgress/ReOpen) and availability; the suggested
    assignee is marked and chosen already."""
    options = [
        (
            f"{c.username:<12} {c.availability:<9} "
            f"open {c.open:<3} {'/'.join(str(n) for n in c.open_by_stage.values()):<11} "
            f"{(c.team or '-'):<10}{' * suggested' if c.suggested else ''}"
            f"{'' if c.near else ' (other department)'}",
            c.username,
        )
        for c in candidates
    ]
    suggested = next((c.username for c in candidates if c.suggested), None)
    return Field(
        "agent",
        "Agent (open N/S/I/R; the suggested one is chosen)",
        "select",
        options=options,
        required=True,
        value=suggested,
    )


async def assign_form(req: FormRequest) -> FormScreen:
    """Choose whom to assign the ticket to."""
    service, number, version = req.ctx.service, req.number, req.version
    queries = req.ctx.queries
    candidates = await assign_candidates(queries.db, queries.actor, number)

    async def assign(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
            service.assign(number, values["agent"], expected_version=version.value)
        )

    return FormScreen(f"Assign #{number}", [candidate_field(candidates)], assign)


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
                seen_message_id=req.seen.value,
            )
        )

    req.seen.value = await req.ctx.queries.newest_message(number)
    return FormScreen(
        f"Close #{number}",
        [
            Field(
                "resolution",
                "Resolution (optional)",
                "text",
                extra={"speller": speller_for(req.ctx.settings)},
            ),
            Field("publish", "Publish to knowledge base", "checkbox", False),
            Field("notify", "Send the resolution to the contact", "checkbox", False),
        ],
        close,
    )


async def reopen_form(req: FormRequest) -> FormScreen:
    """Reopen, with an optional reason (an internal comment)."""
    service, number, version = req.ctx.service, req.number, req.version

    async def reopen(values: dict[str, Any]) -> TicketRecord:
        return await req.guarded(
            service.reopen(number, reason=values["reason"] or None, expected_version=version.value)
        )

    return FormScreen(
        f"Reopen #{number}",
        [Field("reason", "Why (optional; kept as an internal comment)", "text")],
        reopen,
    )


#: What the body field of each message form says it is.
MESSAGE_TITLES = {
    "reply": "Public reply to the customer",
    "comment": "Internal comment (@name mentions an agent; tab completes)",
    "note": "Internal note (never shown to the customer)",
}


def check_addresses(value: str) -> str | None:
    """The form's check for addresses typed into To or Cc: the sentence, or None."""
    try:
        parse_addresses(value)
    except BadAddress as exc:
        return str(exc)
    return None


async def reply_form(req: FormRequest) -> FormScreen:
    """A public reply, mailed to the ticket's contact (To prefilled, Cc, attachments of
    the ticket to include, and whether to close the ticket once it is sent).  Without a
    mail server the form says so before anything is typed."""
    service, number, version = req.ctx.service, req.number, req.version
    detail = await req.ctx.queries.detail(number)
    t = detail.ticket
    to = str(Address(t.contact or "", t.contact_email)) if t.contact_email else ""
    configured = service.mail.configured
    help_text = (
        "No mail server is configured ([smtp]): the reply is stored, marked not sent."
        if not configured
        else ""
    )
    extra: dict[str, Any] = {
        "insert_article": article_picker(t.subject),
        "canned": await canned_for(req.ctx, t),
        "speller": speller_for(req.ctx.settings),
    }
    fields = [
        Field("body", MESSAGE_TITLES["reply"], "text", required=True, help=help_text, extra=extra),
        Field(
            "to",
            "To (the ticket's contact; commas between several)",
            value=to,
            required=True,
            check=check_addresses,
        ),
        Field("cc", "Cc", check=check_addresses),
    ]
    fields.append(await to_all_field(req))
    fields += [
        Field(f"attach-{a.id}", f"Include {a.file_name} ({a.size:,} bytes)", "checkbox", False)
        for a in detail.attachments
    ]
    fields.append(Field("close", "Close the ticket once it is sent", "checkbox", False))

    async def send(values: dict[str, Any]) -> TicketRecord:
        chosen = [a.id for a in detail.attachments if values.get(f"attach-{a.id}")]
        try:
            record = await req.guarded(
                service.reply(
                    number,
                    values["body"],
                    to=values["to"],
                    cc=values["cc"],
                    attachments=chosen,
                    to_all=bool(values.get("to_all")),
                    expected_version=version.value,
                    seen_message_id=req.seen.value,
                )
            )
        except BadValue as exc:
            name = (
                "to"
                if str(exc).startswith("To:")
                else "cc"
                if str(exc).startswith("Cc:")
                else "body"
            )
            raise FieldError(name, str(exc)) from None
        body = form.query_one("#field-body")
        canned_close = isinstance(body, CannedArea) and body.chosen_action == "close"
        if values.get("close") or canned_close:
            record = await close_after_reply(req, record)
        return record

    req.seen.value = max((m.id for m in detail.messages), default=0)
    form = FormScreen(f"Reply on #{number}", fields, send)
    form.presence_doing = (number, REPLYING)
    return form


async def to_all_field(req: FormRequest) -> Field:
    """The reply form's "reply to all" switch; its label names whom it adds (the others
    on the customer's last mail, never our own addresses)."""
    to, cc = await req.ctx.service.reply_all_recipients(req.number)
    if not to and not cc:
        return Field(
            "to_all",
            "Reply to all",
            "checkbox",
            help="Nobody else was on the customer's last mail.",
        )
    added = " · ".join(
        part
        for part in (
            f"To: {', '.join(to)}" if to else "",
            f"Cc: {', '.join(cc)}" if cc else "",
        )
        if part
    )
    return Field(
        "to_all",
        "Reply to all",
        "checkbox",
        False,
        help=clean("Adds " + added),
    )


async def forward_form(req: FormRequest) -> FormScreen:
    """Forward the conversation to a third party: To, a note above the quoted
    conversation, the ticket's attachments to include."""
    service, number, version = req.ctx.service, req.number, req.version
    detail = await req.ctx.queries.detail(number)
    help_text = (
        f"A new mail: Fwd: … [#{number}], the public conversation quoted below the note "
        "(never comments or notes); an answer comes back to this ticket."
    )
    if not service.mail.configured:
        help_text += " No mail server is configured ([smtp]): it is stored, marked not sent."
    fields = [
        Field(
            "to",
            "To (commas between several)",
            required=True,
            check=check_addresses,
            help=help_text,
            placeholder="e.g. Vendor Support <help@vendor.example>",
        ),
        Field(
            "note",
            "Note above the conversation",
            "text",
            extra={"speller": speller_for(req.ctx.settings)},
        ),
    ]
    fields += [
        Field(f"attach-{a.id}", f"Include {a.file_name} ({a.size:,} bytes)", "checkbox", False)
        for a in detail.attachments
    ]

    async def forward(values: dict[str, Any]) -> str:
        chosen = [a.id for a in detail.attachments if values.get(f"attach-{a.id}")]
        try:
            await req.guarded(
                service.forward(
                    number,
                    values["to"],
                    values["note"],
                    attachments=chosen,
                    expected_version=version.value,
                )
            )
        except BadValue as exc:
            raise FieldError("to" if str(exc).startswith("To:") else "note", str(exc)) from None
        sent_to = ", ".join(a.addr for a in parse_addresses(values["to"]))
        return f"Forwarded #{number} to {sent_to}."

    return FormScreen(f"Forward #{number} to a third party", fields, forward)


def article_picker(subject: str) -> Callable[[App[Any], Callable[[str], None]], None]:
    """Opens the knowledge base on the ticket's subject; the chosen article's text goes
    to ``insert``."""

    def pick(app: App[Any], insert: Callable[[str], None]) -> None:
        def chosen(article: ArticleRecord | None) -> None:
            if article is not None:
                insert(article.body)

        app.push_screen(KnowledgeBaseScreen(subject, picking=True), chosen)

    return pick


async def canned_for(
    ctx: ConsoleContext, ticket: TicketRecord
) -> dict[str, tuple[str, str | None]]:
    """Every canned reply the agent has (their own first, then the team's), filled in
    for this ticket: name -> (text, action)."""
    service = ctx.service
    team = await TeamCanned(service.db, service.actor).list()
    found: dict[str, tuple[str, str | None]] = {}
    for reply in [*ctx.settings.canned, *team]:
        found.setdefault(reply.name, (fill(reply.body, ticket, ctx.actor_name), reply.action))
    return found


async def close_after_reply(req: FormRequest, sent: TicketRecord) -> TicketRecord:
    """ "Send and close": the reply is sent; a refused close is said, never a reason to
    keep the form open (sending it again would send the reply twice)."""
    try:
        closed = await req.ctx.service.close(sent.number, expected_version=sent.version)
    except ConsoleError as exc:
        req.ctx.tell("Sent; #{number} stays open: {why}", number=sent.number, why=str(exc))
        return sent
    # What became of the reply's mail is still what the agent is told.
    return dataclasses.replace(closed, mailed=sent.mailed + closed.mailed)


def message_form(kind: str) -> Builder:
    """The form of a comment or note (the reply has its own: it is mailed)."""

    async def build(req: FormRequest) -> FormScreen:
        service, number, version = req.ctx.service, req.number, req.version
        call = {"reply": service.reply, "comment": service.comment, "note": service.note}[kind]
        names = (await req.names())[1] if kind == "comment" else []

        async def message(values: dict[str, Any]) -> TicketRecord:
            try:
                record = await req.guarded(
                    call(number, values["body"], expected_version=version.value)
                )
            except BadValue as exc:
                raise FieldError("body", str(exc)) from None
            body = form.query_one("#field-body")
            if isinstance(body, CannedArea) and body.chosen_action == "close":
                record = await close_after_reply(req, record)
            return record

        field_kind = "mention" if kind == "comment" else "text"
        extra: dict[str, Any] = {"names": names, "speller": speller_for(req.ctx.settings)}
        form = FormScreen(
            f"{kind.capitalize()} on #{number}",
            [Field("body", MESSAGE_TITLES[kind], field_kind, required=True, extra=extra)],
            message,
        )
        if kind == "comment":
            # A private note is nobody else's business; a comment is the team's.
            form.presence_doing = (number, COMMENTING)
        return form

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
            Field("due", "Due", check=check_when, placeholder="e.g. +1d or 2026-03-02 14:00"),
            Field("reminder", "Reminder", check=check_when, placeholder="e.g. +4h"),
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
    waiting = list(detail.waiting_on(me))
    why = {
        a.id: decision_refusal(
            ctx.service.actor,
            a.id,
            number,
            requester=a.requester,
            amc_exception=a.kind == "amc_exception",
        )
        for a in waiting
    }
    pending = [a for a in waiting if why[a.id] is None]
    if not pending:
        refused = [reason for reason in why.values() if reason]
        if refused:
            ctx.tell("{why}", why=refused[0], severity="warning")
        else:
            ctx.tell(
                "No approval on #{number} is waiting on you.", number=number, severity="warning"
            )
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
            Field(
                "text",
                "Resolution",
                "text",
                res.text if res else "",
                required=True,
                extra={"speller": speller_for(ctx.settings)},
            ),
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
            Field(
                "minutes",
                "Minutes",
                required=True,
                check=check_minutes,
                placeholder="e.g. 25, 90m or 1h30",
            ),
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
                placeholder="e.g. ~/Downloads/router.log",
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


def _activity_choice(open_ones: list[Any]) -> Field:
    """The choice of one of a ticket's open activities (the first one offered)."""
    return Field(
        "activity",
        "Activity",
        "select",
        open_ones[0].id,
        required=True,
        options=[(f"{a.kind}: {a.title}", a.id) for a in open_ones],
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
        [_activity_choice(open_ones)],
        done,
    )


class ActivityShown(Protocol):
    """What an activity form needs of an activity (a tab's record or a task of My tasks)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def reminder_at(self) -> datetime | None: ...


def _changed_time(values: dict[str, Any], name: str, shown: str, now: datetime) -> Any:
    """A time field of an activity's form as the service takes it: ``KEEP`` when left as
    shown (a reminder that already fired stays), None when emptied, else the time typed."""
    typed = (values[name] or "").strip()
    if typed == shown:
        return KEEP
    return field_time(values, name, now) if typed else None


def activity_form(
    ctx: ConsoleContext,
    number: int,
    activity: ActivityShown,
    names: Sequence[str],
    *,
    give: bool = False,
) -> FormScreen:
    """Change an open activity: its title, owner, due time and reminder; with ``give``,
    only whom it is given to (seed 003's task administration)."""
    shown_due, shown_reminder = show_local(activity.due_at), show_local(activity.reminder_at)
    what = f"{activity.kind} {activity.id} of #{number}"

    def owner_of(values: dict[str, Any]) -> str | None:
        owner = (values["owner"] or "").strip()
        if owner == (activity.owner or ""):
            return None
        if owner not in names:
            raise FieldError("owner", f"No active agent named {owner!r}.")
        return owner

    async def save(values: dict[str, Any]) -> TicketRecord:
        if give:
            owner = owner_of(values)
            if owner is None:
                raise FieldError("owner", f"{activity.owner} owns it already: name someone else.")
            return await ctx.service.edit_activity(number, activity.id, owner=owner)
        title = values["title"].strip()
        return await ctx.service.edit_activity(
            number,
            activity.id,
            title=title if title != activity.title else None,
            owner=owner_of(values),
            due=_changed_time(values, "due", shown_due, ctx.clock()),
            reminder=_changed_time(values, "reminder", shown_reminder, ctx.clock()),
        )

    owner = Field(
        "owner",
        "Owner (an agent who may see the ticket)",
        value=activity.owner or "",
        required=True,
        suggester=NamesSuggester(names),
        extra={"select_on_focus": True},
    )
    if give:
        return FormScreen(f"Give {what} to someone else", [owner], save)
    return FormScreen(
        f"Change {what}",
        [
            Field("title", "Title", value=activity.title, required=True),
            owner,
            Field(
                "due",
                "Due (empty: none)",
                value=shown_due,
                check=check_when,
                placeholder="e.g. +1d or 2026-03-02 14:00",
            ),
            Field(
                "reminder",
                "Reminder (upcoming, before the due time; empty: none)",
                value=shown_reminder,
                check=check_when,
                placeholder="e.g. +4h",
            ),
        ],
        save,
    )


async def activity_edit_form(req: FormRequest) -> FormScreen | None:
    """Change one of the ticket's open activities (asked which first when there are
    several)."""
    ctx, number = req.ctx, req.number
    open_ones = [a for a in (await ctx.queries.detail(number)).activities if not a.done]
    if not open_ones:
        ctx.tell("#{number} has no open activities.", number=number, severity="warning")
        return None
    _agents, names = await req.names()
    chosen = open_ones[0]
    if len(open_ones) > 1:

        async def pick(values: dict[str, Any]) -> int:
            return int(values["activity"])

        picker = FormScreen(
            f"Change which activity of #{number}?",
            [_activity_choice(open_ones)],
            pick,
        )
        app: Any = ctx  # the console is the App: the builder runs in a worker
        picked = await app.push_screen_wait(picker)
        if picked is None:
            return None
        chosen = next(a for a in open_ones if a.id == picked)
    return activity_form(ctx, number, chosen, names)


async def split_form(req: FormRequest) -> FormScreen | None:
    """Split a customer's mail that joined this ticket by mistake off into a new ticket;
    the last mail that joined by a threading rule is offered first."""
    ctx, number = req.ctx, req.number
    mails = [m for m in (await ctx.queries.detail(number)).messages if m.kind == "customer"]
    if not mails:
        ctx.tell("#{number} has no customer messages to split off.", number=number)
        return None
    joined = [m for m in mails if m.threaded_by]
    first = (joined or mails)[-1]

    async def split(values: dict[str, Any]) -> str:
        record = await ctx.service.split_off(number, values["message"])
        return f"Split the mail off #{number} into a new ticket, #{record.number}."

    def label(m: Any) -> str:
        why = m.joined_because or "opened the ticket"
        return clean(f"{show_local(m.at)} {m.sender or m.author}: {why}", single_line=True)

    return FormScreen(
        f"Split a mail off #{number} into a new ticket",
        [
            Field(
                "message",
                "Customer mail",
                "select",
                first.id,
                required=True,
                options=[(label(m), m.id) for m in mails],
            )
        ],
        split,
    )


async def outbox_form(req: FormRequest) -> FormScreen | None:
    """A failed mail of the ticket to put back in the outbox (``mail retry``), or a
    queued one to cancel (``mail cancel``); the last failed mail is offered first."""
    ctx, number = req.ctx, req.number
    mails = [
        (m.outgoing, m)
        for m in (await ctx.queries.detail(number)).messages
        if m.outgoing is not None and m.outgoing.state in ("failed", "queued")
    ]
    if not mails:
        ctx.tell("#{number} has no failed or queued mail.", number=number)
        return None
    failed = [d for d, _m in mails if d.state == "failed"]
    first = (failed or [d for d, _m in mails])[-1]

    def label(delivery: DeliveryRecord) -> str:
        verb = "Retry" if delivery.state == "failed" else "Cancel"
        shown, _style = delivery_text(delivery)
        to = delivery.to.replace(",", ", ")
        return clean(f"{verb} mail {delivery.outbox_id} to {to} ({shown})", single_line=True)

    async def again(values: dict[str, Any]) -> str:
        delivery = next(d for d, _m in mails if d.outbox_id == values["mail"])
        cancel = delivery.state == "queued"
        try:
            await ctx.service.retry_mail(number, delivery.outbox_id, cancel=cancel)
        except ConsoleError as exc:
            raise FieldError("mail", str(exc)) from None
        if cancel:
            return f"Mail {delivery.outbox_id} of #{number} is cancelled; it will not be sent."
        return f"Mail {delivery.outbox_id} of #{number} is queued again; the worker sends it."

    return FormScreen(
        f"Retry or cancel a mail of #{number}",
        [
            Field(
                "mail",
                "Mail (a failed one is sent again, a queued one cancelled)",
                "select",
                first.outbox_id,
                required=True,
                options=[(label(d), d.outbox_id) for d, _m in mails],
            )
        ],
        again,
    )


async def split_messages_form(req: FormRequest) -> FormScreen | None:
    """Choose messages of the conversation to move into a new ticket (the same contact
    and account; both histories name the other); then the new number is said and
    opening it is offered."""
    ctx, number, version = req.ctx, req.number, req.version
    messages = (await ctx.queries.detail(number)).messages
    if len(messages) < 2:
        ctx.tell(
            "#{number} has {count}: a split moves messages to a new ticket and leaves at "
            "least one here.",
            number=number,
            count="one message" if messages else "no messages",
            severity="warning",
        )
        return None

    def label(m: Any) -> str:
        kind = MESSAGE_LABELS.get(m.kind, m.kind.upper()).split(" ·")[0]
        said = " ".join(m.body.split())
        return clean(f"{show_local(m.at)}  {kind:<8} {m.author}: {said}", single_line=True)

    async def split(values: dict[str, Any]) -> str:
        chosen = [m.id for m in messages if values.get(f"message-{m.id}")]
        record = await req.guarded(
            ctx.service.split(number, chosen, expected_version=version.value)
        )
        moved = f"{len(chosen)} message{'s' if len(chosen) != 1 else ''}"
        question = f"Moved {moved} of #{number} into a new ticket, #{record.number}. Open it?"
        if await form.app.push_screen_wait(ConfirmScreen(question)):
            form.app.post_message(OpenTicket(record.number))
        return f"Split {moved} of #{number} into #{record.number}."

    fields = [Field(f"message-{m.id}", label(m), "checkbox", False) for m in messages]
    fields[-1].help = f"space ticks, tab moves on; at least one message stays on #{number}."
    form = FormScreen(f"Split #{number}: tick what moves to a new ticket", fields, split)
    form.add_class("picker")
    return form


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


def check_number(value: str) -> str | None:
    """The form's check for a ticket number (1042 or #1042)."""
    return None if value.strip().lstrip("#").isdigit() else "A ticket number, such as 1042."


async def merge_form(req: FormRequest) -> FormScreen:
    """Which ticket this one is merged into."""
    service, number, version = req.ctx.service, req.number, req.version

    async def merge(values: dict[str, Any]) -> TicketRecord:
        into = int(values["into"].strip().lstrip("#"))
        return await req.guarded(service.merge(number, into, expected_version=version.value))

    return FormScreen(
        f"Merge #{number}",
        [
            Field(
                "into",
                "Into ticket (its conversation, files and time move there; this one closes)",
                required=True,
                check=check_number,
            )
        ],
        merge,
    )


async def delete_form(req: FormRequest) -> FormScreen:
    """Deleting for good: the ticket's number typed again confirms it."""
    service, number = req.ctx.service, req.number

    async def delete(values: dict[str, Any]) -> str:
        if values["confirm"].strip().lstrip("#") != str(number):
            raise FieldError("confirm", f"Type {number} to delete this ticket for good.")
        await service.delete(number, confirm=True)
        return f"Deleted #{number} for good (its history stays)."

    return FormScreen(
        f"Delete #{number} for good",
        [Field("confirm", f"Type {number} to confirm; this cannot be undone", required=True)],
        delete,
    )


#: Every form by the name the table of actions gives it.
FORMS: dict[str, Builder] = {
    "assign": assign_form,
    "schedule": schedule_form,
    "close": close_form,
    "reopen": reopen_form,
    "reply": reply_form,
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
    "activity_edit": activity_edit_form,
    "edit": edit_form,
    "split": split_form,
    "outbox": outbox_form,
    "split_messages": split_messages_form,
    "forward": forward_form,
    "merge": merge_form,
    "delete": delete_form,
}
