"""The full-screen ticket (narrow terminals): fields, actions and the seven tabs.

The console keeps one ticket screen and opens each ticket on it (``reopen``): building
the screen's widgets and styling them took most of the time between ``enter`` and the
ticket.  The ticket is read before the screen is shown, so it never shows the last one.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult

from console.data.errors import ConsoleError
from console.data.presence import VIEWING
from console.data.records import TicketDetail
from console.keys import bindings
from console.messages import DatabaseChanged, PresenceChanged, TicketChanged, WriteMessage
from console.screens.pager import PagerScreen
from console.screens.ticket_actions import TicketActions
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader
from console.widgets.ticket_detail import TicketDetailView, conversation_plain


class TicketScreen(ReportsWorkerErrors, TicketActions):
    """One ticket, full screen; esc goes back to the queue."""

    BINDINGS = bindings("TicketScreen")

    def __init__(
        self,
        number: int,
        tab: str | None = None,
        message_id: int | None = None,
        *,
        detail: TicketDetail | None = None,
    ) -> None:
        super().__init__()
        self.number = number
        self.version = 0
        #: where it opens (the inbox opens a mention at its comment, an approval on
        #: its tab); used at the first load only
        self.tab = tab
        self.message_id = message_id
        #: the ticket as read before the screen was built (shown without reading again)
        self.first_read = detail

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield TicketDetailView(
            me=self.ctx.actor_name, clock=self.ctx.clock, reader=self.read_ticket, id="full"
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.first_read is None:
            self.load()
        else:
            self.query_one(TicketDetailView).reset(self.tab)  # the tab that was read
            self.present(self.first_read)
            self.first_read = None

    def reopen(self, detail: TicketDetail, tab: str | None, message_id: int | None) -> None:
        """Show another ticket (read already) on this screen, as a new screen would: on
        the Conversation tab (or ``tab``), every tab scrolled to the top."""
        self.number = detail.ticket.number
        self.tab = tab
        self.message_id = message_id
        self.query_one(TicketDetailView).reset(tab)  # the tab that was read
        self.present(detail)

    @work(exclusive=True, group="ticket", exit_on_error=False)
    async def load(self) -> None:
        """Read the ticket and show it."""
        try:
            detail = await self.query_one(TicketDetailView).read(self.number)
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            if self.is_current:
                self.dismiss()
            # Under a form: leave the form (and what is typed in it) alone; the error
            # shows again when the agent comes back to this screen and it reloads.
            return
        self.present(detail)

    def present(self, detail: TicketDetail) -> None:
        """Show the ticket as read."""
        self.version = detail.ticket.version
        view = self.query_one(TicketDetailView)
        view.others = self.ctx.presence
        view.show(detail)
        if self.tab is not None:
            view.open_at(self.tab, self.message_id)
            self.tab = self.message_id = None
        self.offer_keys_of(detail)
        self.query_one(ConsoleHeader).place = f"#{self.number}"

    def current_ticket(self) -> tuple[int, int] | None:
        return (self.number, self.version) if self.version else None

    def presence_here(self) -> tuple[int, str] | None:
        """This screen's ticket: the agent is viewing it."""
        return (self.number, VIEWING)

    @on(PresenceChanged)
    def show_presence(self) -> None:
        """Who else is on this ticket."""
        self.query_one(TicketDetailView).show_presence(self.ctx.presence)

    @on(TicketChanged)
    @on(DatabaseChanged)
    def changed(self) -> None:
        """A ticket changed (by an action here or another agent): show it as it is now."""
        self.load()

    def action_message(self) -> None:
        """``M``: a private message to agents about this ticket."""
        self.post_message(WriteMessage(self.number))

    def action_back(self) -> None:
        self.dismiss()

    async def action_read_all(self) -> None:
        detail = await self.query_one(TicketDetailView).with_part("conversation")
        if detail is not None:
            self.app.push_screen(
                PagerScreen(f"#{self.number} conversation", conversation_plain(detail))
            )

    def action_reload(self) -> None:
        self.load()

    def action_tab(self, step: int) -> None:
        self.query_one(TicketDetailView).switch_tab(step)

    def action_scroll_tab(self, lines: int) -> None:
        self.query_one(TicketDetailView).scroll_tab(lines)
