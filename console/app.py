"""The console App: builds the services from the settings, owns the acting agent, the
theme and the keymap, and keeps screens live with other agents' changes."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Static

from console.collector import TICK_SECONDS, Collector
from console.commands import ConsolePalette, TicketCommands
from console.config import Settings
from console.data.bulk import Report
from console.data.db import Database
from console.data.errors import ConsoleError
from console.data.inbox import Inbox, MessageRecord, said
from console.data.presence import (
    EXPIRY_SECONDS,
    HEARTBEAT_SECONDS,
    VIEWING,
    PresenceBoard,
    PresenceRecord,
    on_ticket,
)
from console.data.queries import VIEWS, Queries
from console.data.records import DETAIL_PARTS
from console.data.tickets import TicketService
from console.keys import bindings, check_keymap
from console.messages import (
    DatabaseChanged,
    InboxChanged,
    OpenDashboard,
    OpenInbox,
    OpenRecords,
    OpenTicket,
    PresenceChanged,
    PresenceMoved,
    TicketChanged,
    WriteMessage,
)
from console.safe import clean
from console.screens.dashboard import DashboardScreen
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.help import HelpScreen
from console.screens.main import MainScreen
from console.screens.records import RecordsScreen
from console.screens.ticket import TicketScreen
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.header import ConsoleHeader, HeaderInfo


def styles_dir() -> Path:
    """The .tcss files: inside the installed package, or at the root of a checkout."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "styles"


#: How long a notice stays when its sender names no time (seconds): a few seconds, a
#: problem a little longer, so it can be read.
NOTICE_SECONDS: dict[str, float] = {"information": 4, "warning": 6, "error": 9}
#: No notice stays longer than this.
NOTICE_MOST = 12


