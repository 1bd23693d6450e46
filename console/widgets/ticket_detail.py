"""A ticket's detail: every field, the actions allowed now with their keys, and the tabs
Conversation · History · Approvals · Resolution · Activities · Time log · Attachments.

All ticket text goes through ``console.safe`` and is shown as ``Text``, never markup.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from console.data.actions import KEYED
from console.data.errors import ConsoleError
from console.data.presence import GLYPHS, PresenceRecord, on_ticket
from console.data.records import PART_FIELDS, DeliveryRecord, MessageRecord, TicketDetail
from console.data.when import show_local
from console.keys import key_hint
from console.safe import clean

if TYPE_CHECKING:
    from console.keys import KeySource

#: A binding id -> the key a hint names for it now (``ticket.pickup`` -> ``p``).
KeyNames = Callable[[str], str]
#: (ticket number, parts) -> the ticket with those parts read (``Queries.detail``).
PartReader = Callable[[int, frozenset[str]], Awaitable[TicketDetail]]


def default_keys(binding_id: str) -> str:
    """The key of a binding before any remapping."""
    return key_hint(None, "main.read_all" if binding_id == "read_all" else binding_id)


TABS: tuple[tuple[str, str], ...] = tuple(
    zip(
        PART_FIELDS,
        (
            "Conversation",
            "History",
            "Approvals",
            "Resolution",
            "Activities",
            "Time log",
            "Attachments",
        ),
        strict=True,
    )
)
#: The tab names where the full ones do not fit on one line: below ``SHORT_TABS_BELOW``
#: columns the short names, below ``TINY_TABS_BELOW`` the tiny ones (whole words cut
#: with a full stop, never a name cut off at the edge).
SHORT_TABS = ("Conversation", "History", "Approvals", "Resolution", "Activities", "Time", "Attach.")
TINY_TABS = ("Conv.", "History", "Approv.", "Resol.", "Activ.", "Time", "Attach.")
SHORT_TABS_BELOW = 84
TINY_TABS_BELOW = 74
#: Below this many rows the detail shows a compact header (the subject and one line of
#: the fields that matter while working: status, priority, owner, due, account); every
#: field is then listed at the top of the History tab.
COMPACT_BELOW = 32


def tab_names(width: int) -> tuple[str, ...]:
    """The names of the seven tabs that fit in ``width`` columns."""
    if width < TINY_TABS_BELOW:
        return TINY_TABS
    if width < SHORT_TABS_BELOW:
        return SHORT_TABS
    return tuple(title for _, title in TABS)


MESSAGE_LABELS = {
    "customer": "CUSTOMER",
    "reply": "REPLY · public",
    "comment": "COMMENT · internal",
    "note": "NOTE · internal",
    "notice": "MAIL · automatic",
    "forward": "FORWARD · to a third party",
}


def delivery_text(delivery: DeliveryRecord) -> tuple[str, str]:
    """A mail's delivery as the conversation shows it, with its style: ``… queued``,
    ``✓ sent 10:42``, ``✗ failed: 550 mailbox unavailable``."""
    if delivery.state == "sent":
        at = show_local(delivery.sent_at)[-5:] if delivery.sent_at else ""
        return f"✓ sent {at}".rstrip(), "green"
    if delivery.state == "failed":
        detail = delivery.detail or "failed"
        shown = detail if detail.startswith("not sent") else f"failed: {detail}"
        return f"✗ {shown}", "red"
    if delivery.state == "cancelled":
        return "cancelled", "dim"
    tried = f" (tried {delivery.tries}×: {delivery.detail})" if delivery.tries else ""
    return f"… queued{tried}", "yellow"


BODY_LIMIT = 20_000  # characters of one message shown before "… (n more)"


def _line(text: Text, label: str, value: str | None, *, last: bool = False) -> None:
    text.append(f"{label} ", style="dim")
    text.append(clean(value or "—", single_line=True))
    text.append("\n" if last else "   ")


def fields_text(detail: TicketDetail, now: datetime) -> Text:
    """The header block: subject and every field."""
    t = detail.ticket
    text = Text()
    text.append(f"#{t.number} ", style="bold")
    text.append(clean(t.subject, single_line=True), style="bold")
    text.append("\n")
    _line(text, "Status", t.status)
    _line(text, "Priority", t.priority)
    _line(text, "Channel", t.channel)
    _line(text, "Dept", t.department, last=True)
    _line(text, "Owner", t.owner or "unassigned")
    _line(text, "Creator", t.creator)
    _line(text, "Sticky", "yes" if t.sticky else "no", last=True)
    contact = t.contact or "—"
    if t.contact_email:
        contact += f" <{t.contact_email}>"
    if t.contact_phone:
        contact += f" {t.contact_phone}"
    _line(text, "Contact", contact)
    amc = {"ok": "", "expired": " (AMC EXPIRED)", "exception": " (AMC exception approved)"}
    _line(text, "Account", (t.account or "—") + amc.get(t.amc_state, ""), last=True)
    due = show_local(t.due)
    if t.status != "Closed" and t.due < now:
        due += "  ▲ESCALATED (overdue)"
    _line(text, "Due", due)
    _line(text, "Scheduled", show_local(t.planned_for) or None, last=True)
    _line(text, "Created", show_local(t.created_at))
    _line(text, "Updated", show_local(t.updated_at))
    _line(text, "Closed", show_local(t.closed_at) or None, last=True)
    category = " / ".join(x for x in (t.category, t.subcategory, t.product) if x)
    _line(text, "Category", category or None)
    if t.merged_into:
        _line(text, "Merged into", f"#{t.merged_into}")
    _line(text, "Version", str(t.version), last=True)
    text.rstrip()
    return text


def compact_fields_text(detail: TicketDetail, now: datetime) -> Text:
    """The compact header: the subject, then status, priority, owner, due and account on
    one line (the other fields are at the top of the History tab)."""
    t = detail.ticket
    text = Text()
    text.append(f"#{t.number} ", style="bold")
    text.append(clean(t.subject, single_line=True), style="bold")
    text.append("\n")
    text.append(f"{t.status} · {t.priority} · ")
    text.append("owner ", style="dim")
    text.append(clean(t.owner or "unassigned", single_line=True))
    text.append(" · due ", style="dim")
    text.append(show_local(t.due))
    if t.status != "Closed" and t.due < now:
        text.append(" ▲ESCALATED", style="bold")
    if t.planned_for is not None:
        text.append(" · scheduled ", style="dim")
        text.append(show_local(t.planned_for))
    if t.account:
        text.append(" · ")
        text.append(clean(t.account, single_line=True))
        if t.amc_state == "expired":
            text.append(" (AMC EXPIRED)", style="bold")
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def actions_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """The keys of the actions allowed now."""
    text = Text()
    text.append("Keys: ", style="dim")
    allowed = [
        (keys(action.binding_id), action.label.lower())
        for action in KEYED
        if action.listed and action.rule and detail.actions.get(action.rule.value, "x") is None
    ]
    for index, (key, label) in enumerate(allowed):
        if index:
            text.append(" · ")
        text.append(key, style="bold")
        text.append(f" {label}")
    return text


def _body(text: Text, body: str, keys: KeyNames) -> None:
    shown = body if len(body) <= BODY_LIMIT else body[:BODY_LIMIT]
    text.append(clean(shown))
    if len(body) > BODY_LIMIT:
        text.append(
            f"\n… ({len(body) - BODY_LIMIT:,} more characters: "
            f"{keys('read_all')} reads it all, page by page)",
            style="dim",
        )
    text.append("\n\n")


def conversation_plain(detail: TicketDetail) -> str:
    """The whole conversation as one plain text, every body in full (for the pager)."""
    t = detail.ticket
    parts = [
        f"DESCRIPTION — {t.contact or 'customer'}, {show_local(t.created_at)}\n"
        f"{t.description or '(no description)'}"
    ]
    for m in detail.messages:
        label = MESSAGE_LABELS.get(m.kind, m.kind.upper())
        headers = "".join(f"{line}\n" for line in mail_lines(m))
        parts.append(f"{label} — {m.author}, {show_local(m.at)}\n{headers}{m.body}")
    return "\n\n".join(parts)


def mail_lines(m: MessageRecord) -> list[str]:
    """A mail's From/To/Cc and why it joined this ticket, for the conversation."""
    if m.sender is None and not m.to:
        return []
    lines = [f"From: {m.sender or '?'}"]
    if m.to:
        lines.append("To: " + ", ".join(m.to))
    if m.cc:
        lines.append("Cc: " + ", ".join(m.cc))
    notes = []
    if m.joined_because:
        notes.append(f"joined: {m.joined_because}")
    if m.automatic:
        notes.append("automatic mail (never reopens or unassigns)")
    if m.delivery == "failed":
        notes.append("delivery failed (bounced)")
    if notes:
        lines.append(" · ".join(notes))
    return lines


