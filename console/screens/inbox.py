"""The inbox (``g i``): what waits on the agent, newest first, unread ones marked (``●``
and bold); ``enter`` opens an entry where it points (a mention at its comment, an
approval on the Approvals tab, a reminder on the Activities tab, a message in full) and
marks it read.  ``s`` shows the sent messages instead, ``M`` writes one, ``d`` deletes a
message for oneself.  Every text here came from someone else: shown as plain, cleaned
text, never markup."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from console.context import InConsole
from console.data.errors import BadValue, ConsoleError, NotFound
from console.data.inbox import (
    APPROVAL,
    ASSIGNED,
    CUSTOMER_REPLY,
    MENTION,
    MESSAGE,
    REMINDER,
    Inbox,
    InboxRecord,
    MessageRecord,
    said,
)
from console.data.when import show_local
from console.keys import bindings, key_hint
from console.messages import DatabaseChanged, InboxChanged, OpenTicket, WriteMessage
from console.safe import clean
from console.screens.form import Field, FieldError, FormScreen
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.completion import NamesSuggester
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader

#: Where enter opens each kind on its ticket: the tab.
OPENS_ON: dict[str, str] = {
    MENTION: "conversation",
    CUSTOMER_REPLY: "conversation",
    APPROVAL: "approvals",
    REMINDER: "activities",
    ASSIGNED: "conversation",
    MESSAGE: "conversation",
}

#: A glyph per kind, so the list reads without colour.
GLYPHS: dict[str, str] = {
    MENTION: "@",
    APPROVAL: "?",
    REMINDER: "⏰",
    ASSIGNED: "→",
    CUSTOMER_REPLY: "↩",
    MESSAGE: "✉",
}


def inbox_of(ctx: Any) -> Inbox:
    """The acting agent's inbox."""
    service = ctx.service
    return Inbox(service.db, service.actor, ctx.clock, service.mail)


def message_form(
    inbox: Inbox, names: list[str], ticket: int | None, to: str = "", subject: str = ""
) -> FormScreen:
    """Write a private message to one or more agents, maybe about a ticket."""

    async def send(values: dict[str, Any]) -> MessageRecord:
        about_text = str(values.get("ticket") or "").strip().lstrip("#")
        if about_text and not about_text.isdigit():
            raise FieldError("ticket", "A ticket number, like 1042 (or leave it empty).")
        recipients = [n for n in str(values["to"]).replace(" ", ",").split(",") if n.strip()]
        try:
            return await inbox.send(
                recipients,
                values["subject"],
                values["body"],
                ticket=int(about_text) if about_text else None,
            )
        except NotFound as exc:
            raise FieldError("ticket", str(exc)) from None
        except BadValue as exc:
            text = str(exc)
            field = "to"
            if "subject" in text:
                field = "subject"
            elif "text" in text:
                field = "body"
            raise FieldError(field, text) from None

    title = f"Message about #{ticket}" if ticket else "Message to agents"
    return FormScreen(
        title,
        [
            Field(
                "to",
                "To (agents, comma-separated)",
                value=to,
                suggester=NamesSuggester(names),
                required=True,
            ),
            Field("subject", "Subject", value=subject, required=True),
            Field("body", "Text", "text", required=True),
            Field(
                "ticket",
                "About ticket (empty: none)",
                value=str(ticket) if ticket else "",
                placeholder="e.g. 1042",
            ),
        ],
        send,
    )