class AgentConsole(ReportsWorkerErrors, App[None]):
    """The help desk console (it is the ``ConsoleContext`` its screens see)."""

    TITLE = "agent-console"
    CSS_PATH = [styles_dir() / "console.tcss"]  # noqa: RUF012
    COMMANDS = App.COMMANDS | {TicketCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = bindings("AgentConsole")

    #: what every screen's header shows of the session
    header_info: var[HeaderInfo] = var(HeaderInfo)

    def __init__(
        self,
        settings: Settings,
        target: str,
        as_user: str | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        watch: bool = True,
        database: Database | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.target = target
        self.as_user = as_user
        self.clock = clock or (lambda: datetime.now(UTC))
        #: The last change of mine an undo (``U``) puts back: a bulk action or one
        #: ticket's release, assign, pick up or stage change.
        self.last_change: Report | None = None
        self.watch_changes = watch
        self.db: Database | None = database
        self.owns_db = database is None
        self.service: TicketService = None  # type: ignore[assignment]
        self.queries: Queries = None  # type: ignore[assignment]
        self.actor_name = ""
        self.password_source: str | None = None
        self._asking_to_quit = False
        #: the screen each ticket opens on (kept once built; see ``show_ticket``)
        self.ticket_screen: TicketScreen | None = None
        #: the newest inbox entry already told of (newer ones arrive as notices)
        self.inbox_seen = 0
        #: when the agent's next reminder is due (fired on the live tick at its time)
        self.next_reminder: datetime | None = None
        #: this console's presence (set once the database is open)
        self.board: PresenceBoard | None = None
        #: the other agents on tickets now, as last read
        self.presence: tuple[PresenceRecord, ...] = ()
        self._presence_wanted: tuple[int, str] | None = None
        self._presence_wake = asyncio.Event()
        self._presence_expiry: Timer | None = None
        #: every view the queue offers (the queue screen adds saved views as it reads them)
        self.view_names: dict[str, str] = dict(VIEWS)
        #: when full garbage collections run (``console.collector``); only in the
        #: console's own process (``run_console``), never in a program that embeds it
        self.collector: Collector | None = None
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        elif settings.theme:
            settings.report(
                ("theme",),
                f"unknown theme {settings.theme!r}; using the default. Themes: "
                + ", ".join(sorted(self.available_themes)),
            )
        if settings.keymap:
            # Unknown ids, bad key names and clashes are reported; those keep their keys.
            keymap, problems = check_keymap(settings)
            settings.problems.extend(p for p in problems if p not in settings.problems)
            self.set_keymap(keymap)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(Text("Opening the database…"), id="opening")

    def on_mount(self) -> None:
        for problem in self.settings.problems:
            self.notify(problem, severity="warning", markup=False, timeout=10)
        if self.collector is not None:
            self.set_interval(TICK_SECONDS, self.collector.tick)
        self.connect()

    async def on_event(self, event: events.Event) -> None:
        if self.collector is not None and isinstance(event, events.InputEvent):
            self.collector.input()  # no full collection while the agent types
        await super().on_event(event)

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def connect(self) -> None:
        """Open the database, find the acting agent, then show the queue."""
        from console.data.directory import resolve_actor
        from console.session import login_role, open_database

        try:
            if self.db is None:
                self.db, self.password_source = await open_database(
                    self.target,
                    interactive=False,
                    role=login_role(self.settings, self.as_user),
                )
            actor = await resolve_actor(self.db, self.as_user)
        except ConsoleError as exc:
            self.exit(return_code=1, message=str(exc))
            return
        self.service = TicketService(
            self.db,
            actor,
            clock=self.clock,
            sla=self.settings.sla(),
            mail=self.settings.mail_setup(),
        )
        self.queries = self.service.queries
        self.board = PresenceBoard(self.db, actor, clock=self.clock)
        self.actor_name = actor.username
        self.header_info = HeaderInfo(actor.username, actor.role.value, self.db.label)
        queue = MainScreen()
        await self.push_screen(queue)
        queue.reload()
        if self.password_source:
            self.tell("Database password from {source}.", source=self.password_source)
        inbox = self.inbox()
        try:
            await inbox.remember_mail_choice(self.settings.inbox_mail)
        except ConsoleError as exc:
            self.notify(str(exc), severity="warning", markup=False)
        self.inbox_seen = await inbox.latest_id()
        await self.fire_reminders()
        await self.refresh_inbox()
        self.set_interval(1.0, self._reminder_tick)
        if self.watch_changes:
            self.watch_database()

    @work(exclusive=True, group="live", exit_on_error=False)
    async def watch_database(self) -> None:
        """Reload what is shown when another agent commits a change; say what this agent
        is on and hear what the others are on (presence)."""
        from console.data.live import ChangeWatcher

        assert self.db is not None and self.board is not None
        watcher = ChangeWatcher(self.db, board=self.board)
        self.set_interval(1.0, lambda: self._set_live(watcher.live))
        self.presence_moved()
        with contextlib.suppress(ConsoleError):
            self.take_presence(await self.board.others())

        async def hear() -> None:
            async for heard in watcher.heard():
                if heard.data:
                    self.broadcast(DatabaseChanged())
                    await self.refresh_inbox()
                if heard.presence is not None:
                    self.take_presence(heard.presence)

        await asyncio.gather(hear(), self._say_presence())

    # -- the inbox ----------------------------------------------------------------------

    def inbox(self) -> Inbox:
        """The acting agent's inbox."""
        return Inbox(self.service.db, self.service.actor, self.clock, self.service.mail)

    async def refresh_inbox(self) -> None:
        """The unread count in the header, a notice for each entry that just arrived,
        and when the next reminder is due."""
        inbox = self.inbox()
        try:
            arrived = await inbox.since(self.inbox_seen)
            unread = await inbox.unread_count()
            self.next_reminder = await inbox.next_reminder()
        except ConsoleError:
            return  # the database is away: the header says offline
        if arrived:
            self.inbox_seen = arrived[-1].id
            for entry in arrived[-3:]:
                about = f" on #{entry.ticket}" if entry.ticket is not None else ""
                self.tell(
                    "Inbox: {who}{about}: {text}",
                    who=said(entry.kind, entry.sender),
                    about=about,
                    text=entry.text,
                    timeout=8,
                )
            if len(arrived) > 3:
                self.tell("Inbox: {count} more (g i).", count=len(arrived) - 3)
            self.broadcast(InboxChanged())
        if unread != self.header_info.inbox:
            self.header_info = replace(self.header_info, inbox=unread)

    async def fire_reminders(self) -> None:
        """Fire the agent's due reminders (each once, whoever fires it first)."""
        try:
            await self.inbox().fire_my_reminders()
        except ConsoleError:
            return

    async def _reminder_tick(self) -> None:
        """The live tick: a reminder whose time has come fires (no statement otherwise)."""
        if self.next_reminder is not None and self.clock() >= self.next_reminder:
            self.next_reminder = None
            await self.fire_reminders()
            await self.refresh_inbox()

    @on(InboxChanged)
    async def inbox_changed(self) -> None:
        """An entry was read here: the count in the header follows."""
        try:
            unread = await self.inbox().unread_count()
        except ConsoleError:
            return
        if unread != self.header_info.inbox:
            self.header_info = replace(self.header_info, inbox=unread)

    @on(OpenInbox)
    def open_inbox(self) -> None:
        """Show the agent's inbox."""
        from console.screens.inbox import InboxScreen

        self.push_screen(InboxScreen())

    @on(WriteMessage)
    async def write_message(self, message: WriteMessage) -> None:
        """The form of a private message (about a ticket, if given)."""
        from console.screens.inbox import message_form

        names = [a.username for a in await self.queries.agents() if a.active]
        names = [n for n in names if n != self.actor_name]

        def sent(record: MessageRecord | None) -> None:
            if record is not None:
                self.tell(
                    "Sent “{subject}” to {to}.",
                    subject=record.subject,
                    to=", ".join(record.to),
                )
                self.broadcast(InboxChanged())

        await self.push_screen(
            message_form(self.inbox(), names, message.ticket, message.to, message.subject), sent
        )

    # -- presence: who else is on a ticket ----------------------------------------------

    def where_am_i(self) -> tuple[int, str] | None:
        """The ticket this agent has open and what they do on it, from the screens
        shown: the topmost screen that says; a question or picker over it says nothing,
        another full screen (the dashboard) means no ticket."""
        for screen in reversed(self.screen_stack):
            here = getattr(screen, "presence_here", None)
            found = here() if here is not None else None
            if found is not None or not screen.is_modal:
                return found
        return None

    @on(PresenceMoved)
    def presence_moved(self) -> None:
        """Tell the others at once when this agent's ticket or activity changed."""
        wanted = self.where_am_i()
        if wanted != self._presence_wanted:
            self._presence_wanted = wanted
            self._presence_wake.set()

    async def _say_presence(self) -> None:
        """The one writer of this console's presence: a change as it happens, else a
        heartbeat every ``HEARTBEAT_SECONDS`` while a ticket is open."""
        assert self.board is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._presence_wake.wait(), HEARTBEAT_SECONDS)
            self._presence_wake.clear()
            wanted = self._presence_wanted
            try:
                if wanted != self.board.state:
                    await self.board.say(*(wanted or (None, VIEWING)))
                else:
                    await self.board.beat()
            except ConsoleError:
                # Presence is a courtesy: a busy or lost database never stops the console
                # (the watcher says "not live"); the next heartbeat tries again.
                self.board.state = None

    def take_presence(self, records: tuple[PresenceRecord, ...]) -> None:
        """The others' presence as just read: shown anew only when it says something
        new (a heartbeat redraws nothing); read again when the oldest would expire."""
        if self._presence_expiry is not None:
            self._presence_expiry.stop()
            self._presence_expiry = None
        if records:
            oldest = min(r.heartbeat_at for r in records)
            due = (oldest - self.clock()).total_seconds() + EXPIRY_SECONDS + 0.5
            self._presence_expiry = self.set_timer(max(1.0, due), self.read_presence)
        if records == self.presence:
            return
        self.presence = records
        self.broadcast(PresenceChanged(records))

    @work(exclusive=True, group="presence-read", exit_on_error=False)
    async def read_presence(self) -> None:
        """Read the others' presence again (a row may have expired)."""
        if self.board is not None:
            with contextlib.suppress(ConsoleError):
                self.take_presence(await self.board.others())

    async def others_on(self, number: int) -> list[PresenceRecord]:
        """The other agents on a ticket, read now (writers first)."""
        if self.board is None:
            return []
        return on_ticket(await self.board.others(), number)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        """Push a screen; presence follows what is now shown."""
        result = super().push_screen(*args, **kwargs)
        self.call_later(self.presence_moved)
        return result

    def pop_screen(self) -> Any:
        """Pop a screen; presence follows what is now shown."""
        result = super().pop_screen()
        self.call_later(self.presence_moved)
        return result

    def _set_live(self, live: bool) -> None:
        if live != self.header_info.live:
            self.header_info = replace(self.header_info, live=live)

    async def on_unmount(self) -> None:
        if self.collector is not None:
            self.collector.stop()
        if self.board is not None and self.board.state is not None:
            # A clean exit: the others stop seeing this agent at once.
            with contextlib.suppress(Exception):
                await self.board.leave()
        if self.db is not None and self.owns_db:
            await self.db.dispose()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice: never markup, and no raw control characters (a refusal sentence
        can quote an account or agent name that came from outside); it goes away by
        itself after a few seconds, a problem a little later, none after ``NOTICE_MOST``."""
        seconds = NOTICE_SECONDS.get(severity, 6) if timeout is None else timeout
        super().notify(
            clean(message),
            title=title,
            severity=severity,
            timeout=min(seconds, NOTICE_MOST),
            markup=False,
        )

    def tell(
        self,
        template: str,
        /,
        *,
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        **values: object,
    ) -> None:
        """A notice in our own words with values filled in (``{name}`` in the template):
        text values (names, what was typed, sentences quoting them) are shown as plain,
        cleaned text, numbers as formatted; nothing is ever read as markup."""
        shown = {
            k: clean(v, single_line=True) if isinstance(v, str) else v for k, v in values.items()
        }
        self.notify(template.format(**shown), severity=severity, timeout=timeout)

    # -- what screens ask of the console ----------------------------------------------

    def broadcast(self, message: Message) -> None:
        """Pass a message to every screen on the stack (each takes what concerns it)."""
        for screen in self.screen_stack:
            # One message is handled by one target: each screen gets its own copy (made
            # before any is posted, so none carries another's handling state).
            screen.post_message(copy.copy(message))

    @on(OpenTicket)
    def open_ticket(self, message: OpenTicket) -> None:
        """Show one ticket full screen (on a tab, at a message, when asked)."""
        self.show_ticket(message.number, message.tab, message.message_id)

    @work(group="open-ticket", exclusive=True, exit_on_error=False)
    async def show_ticket(self, number: int, tab: str | None, message_id: int | None) -> None:
        """Read the ticket, then show it: on the console's one ticket screen, or on a
        screen of its own when that one is open already (under a form or the inbox)."""
        # It opens on the Conversation tab, or the tab asked for: that tab is read.
        shown = tab if tab in DETAIL_PARTS else "conversation"
        try:
            detail = await self.queries.detail(number, {shown})
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        kept = self.ticket_screen
        if kept is not None and kept not in self.screen_stack:
            kept.reopen(detail, tab, message_id)
            self.push_screen(kept)
            return
        screen = TicketScreen(number, tab, message_id, detail=detail)
        if kept is None:
            self.ticket_screen = screen
            self.install_screen(screen, name="ticket")
        self.push_screen(screen)

    @on(OpenDashboard)
    def open_dashboard(self) -> None:
        """Show the lead's dashboard."""
        self.push_screen(DashboardScreen())

    @on(OpenRecords)
    def open_records(self) -> None:
        """Show the desk's records: leads read them, admins change them."""
        actor = self.queries.actor
        if actor.role.value == "agent":
            self.tell(
                "The desk's records are for leads and admins; you ({who}) are an agent.",
                severity="warning",
                who=actor.username,
            )
            return
        self.push_screen(RecordsScreen())

    @work(group="palette-assign", exit_on_error=False)
    async def assign_to(self, number: int, version: int, username: str) -> None:
        """Assign from the command palette."""
        try:
            await self.service.assign(number, username, expected_version=version)
        except ConsoleError as exc:
            self.notify(str(exc), severity="warning", markup=False, timeout=6)
        else:
            self.tell("Assigned #{number} to {username}.", number=number, username=username)
        self.broadcast(TicketChanged(number))

    async def action_quit(self) -> None:
        """``q`` (outside forms) and ``ctrl+q`` (everywhere): quit, asking first when a form
        holds typed text that would be lost."""
        typed = [s for s in self.screen_stack if isinstance(s, FormScreen) and s.dirty]
        if not typed:
            self.exit()
            return
        if self._asking_to_quit:
            return  # the question is on screen already

        def answered(quit_now: bool | None) -> None:
            self._asking_to_quit = False
            if quit_now:
                self.exit()

        self._asking_to_quit = True
        title = clean(typed[-1].form_title, single_line=True)
        await self.push_screen(
            ConfirmScreen(f"Quit? What you typed in \u201c{title}\u201d would be lost."), answered
        )

    def action_command_palette(self) -> None:
        """The palette (``ctrl+p``), where a typed ticket number opens at once."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(ConsolePalette(id="--command-palette"))

    def action_help(self) -> None:
        """Help for the screen shown: its keys as they are mapped now."""
        self.push_screen(HelpScreen(self.screen))


def run_console(settings: Settings, target: str, as_user: str | None) -> int:
    """Run the console until the agent quits; returns the exit code."""
    app = AgentConsole(settings, target, as_user)
    app.collector = Collector()
    app.run()
    return app.return_code or 0