def conversation_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """The description and every message, kinds told apart by their labels."""
    t = detail.ticket
    text = Text()
    text.append("▌ DESCRIPTION", style="bold")
    text.append(
        f"  {clean(t.contact or 'customer', single_line=True)}, {show_local(t.created_at)}\n",
        style="dim",
    )
    _body(text, t.description or "(no description)", keys)
    for m in detail.messages:
        text.append(f"▌ {MESSAGE_LABELS.get(m.kind, m.kind.upper())}", style="bold")
        text.append(f"  {clean(m.author, single_line=True)}, {show_local(m.at)}", style="dim")
        if m.mentions:
            text.append("  mentions " + ", ".join("@" + clean(n) for n in m.mentions), style="dim")
        text.append("\n")
        for line in mail_lines(m):
            text.append("  " + clean(line, single_line=True) + "\n", style="italic dim")
        if m.outgoing is not None:
            shown, style = delivery_text(m.outgoing)
            text.append(f"  mail {m.outgoing.outbox_id} to ", style="dim")
            text.append(clean(m.outgoing.to.replace(",", ", "), single_line=True), style="dim")
            text.append("  ")
            text.append(clean(shown, single_line=True, limit=120), style=style)
            if m.outgoing.state == "failed":
                text.append(f"  ({keys('ticket.outbox')} retries)", style="dim")
            text.append("\n")
        _body(text, m.body, keys)
    if not detail.messages:
        text.append(
            f"No replies, comments or notes yet.  {keys('ticket.reply')} reply · "
            f"{keys('ticket.comment')} comment · {keys('ticket.note')} note\n",
            style="dim",
        )
    return text