class InboxScreen(InConsole, ReportsWorkerErrors, Screen[None]):
    """The agent's inbox (or sent messages): the list, and the entry under the cursor."""

    BINDINGS = bindings("InboxScreen")

    DEFAULT_CSS = """
    InboxScreen #inbox-panes { height: 1fr; }
    InboxScreen #inbox-list { width: 3fr; height: 1fr; }
    InboxScreen #inbox-reading { width: 2fr; height: 1fr; padding: 0 1; }
    InboxScreen #inbox-hint { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[InboxRecord] = []
        self.sent: list[MessageRecord] = []
        self.showing_sent = False

    @property
    def inbox(self) -> Inbox:
        return inbox_of(self.ctx)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="inbox-panes"):
            yield OptionList(id="inbox-list")
            with VerticalScroll(id="inbox-reading"):
                yield Static("", id="inbox-entry")
        yield Static(self.hint(), id="inbox-hint")
        yield KeyFooter()

    def hint(self) -> Text:
        def key(binding_id: str) -> str:
            return key_hint(self.app, binding_id)

        return Text(
            f"● unread · enter opens · {key('inbox.toggle_read')} read/unread · "
            f"{key('inbox.all_read')} all read · {key('inbox.message')} message · "
            f"{key('inbox.sent')} sent · {key('inbox.delete')} delete a message",
            style="dim",
            no_wrap=True,
            overflow="ellipsis",
        )

    def on_mount(self) -> None:
        self.load()
        self.query_one("#inbox-list", OptionList).focus()

    @on(DatabaseChanged)
    @on(InboxChanged)
    def changed(self) -> None:
        self.load()

    @work(exclusive=True, group="inbox", exit_on_error=False)
    async def load(self) -> None:
        """Read the entries (or the sent messages) and show them, keeping the cursor."""
        options = self.query_one("#inbox-list", OptionList)
        keep = options.highlighted
        header = self.query_one(ConsoleHeader)
        if self.showing_sent:
            self.sent = await self.inbox.messages(sent=True)
            header.place = "Sent messages"
            prompts = [self._sent_option(m) for m in self.sent]
            empty = "You have sent no messages."
        else:
            self.entries = await self.inbox.entries()
            header.place = "Inbox"
            prompts = [self._option(e) for e in self.entries]
            empty = "Nothing waits on you: mentions, approvals, reminders and messages land here."
        options.clear_options()
        options.add_options(prompts)
        if prompts:
            options.highlighted = min(keep or 0, len(prompts) - 1)
        self.show_current()
        if not prompts:
            self.query_one("#inbox-entry", Static).update(Text(empty, style="dim"))

    @staticmethod
    def _option(entry: InboxRecord) -> Option:
        prompt = Text(no_wrap=True, overflow="ellipsis")
        style = "" if entry.read else "bold"
        prompt.append("● " if not entry.read else "  ", style="bold")
        prompt.append(f"{GLYPHS.get(entry.kind, ' ')} ", style=style)
        prompt.append(f"{show_local(entry.at)[5:]}  ", style="dim")
        if entry.ticket is not None:
            prompt.append(f"#{entry.ticket}  ", style=style)
        prompt.append(clean(said(entry.kind, entry.sender), single_line=True) + ": ", style=style)
        prompt.append(clean(entry.text, single_line=True), style=style)
        return Option(prompt, id=f"entry-{entry.id}")

    @staticmethod
    def _sent_option(message: MessageRecord) -> Option:
        prompt = Text(no_wrap=True, overflow="ellipsis")
        prompt.append(f"✉ {show_local(message.at)[5:]}  ", style="dim")
        prompt.append("to " + clean(", ".join(message.to), single_line=True) + "  ")
        if message.ticket is not None:
            prompt.append(f"#{message.ticket}  ")
        prompt.append(clean(message.subject, single_line=True), style="bold")
        return Option(prompt, id=f"sent-{message.id}")

    def _index(self) -> int | None:
        index = self.query_one("#inbox-list", OptionList).highlighted
        rows = self.sent if self.showing_sent else self.entries
        if index is None or not 0 <= index < len(rows):
            return None
        return index

    @property
    def current(self) -> InboxRecord | None:
        index = self._index()
        return None if index is None or self.showing_sent else self.entries[index]

    @property
    def current_sent(self) -> MessageRecord | None:
        index = self._index()
        return None if index is None or not self.showing_sent else self.sent[index]

    @on(OptionList.OptionHighlighted, "#inbox-list")
    def highlighted(self) -> None:
        self.show_current()

    def show_current(self) -> None:
        pane = self.query_one("#inbox-entry", Static)
        sent = self.current_sent
        if sent is not None:
            pane.update(message_text(sent))
            return
        entry = self.current
        if entry is None:
            pane.update("")
            return
        if entry.kind == MESSAGE and entry.message_id is not None:
            self.show_message(entry.message_id)
            return
        pane.update(entry_text(entry))

    @work(exclusive=True, group="inbox-message", exit_on_error=False)
    async def show_message(self, message_id: int) -> None:
        pane = self.query_one("#inbox-entry", Static)
        try:
            message = await self.inbox.message(message_id)
        except NotFound:
            pane.update(Text("This message was deleted.", style="dim"))
            return
        pane.update(message_text(message))

    @on(OptionList.OptionSelected, "#inbox-list")
    def chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the entry where it points and mark it read."""
        entry = self.current
        if entry is None:
            sent = self.current_sent
            if sent is not None and sent.ticket is not None:
                self.post_message(OpenTicket(sent.ticket))
            return
        self.open_entry(entry)

    @work(group="inbox-open", exit_on_error=False)
    async def open_entry(self, entry: InboxRecord) -> None:
        if not entry.read:
            await self.inbox.mark(entry.id)
            self.ctx.broadcast(InboxChanged())
        if entry.kind == MESSAGE and entry.message_id is not None:
            try:
                message = await self.inbox.message(entry.message_id)
            except NotFound:
                self.ctx.tell("This message was deleted.", timeout=3)
                return
            from console.screens.pager import PagerScreen

            self.app.push_screen(PagerScreen(message.subject, message_plain(message)))
            return
        if entry.ticket is None:
            self.ctx.tell("This entry names no ticket.", timeout=3)
            return
        self.post_message(OpenTicket(entry.ticket, OPENS_ON[entry.kind], entry.comment_id))

    @work(group="inbox-mark", exit_on_error=False)
    async def action_toggle_read(self) -> None:
        entry = self.current
        if entry is None:
            return
        await self.inbox.mark(entry.id, read=not entry.read)
        self.ctx.broadcast(InboxChanged())

    @work(group="inbox-mark", exit_on_error=False)
    async def action_all_read(self) -> None:
        count = await self.inbox.mark_all_read()
        self.ctx.tell("Marked {count} read.", count=count)
        self.ctx.broadcast(InboxChanged())

    def action_message(self) -> None:
        """``M``: a new message; on a message, the answer to its sender."""
        entry = self.current
        if entry is not None and entry.kind == MESSAGE:
            subject = entry.text if entry.text.startswith("Re: ") else f"Re: {entry.text}"
            self.post_message(WriteMessage(entry.ticket, entry.sender, subject))
        else:
            self.post_message(WriteMessage())

    def action_toggle_sent(self) -> None:
        self.showing_sent = not self.showing_sent
        self.query_one("#inbox-list", OptionList).highlighted = None
        self.load()

    @work(group="inbox-delete", exit_on_error=False)
    async def action_delete(self) -> None:
        """Delete the message under the cursor for oneself (the others keep theirs)."""
        sent = self.current_sent
        entry = self.current
        message_id = sent.id if sent else entry.message_id if entry else None
        if message_id is None:
            self.ctx.tell("Only a message is deleted here; mark other entries read.", timeout=4)
            return
        try:
            gone = await self.inbox.delete_message(message_id)
        except ConsoleError as exc:
            self.ctx.tell("{why}", why=str(exc), severity="warning")
            return
        self.ctx.tell("Deleted the message \u201c{subject}\u201d for you.", subject=gone.subject)
        self.ctx.broadcast(InboxChanged())

    def action_move(self, step: int) -> None:
        options = self.query_one("#inbox-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()


def entry_text(entry: InboxRecord) -> Text:
    """The reading pane of an entry."""
    text = Text()
    text.append(clean(said(entry.kind, entry.sender), single_line=True), style="bold")
    if entry.ticket is not None:
        text.append(f" on #{entry.ticket}", style="bold")
    text.append(f"\n{show_local(entry.at)} · {'read' if entry.read else 'unread'}\n\n")
    text.append(clean(entry.text))
    text.append(f"\n\nenter opens it on the {OPENS_ON[entry.kind]} tab.", style="dim")
    return text


def message_text(message: MessageRecord) -> Text:
    """The reading pane of a private message."""
    text = Text()
    text.append(clean(message.subject, single_line=True), style="bold")
    text.append(
        "\nfrom "
        + clean(message.sender, single_line=True)
        + " to "
        + clean(", ".join(message.to), single_line=True)
        + f" · {show_local(message.at)}",
        style="dim",
    )
    if message.ticket is not None:
        text.append(f" · about #{message.ticket}", style="dim")
    text.append("\n\n" + clean(message.body))
    return text


def message_plain(message: MessageRecord) -> str:
    """A private message as the pager shows it."""
    about = f"\nAbout #{message.ticket}" if message.ticket is not None else ""
    return (
        f"From {message.sender} to {', '.join(message.to)}, {show_local(message.at)}{about}\n\n"
        f"{message.body}"
    )
