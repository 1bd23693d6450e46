"""The console App: builds the services from the settings, owns the acting agent, the
theme and the keymap, and keeps screens live with other agents' changes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.widgets import Static

from console.commands import ConsolePalette, TicketCommands
from console.config import Settings
from console.data.bulk import Report
from console.data.db import Database
from console.data.errors import ConsoleError
from console.data.queries import VIEWS, Queries
from console.data.tickets import TicketService
from console.keys import bindings, check_keymap
from console.messages import DatabaseChanged, OpenDashboard, OpenTicket, TicketChanged
from console.safe import clean
from console.screens.dashboard import DashboardScreen
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.help import HelpScreen
from console.screens.main import MainScreen
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
        #: every view the queue offers (the queue screen adds saved views as it reads them)
        self.view_names: dict[str, str] = dict(VIEWS)
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
        self.connect()

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def connect(self) -> None:
        """Open the database, find the acting agent, then show the queue."""
        from console.data.directory import resolve_actor
        from console.session import open_database

        try:
            if self.db is None:
                self.db, self.password_source = await open_database(self.target, interactive=False)
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
        self.actor_name = actor.username
        self.header_info = HeaderInfo(actor.username, actor.role.value, self.db.label)
        queue = MainScreen()
        await self.push_screen(queue)
        queue.reload()
        if self.password_source:
            self.tell("Database password from {source}.", source=self.password_source)
        if self.watch_changes:
            self.watch_database()

    @work(exclusive=True, group="live", exit_on_error=False)
    async def watch_database(self) -> None:
        """Reload what is shown when another agent commits a change."""
        from console.data.live import ChangeWatcher

        assert self.db is not None
        watcher = ChangeWatcher(self.db)
        self.set_interval(1.0, lambda: self._set_live(watcher.live))
        async for _ in watcher.changes():
            self.broadcast(DatabaseChanged())

    def _set_live(self, live: bool) -> None:
        if live != self.header_info.live:
            self.header_info = replace(self.header_info, live=live)

    async def on_unmount(self) -> None:
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
        """Show one ticket full screen."""
        self.push_screen(TicketScreen(message.number))

    @on(OpenDashboard)
    def open_dashboard(self) -> None:
        """Show the lead's dashboard."""
        self.push_screen(DashboardScreen())

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
    app.run()
    return app.return_code or 0