def _shown_value(value: str | None) -> str:
    """A history value; times recorded in ISO 8601 are shown in local time."""
    if not value:
        return "—"
    if len(value) >= 16 and value[4] == "-" and value[10] == "T":
        try:
            return show_local(datetime.fromisoformat(value))
        except ValueError:
            pass
    return clean(value, single_line=True)


def history_text(detail: TicketDetail) -> Text:
    """The audit events, newest first."""
    text = Text()
    for e in detail.history:
        text.append(show_local(e.at), style="dim")
        text.append(f"  {clean(e.actor, single_line=True)}")
        if e.actor_kind != "agent":
            text.append(f" ({e.actor_kind})", style="dim")
        text.append(f"  {e.action}", style="bold")
        if e.field:
            text.append(
                f"  {clean(e.field, single_line=True)}: "
                f"{_shown_value(e.old)} → {_shown_value(e.new)}"
            )
        elif e.new:
            text.append(f"  {clean(e.new, single_line=True)}")
        text.append("\n")
    return text


def approvals_text(detail: TicketDetail, me: str, keys: KeyNames = default_keys) -> Text:
    """Approval requests and decisions; those waiting on ``me`` are marked."""
    text = Text()
    if not detail.approvals:
        text.append(f"No approvals.  {keys('ticket.approval')} requests one.\n", style="dim")
    for a in detail.approvals:
        # Nobody decides their own request: it is not waiting on its requester.
        waiting = a.state == "pending" and me in a.approvers and a.requester != me
        text.append(f"[{a.state.upper()}] ", style="bold")
        text.append(f"{a.id}: {clean(a.subject, single_line=True)}")
        if a.kind == "amc_exception":
            text.append("  (AMC exception)")
        text.append("\n")
        text.append(
            f"  asked by {clean(a.requester)} of {', '.join(clean(x) for x in a.approvers)}"
            f", {show_local(a.created_at)}\n",
            style="dim",
        )
        if a.details:
            text.append("  " + clean(a.details) + "\n")
        if a.decider:
            text.append(f"  {a.state} by {clean(a.decider)} {show_local(a.decided_at)}")
            if a.comment:
                text.append(f": {clean(a.comment)}")
            text.append("\n")
        if waiting:
            text.append(
                f"  ▶ waiting on you: {keys('ticket.decide')} to approve or reject\n",
                style="bold",
            )
        text.append("\n")
    return text


