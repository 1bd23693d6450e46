"""The full-screen ticket (narrow terminals): fields, actions and the seven tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from console.data.errors import ConsoleError
from console.screens.pager import PagerScreen
from console.screens.ticket_actions import TICKET_BINDINGS, TicketActions
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.header import ConsoleHeader
from console.widgets.ticket_detail import TicketDetailView, conversation_plain

if TYPE_CHECKING:
    from console.app import AgentConsole


class TicketScreen(ReportsWorkerErrors, TicketActions, Screen[None]):
    """One ticket, full screen; esc goes back to the queue."""

    app: AgentConsole

    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "back", "Back", id="ticket.back"),
        Binding(
            "right,l,greater_than_sign", "tab(1)", "Next tab", show=False, id="ticket.next_tab"
        ),
        Binding("left,h,less_than_sign", "tab(-1)", "Prev tab", show=False, id="ticket.prev_tab"),
        Binding("down,j", "scroll_tab(1)", "Scroll down", show=False, id="ticket.scroll_down"),
        Binding("up,k", "scroll_tab(-1)", "Scroll up", show=False, id="ticket.scroll_up"),
        Binding(
            "pagedown,ctrl+d,space",
            "scroll_tab(20)",
            "Page down",
            show=False,
            id="ticket.page_down",
        ),
        Binding("pageup,ctrl+u", "scroll_tab(-20)", "Page up", show=False, id="ticket.page_up"),
        Binding("home,g", "scroll_tab(-1000000)", "Top", show=False, id="ticket.top"),
        Binding("end,G", "scroll_tab(1000000)", "Bottom", show=False, id="ticket.bottom"),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="ticket.refresh"),
        Binding("x", "read_all", "Read all", show=False, id="ticket.read_all"),
        *TICKET_BINDINGS,
    ]

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.version = 0

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield TicketDetailView(me=self.app.actor_name, clock=self.app.clock, id="full")
        yield Footer()

    def on_mount(self) -> None:
        self.app.show_header(self)
        self.load()

    @work(exclusive=True, group="ticket", exit_on_error=False)
    async def load(self) -> None:
        """Read the ticket and show it."""
        try:
            detail = await self.app.queries.detail(self.number)
        except ConsoleError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            if self.is_current:
                self.dismiss()
            # Under a form: leave the form (and what is typed in it) alone; the error
            # shows again when the agent comes back to this screen and it reloads.
            return
        self.version = detail.ticket.version
        self.query_one(TicketDetailView).show(detail)
        self.app.header_place(f"#{self.number}")

    def current_ticket(self) -> tuple[int, int] | None:
        return (self.number, self.version) if self.version else None

    def ticket_changed(self, number: int) -> None:
        self.load()
        self.app.refresh_queue()

    def refresh_live(self) -> None:
        """Another agent changed something: show the ticket as it is now."""
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_read_all(self) -> None:
        detail = self.query_one(TicketDetailView).detail
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