def resolution_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """The one resolution."""
    text = Text()
    res = detail.resolution
    write = keys("ticket.resolution")
    if res is None:
        text.append(
            f"No resolution yet.  {write} writes it ({keys('ticket.close')} closes with one).\n",
            style="dim",
        )
        return text
    text.append(f"by {clean(res.author or '—')}, {show_local(res.updated_at)}   ", style="dim")
    text.append(
        f"knowledge base: {'published' if res.publish_to_kb else 'no'}   "
        f"contact notified: {'yes' if res.notify_contact else 'no'}\n\n",
        style="dim",
    )
    _body(text, res.text, keys)
    text.append(f"{write} edits the resolution.\n", style="dim")
    return text


def activities_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """Tasks, calls and events."""
    text = Text()
    if not detail.activities:
        text.append(
            f"No activities.  {keys('ticket.task')} adds a task, call or event.\n", style="dim"
        )
    for a in detail.activities:
        text.append("[x] " if a.done else "[ ] ", style="bold")
        text.append(f"{a.id}: {a.kind} {clean(a.title, single_line=True)}")
        text.append(f"  owner {clean(a.owner or '—')}", style="dim")
        if a.due_at:
            text.append(f"  due {show_local(a.due_at)}", style="dim")
        if a.reminder_at:
            text.append(f"  reminder {show_local(a.reminder_at)}", style="dim")
        if a.done_at:
            text.append(f"  done {show_local(a.done_at)}", style="dim")
        text.append("\n")
    if any(not a.done for a in detail.activities):
        text.append(
            f"\n{keys('ticket.done')} marks one done · {keys('ticket.activity_edit')} changes "
            "one (owner, due time, reminder) or gives it to someone else.\n",
            style="dim",
        )
    return text


def _minutes(total: int) -> str:
    return f"{total // 60}h {total % 60:02d}m"


def time_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """Time entries with total and billable total."""
    text = Text()
    text.append(
        f"Total {_minutes(detail.total_minutes)}   "
        f"billable {_minutes(detail.billable_minutes)}\n\n",
        style="bold",
    )
    for e in detail.time_entries:
        text.append(
            f"{show_local(e.started_at)}  {clean(e.agent):<12} {e.minutes:>4} min"
            f"{'  billable' if e.billable else '          '}  "
            f"{clean(e.note, single_line=True)}\n"
        )
    if not detail.time_entries:
        text.append(f"No time logged.  {keys('ticket.time')} logs time.\n", style="dim")
    return text


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def attachments_text(detail: TicketDetail, keys: KeyNames = default_keys) -> Text:
    """Attachments: name, type, size."""
    text = Text()
    for a in detail.attachments:
        text.append(f"{a.id}: {clean(a.file_name, single_line=True)}")
        text.append(
            f"  {clean(a.media_type)}  {_size(a.size)}  by {clean(a.uploaded_by or '—')}"
            f", {show_local(a.created_at)}\n",
            style="dim",
        )
    if not detail.attachments:
        text.append(f"No attachments.  {keys('ticket.attach')} attaches a file.\n", style="dim")
    else:
        text.append(f"\n{keys('ticket.save')} saves one to a file.\n", style="dim")
    return text


TAB_IDS: tuple[str, ...] = tuple(PART_FIELDS)


def tab_inputs(tab: str, detail: TicketDetail, me: str) -> object:
    """What a tab's body is drawn from: the body is built again only when this changed."""
    part = tuple(getattr(detail, name) for name in PART_FIELDS[tab])
    if tab == "conversation":  # opens with the ticket's description
        t = detail.ticket
        return (t.contact, t.created_at, t.description, *part)
    if tab == "approvals":  # says which wait on me
        return (*part, me)
    return part


def tab_body(tab: str, detail: TicketDetail, me: str, keys: KeyNames) -> Text:
    """A tab's body (the history without the fields a compact header leaves out)."""
    if tab == "conversation":
        return conversation_text(detail, keys)
    if tab == "history":
        return history_text(detail)
    if tab == "approvals":
        return approvals_text(detail, me, keys)
    return {
        "resolution": resolution_text,
        "activities": activities_text,
        "time": time_text,
        "attachments": attachments_text,
    }[tab](detail, keys)


class KeysUsed:
    """Key names as a body asks for them, kept: the body is current while each is the
    same (a keymap set after it was drawn draws it again)."""

    def __init__(self, keys: KeyNames) -> None:
        self.keys = keys
        self.used: dict[str, str] = {}

    def __call__(self, binding_id: str) -> str:
        name = self.used[binding_id] = self.keys(binding_id)
        return name

    def same(self, keys: KeyNames) -> bool:
        """Whether ``keys`` names every key used as it was named then."""
        return all(keys(binding_id) == name for binding_id, name in self.used.items())


class TicketDetailView(Vertical):
    """Fields, allowed actions and the seven tabs of one ticket."""

    DEFAULT_CSS = """
    TicketDetailView { height: 1fr; }
    TicketDetailView #detail-fields { height: auto; }
    TicketDetailView #detail-actions { height: auto; }
    TicketDetailView TabbedContent { height: 1fr; }
    TicketDetailView TabPane { padding: 0 1; }
    """

    def __init__(
        self,
        me: str = "",
        clock: Callable[[], datetime] | None = None,
        reader: PartReader | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.me = me
        #: reads a tab's part of a ticket when the tab is opened (None: every part is
        #: given to ``show``)
        self.reader = reader
        self.clock = clock or (lambda: datetime.now(UTC))
        self.detail: TicketDetail | None = None
        self.shown_compact = False
        #: the other agents on tickets now (this view shows those on its ticket)
        self.others: tuple[PresenceRecord, ...] = ()
        #: what the fields and actions lines show now (a part is updated when it changes)
        self._parts: dict[str, Text] = {}
        #: tab id -> the inputs its body is to show (None: no ticket)
        self._wanted: dict[str, tuple[object, Text | None] | None] = dict.fromkeys(TAB_IDS)
        #: tab id -> the inputs its body was built from and the key names it used
        self._built: dict[str, tuple[tuple[object, Text | None] | None, KeysUsed]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("No ticket selected.", style="dim"), id="detail-fields")
        nobody = Static("", id="detail-presence")
        nobody.display = False
        yield nobody
        yield Static("", id="detail-actions")
        with TabbedContent(id="detail-tabs"):
            for tab_id, title in TABS:
                with TabPane(title, id=f"tab-{tab_id}"), VerticalScroll():
                    yield Static("", id=f"body-{tab_id}", classes="tab-body")

    @property
    def compact(self) -> bool:
        """Whether the header is compact (too few rows for every field)."""
        return 0 < self.size.height < COMPACT_BELOW

    def on_resize(self) -> None:
        tabs = self.query_one(TabbedContent)
        for (tab_id, _), name in zip(TABS, tab_names(self.size.width), strict=True):
            tab = tabs.get_tab(f"tab-{tab_id}")
            if tab.label_text != name:
                tab.label = name
        if self.detail is not None and self.compact != self.shown_compact:
            self.show(self.detail)

    def show_presence(self, others: tuple[PresenceRecord, ...]) -> None:
        """Who else is on the ticket shown: one line each ("lucia is replying, since
        10:41"), writers first; nothing (no line at all) when nobody is."""
        self.others = others
        number = self.detail.ticket.number if self.detail is not None else None
        here = on_ticket(others, number) if number is not None else []
        self.query_one("#detail-presence", Static).display = bool(here)
        shown = Text()
        for record in here:
            if shown:
                shown.append("\n")
            glyph = GLYPHS.get(record.doing, "")
            shown.append(f"{glyph} " if glyph else "")
            shown.append(clean(record.sentence(), single_line=True))
        self._put("#detail-presence", shown)

    def show(self, detail: TicketDetail | None) -> None:
        """Show a ticket (or nothing).  Only the open tab's body is built now, the others
        when they are opened; a part whose content is as shown is left alone (no layout,
        no repaint), so a reload that changed one tab repaints that tab only."""
        self.detail = detail
        self.shown_compact = self.compact
        self.show_presence(self.others)
        if detail is None:
            self._put("#detail-fields", Text("No ticket selected.", style="dim"))
            self._put("#detail-actions", Text())
            self._wanted = dict.fromkeys(TAB_IDS)
        else:
            now = self.clock()
            fields = fields_text(detail, now)
            compact = self.shown_compact
            self._put("#detail-fields", compact_fields_text(detail, now) if compact else fields)
            self._put("#detail-actions", actions_text(detail, self.key_names()))
            self._wanted = {
                # A compact header leaves the fields to the top of the History tab.
                tab: (
                    tab_inputs(tab, detail, self.me),
                    fields if compact and tab == "history" else None,
                )
                for tab in TAB_IDS
            }
        self._build(self.active_tab)

    @property
    def active_tab(self) -> str:
        """The id of the open tab (``conversation``...)."""
        active = self.query_one(TabbedContent).active
        return active.removeprefix("tab-") if active else TAB_IDS[0]

    def _put(self, selector: str, content: Text) -> None:
        """Update a part unless it shows this already."""
        if self._parts.get(selector) != content:
            self._parts[selector] = content
            self.query_one(selector, Static).update(content)

    def _build(self, tab: str) -> None:
        """Build ``tab``'s body for the ticket shown, unless it shows that already (the
        same inputs, drawn with the same key names)."""
        detail = self.detail
        if detail is not None and tab not in detail.parts:
            # Not read yet: nothing of the last ticket stays on it while it is read.
            if self._built.pop(tab, None) is not None:
                self.query_one(f"#body-{tab}", Static).update(Text())
            if self.reader is not None:
                self.run_worker(
                    self._read_and_show(tab),
                    group="detail-part",
                    exclusive=True,
                    exit_on_error=False,
                )
            return
        wanted = self._wanted.get(tab)
        built = self._built.get(tab)
        keys = self.key_names()
        if built is not None and built[0] == wanted and built[1].same(keys):
            return
        body = Text()
        recorder = KeysUsed(keys)
        if detail is not None and wanted is not None:
            body = tab_body(tab, detail, self.me, recorder)
            fields_on_top = wanted[1]
            if fields_on_top is not None:
                body = Text.assemble(fields_on_top, "\n\n", body)
        self._built[tab] = (wanted, recorder)
        self.query_one(f"#body-{tab}", Static).update(body)

    async def read(self, number: int) -> TicketDetail:
        """Ticket ``number`` read for this view: its fields and the open tab's part."""
        assert self.reader is not None, "a view that reads is given a reader"
        return await self.reader(number, frozenset({self.active_tab}))

    async def with_part(self, tab: str) -> TicketDetail | None:
        """The ticket shown with ``tab``'s part, read now if it was not; None when there
        is no ticket, or it changed or could not be read meanwhile (the screen hears of
        the change and shows it again)."""
        detail = self.detail
        if detail is None or tab in detail.parts:
            return detail
        if self.reader is None:
            return None
        try:
            part = await self.reader(detail.ticket.number, frozenset({tab}))
        except ConsoleError:
            return None
        now = self.detail
        if now is None or (now.ticket.number, now.ticket.version) != (
            part.ticket.number,
            part.ticket.version,
        ):
            return None
        return now.with_parts(part)

    async def _read_and_show(self, tab: str) -> None:
        detail = await self.with_part(tab)
        if detail is not None and detail is not self.detail:
            self.show(detail)

    @on(TabbedContent.TabActivated)
    def _tab_opened(self, event: TabbedContent.TabActivated) -> None:
        """A tab opened (by key or mouse): its body, if the ticket changed since."""
        if event.pane.id is not None:
            self._build(event.pane.id.removeprefix("tab-"))

    def key_names(self) -> KeyNames:
        """The keys hints name, as the app's keymap has them now.  ``read_all`` is the
        pager key of the screen this view is on (the queue's or the full ticket's)."""
        source: KeySource = self.app
        read_all = "ticket.read_all" if self.id == "full" else "main.read_all"

        def name(binding_id: str) -> str:
            return key_hint(source, read_all if binding_id == "read_all" else binding_id)

        return name

    def scroll_tab(self, lines: int) -> None:
        """Scroll the open tab by lines (negative: up)."""
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active) if tabs.active else None
        if pane is not None:
            scroller = pane.query_one(VerticalScroll)
            scroller.scroll_to(y=max(0, scroller.scroll_y + lines), animate=False)

    def open_at(self, tab: str, message_id: int | None = None) -> None:
        """Open ``tab``; on the conversation, scrolled to the message ``message_id`` (a
        mention's comment, a customer's reply)."""
        tabs = self.query_one(TabbedContent)
        if tab in TAB_IDS:
            self._build(tab)
            tabs.active = f"tab-{tab}"
        detail = self.detail
        if tab != "conversation" or message_id is None or detail is None:
            return
        ids = [m.id for m in detail.messages]
        if message_id not in ids:
            return
        before = dataclasses.replace(detail, messages=detail.messages[: ids.index(message_id)])
        prefix = conversation_text(before, self.key_names()) if before.messages else None

        def scroll() -> None:
            pane = tabs.get_pane(f"tab-{tab}")
            scroller = pane.query_one(VerticalScroll)
            width = max(10, scroller.content_size.width)
            lines = len(prefix.wrap(self.app.console, width)) if prefix is not None else 0
            scroller.scroll_to(y=lines, animate=False)

        self.call_after_refresh(scroll)

    def reset(self, tab: str | None = None) -> None:
        """On ``tab`` (the Conversation tab unless given), every tab scrolled to the top:
        another ticket is about to be shown, and its body is built then."""
        self.query_one(TabbedContent).active = f"tab-{tab if tab in TAB_IDS else TAB_IDS[0]}"
        for scroller in self.query(VerticalScroll):
            scroller.scroll_to(y=0, animate=False)

    def switch_tab(self, step: int) -> None:
        """Next (+1) or previous (-1) tab."""
        current = TAB_IDS.index(self.active_tab) if self.active_tab in TAB_IDS else 0
        tab = TAB_IDS[(current + step) % len(TAB_IDS)]
        self._build(tab)
        self.query_one(TabbedContent).active = f"tab-{tab}"
