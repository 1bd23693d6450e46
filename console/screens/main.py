"""The queue screen: views, stage bar, the virtual ticket queue and (on wide terminals)
the detail pane beside it.  Its search and saved views (``queue_search``) and tag-then-act
(``tagged``) are parts of their own."""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Static, Tabs

from console.data.errors import ConsoleError
from console.data.filters import FilterError
from console.data.presence import VIEWING, markers
from console.data.queries import SORTS, QueueQuery, sort_key
from console.data.records import StageCounts, TicketRow
from console.data.workflow import STAGES
from console.keys import bindings, key_hint
from console.messages import (
    DatabaseChanged,
    NewTicket,
    OpenDashboard,
    OpenInbox,
    OpenRecords,
    OpenTicket,
    PresenceChanged,
    PresenceMoved,
    ShowSearch,
    ShowStage,
    ShowView,
    TicketChanged,
    WriteMessage,
)
from console.safe import clean
from console.screens.jump import JumpScreen
from console.screens.kb import KnowledgeBaseScreen
from console.screens.new_ticket import open_new_ticket
from console.screens.pager import PagerScreen
from console.screens.queue_search import SORT_NAMES, SearchAndViews
from console.screens.tagged import TaggedActions
from console.screens.tasks import MyTasksScreen
from console.screens.ticket_actions import TicketActions
from console.screens.view_picker import MY_TASKS, REMOVE, ViewPicker
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader
from console.widgets.search_bar import SearchBar
from console.widgets.stage_bar import StageBar
from console.widgets.ticket_detail import TicketDetailView, conversation_plain
from console.widgets.ticket_queue import FETCH_ROWS, TicketQueue
from console.widgets.view_list import ViewList

WIDE = 140  # columns from which the detail pane stands beside the queue
#: While other agents' (or the worker's) changes keep coming, the stage and view counts
#: are read again at most this often; the rows are read again for each change.  Counting
#: a large queue is the most expensive read, and a mail import changes tickets every
#: second: counted each time, it would take the CPU the agent's keys need.
RECOUNT_SECONDS = 5.0
#: An outside change that comes while the agent moves through the queue waits until they
#: pause this long (at most HOLD_MOST seconds): the rows do not shift under their keys, and
#: the reload does not take the CPU that their next key needs.
HOLD_WHILE_MOVING = 0.4
HOLD_MOST = 2.0


def view_list_fits(width: int) -> bool:
    """Whether the view list shows by default: when the queue keeps room for its columns
    beside it (and the detail pane, on wide terminals)."""
    return 100 <= width < WIDE or width >= 190


class MainScreen(ReportsWorkerErrors, TicketActions, SearchAndViews, TaggedActions):
    """The queue of the current view and stage, with the stage bar and views."""

    BINDINGS = bindings("MainScreen")

    def __init__(self) -> None:
        super().__init__()
        self.counts = StageCounts({})
        #: Every view's count, as last read (the view list shows them).
        self.view_counts: dict[str, int] = {}
        self.detail_number: int | None = None
        self.views_forced: bool | None = None
        #: when others' changes last had the counts read (monotonic seconds)
        self._counted_at = -RECOUNT_SECONDS
        self._recount_later = False
        #: since when an outside change waits for the agent to pause (None: none waits)
        self._held_since: float | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="body"):
            yield ViewList(id="views")
            with Vertical(id="center"):
                yield SearchBar(id="search")
                yield StageBar(id="stages")
                yield TicketQueue(clock=self.ctx.clock, id="queue")
                yield Static("", id="queue-status")
            yield TicketDetailView(
                me=self.ctx.actor_name, clock=self.ctx.clock, reader=self.read_ticket, id="side"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(TicketQueue).focus()
        self.load_saved_views()
        self._layout(self.size.width)
        self.show_presence()

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        side = self.query_one(TicketDetailView)
        shown = side.display
        side.display = width >= WIDE
        if side.display and self.footer_detail is not side.detail:
            side.show(self.footer_detail)
        if side.display != shown:
            self.post_message(PresenceMoved())
        views = self.query_one("#views")
        views.display = (
            self.views_forced if self.views_forced is not None else view_list_fits(width)
        )

    # -- what the screen shows ------------------------------------------------------

    def current_ticket(self) -> tuple[int, int] | None:
        row = self.query_one(TicketQueue).current
        return (row.number, row.version) if row else None

    @on(TicketChanged)
    def changed(self) -> None:
        """A ticket changed (here, or on another screen): reload in place, the cursor on
        its row (act and advance)."""
        self.reload(keep_position=True)

    @on(DatabaseChanged)
    def changed_elsewhere(self) -> None:
        """Another agent or the worker changed tickets: reload in place, the cursor on
        its ticket; the counts too, unless they were read less than ``RECOUNT_SECONDS``
        ago (then once that time is up).  While the agent is moving through the queue the
        reload waits for them to pause (``HOLD_WHILE_MOVING``, at most ``HOLD_MOST``)."""
        now = time.monotonic()
        moving = now - self.query_one(TicketQueue).moved_at < HOLD_WHILE_MOVING
        if moving and (self._held_since is None or now - self._held_since < HOLD_MOST):
            if self._held_since is None:
                self._held_since = now
                self.set_timer(HOLD_WHILE_MOVING, self._held_change)
            return
        self._held_since = None
        self._reload_elsewhere()

    def _reload_elsewhere(self) -> None:
        now = time.monotonic()
        wait = self._counted_at + RECOUNT_SECONDS - now
        if wait <= 0:
            self._counted_at = now
            self.reload(keep_position=True, follow=True)
            return
        self.reload(keep_position=True, follow=True, recount=False, count_views=False)
        if not self._recount_later:
            self._recount_later = True
            self.set_timer(wait, self._recount_now)

    def _recount_now(self) -> None:
        self._recount_later = False
        self.changed_elsewhere()

    def _held_change(self) -> None:
        """The change held back while the agent moved: shown now, or once they pause."""
        if self._held_since is None:
            return
        queue = self.query_one(TicketQueue)
        now = time.monotonic()
        pause = queue.moved_at + HOLD_WHILE_MOVING - now
        if pause > 0 and now - self._held_since < HOLD_MOST:
            self.set_timer(min(pause, self._held_since + HOLD_MOST - now), self._held_change)
            return
        self._held_since = None
        self._reload_elsewhere()

    def presence_here(self) -> tuple[int, str] | None:
        """The ticket the detail pane shows (viewing it), if the pane is shown."""
        side = self.query_one(TicketDetailView)
        if side.display and side.detail is not None:
            return (side.detail.ticket.number, VIEWING)
        return None

    @on(PresenceChanged)
    def show_presence(self) -> None:
        """Who else is on which ticket: the queue rows' markers and the detail's lines."""
        others = self.ctx.presence
        self.query_one(TicketQueue).set_presence(markers(others, plain=self.app.no_color))
        self.query_one(TicketDetailView).show_presence(others)

    @on(ShowView)
    def show_view(self, message: ShowView) -> None:
        self.switch(view=message.view)

    @on(ShowStage)
    def show_stage(self, message: ShowStage) -> None:
        self.switch(stage=message.stage)

    @on(ShowSearch)
    def show_search(self, message: ShowSearch) -> None:
        """A figure of the dashboard: its tickets as a search on the queue."""
        bar = self.query_one(SearchBar)
        if not self.search_text:
            self.search_from = self.view
        bar.open()
        bar.query_one(Input).value = message.text
        self.run_search(message.text, then_open=True)
        self.ctx.tell("The queue shows {title} ({text}).", title=message.title, text=message.text)

    @on(NewTicket)
    def new_ticket_asked(self) -> None:
        self.action_new_ticket()

    def show_status(self) -> None:
        queue = self.query_one(TicketQueue)
        total = queue.window.total
        position = f"{queue.cursor + 1:,} of {total:,}" if total else "empty"
        text = Text(no_wrap=True, overflow="ellipsis")
        if queue.tagged:
            text.append(f" {len(queue.tagged):,} tagged ", style="reverse")
        text.append(
            # What was typed or saved is shown cleaned (a paste may hold ESC).
            f" {clean(self.place(), single_line=True)} · {self.stage} · {position} · "
            f"sorted by {SORT_NAMES[self.sort]}",
            style="dim",
        )
        # One line high whatever it says (styles/console.tcss): no layout of the screen
        # for every cursor move, only this line drawn again.
        self.query_one("#queue-status", Static).update(text, layout=False)

    @work(exclusive=True, group="queue", exit_on_error=False)
    async def reload(
        self,
        keep_position: bool = False,
        *,
        follow: bool = False,
        recount: bool = True,
        count_views: bool = True,
    ) -> None:
        """The visible window first, then the counts; keeps the cursor's screen position
        when asked.  A stage switch keeps the counts (``recount=False``: they are the
        view's, whatever the stage), a view switch the other views' counts."""
        queries = self.ctx.queries
        queue = self.query_one(TicketQueue)
        generation = self.generation
        anchor = None
        if keep_position and queue.top > 0:
            top_row = queue.window.row(queue.top)
            anchor = sort_key(top_row, self.sort) if top_row else None
        # The saved view's filter and the search, read afresh (``due:<4h`` and ``overdue``
        # move with the clock); the windows fetched after this page on with the same.
        query = self.queue_query()
        rows: list[TicketRow]
        try:
            rows = await queries.window(query, after=anchor, inclusive=True, limit=FETCH_ROWS)
        except FilterError as exc:
            self.broken_view(exc)
            rows = []
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if generation != self.generation:
            return  # the person moved on to another view, stage or sort
        self.shown_query = query
        queue.columns_shown = self._columns()
        keep = keep_position and (anchor is not None or queue.top == 0)
        # Until the counts come, a full window says "at least this many".
        known = self.counts[self.stage] if not recount else len(rows)
        queue.show_rows(rows, known, keep_position=keep, follow=follow)
        self.query_one(StageBar).stage = self.stage
        self.show_status()
        self.query_one(ConsoleHeader).place = f"{self.place()} · {self.stage}"
        if recount or count_views:
            await self._recount(generation, query, recount=recount, count_views=count_views)

    async def _recount(
        self, generation: int, query: QueueQuery, *, recount: bool, count_views: bool
    ) -> None:
        """The stage counts of the view shown and every view's count, after the rows."""
        queries = self.ctx.queries
        try:
            counts = self.counts
            if recount:
                try:
                    counts = await queries.counts(query)
                except FilterError:
                    counts = StageCounts({})  # said when the rows were read
            if count_views:
                view_counts = await queries.view_counts(self.saved_queries(query.now))
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if generation != self.generation:
            return
        if recount:
            self.counts = counts
            bar = self.query_one(StageBar)
            bar.counts = counts
            self.query_one(TicketQueue).set_total(counts[self.stage])
        if count_views:
            self.view_counts = view_counts
            self.query_one(ViewList).show(self.view, view_counts, self.view_names())
        self.show_status()

    @on(TicketQueue.NeedRows)
    def need_rows(self, message: TicketQueue.NeedRows) -> None:
        self.fetch_rows(message.where)

    @work(group="rows", exit_on_error=False)
    async def fetch_rows(self, where: str) -> None:
        queue = self.query_one(TicketQueue)
        generation = self.generation
        window = queue.window
        queries, query = self.ctx.queries, self.shown_query
        try:
            if where in ("after", "before"):
                edge = window.rows[-1] if where == "after" else window.rows[0]
                rows = await queries.window(
                    query,
                    after=sort_key(edge, query.sort),
                    backwards=where == "before",
                    limit=FETCH_ROWS,
                )
            else:
                rows = await queries.window(query, backwards=where == "end", limit=FETCH_ROWS)
        except ConsoleError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if generation != self.generation:
            return
        if where in ("after", "before"):
            queue.add_rows(where, rows)
        else:
            queue.show_rows(rows, self.counts[self.stage], from_end=where == "end")
        self.show_status()

    @on(TicketQueue.Highlighted)
    def highlighted(self, message: TicketQueue.Highlighted) -> None:
        self.show_status()
        # The ticket is read for the detail pane (and the footer offers what it allows);
        # with the pane hidden a cursor move reads nothing more than the rows.
        if self.query_one(TicketDetailView).display:
            self.load_detail(message.row.number if message.row else None)
        else:
            self.offer_keys_of_row(message.row)

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_detail(self, number: int | None) -> None:
        # A short pause: holding j should not load every ticket it passes.
        await asyncio.sleep(0.05)
        side = self.query_one(TicketDetailView)
        detail = None
        if number is not None:
            try:
                detail = await side.read(number)
            except ConsoleError:
                detail = None
        self.offer_keys_of(detail)
        if detail is None:
            side.show(None)
            self.post_message(PresenceMoved())
            return
        self.detail_number = number
        if side.display:
            side.show(detail)
            self.post_message(PresenceMoved())

    @on(TicketQueue.Opened)
    def opened(self, message: TicketQueue.Opened) -> None:
        if self.query_one("#side").display:
            # Left/right now walk the tabs; esc comes back to the queue.
            self.query_one("#side").query_one(Tabs).focus()
        else:
            self.post_message(OpenTicket(message.row.number))

    # -- switching ------------------------------------------------------------------

    def switch(
        self, *, view: str | None = None, stage: str | None = None, sort: str | None = None
    ) -> None:
        """Show another view, stage or sort, from its top."""
        if view is not None:
            self.end_search(quietly=True)
            if view in self.saved and sort is None:
                sort = self.saved[view].sort
        same_view = view is None or view == self.view
        self.view = view or self.view
        self.stage = stage or self.stage
        self.sort = sort or self.sort
        self.generation += 1
        bar = self.query_one(StageBar)
        bar.stage = self.stage
        if same_view:
            # Another stage or sort of the same view: its counts stand.
            self.reload(recount=False, count_views=False)
        else:
            self.query_one(ViewList).show(self.view, self.view_counts, self.view_names())
            self.reload(count_views=False)

    def action_stage(self, step: int) -> None:
        index = (STAGES.index(self.stage) + step) % len(STAGES)
        self.switch(stage=STAGES[index])

    def action_stage_to(self, index: int) -> None:
        self.switch(stage=STAGES[index])

    @on(StageBar.Chosen)
    def stage_clicked(self, message: StageBar.Chosen) -> None:
        self.switch(stage=message.stage)

    def action_cycle_sort(self) -> None:
        self.switch(sort=SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)])
        self.ctx.tell("Sorted by {sort}.", sort=SORT_NAMES[self.sort], timeout=2)

    def action_pick_view(self) -> None:
        def chosen(view: str | None) -> None:
            if view == MY_TASKS:
                self.app.push_screen(MyTasksScreen())
            elif view and view.startswith(REMOVE):
                self.remove_saved_view(view.removeprefix(REMOVE))
            elif view:
                self.switch(view=view)

        self.app.push_screen(ViewPicker(self.view, self.view_names()), chosen)

    def action_message(self) -> None:
        """``M``: a private message to agents."""
        self.post_message(WriteMessage())

    def action_jump(self) -> None:
        """The first key of a two-key jump (g g top, g u Unassigned, ...): the second
        is read by the JumpScreen, which shows the choices meanwhile."""

        def jumped(target: str | None) -> None:
            queue = self.query_one(TicketQueue)
            if target == "top":
                queue.action_first()
            elif target == "dashboard":
                self.post_message(OpenDashboard())
            elif target == "records":
                self.post_message(OpenRecords())
            elif target == "kb":
                self.app.push_screen(KnowledgeBaseScreen())
                return
            elif target == "inbox":
                self.post_message(OpenInbox())
            elif target == MY_TASKS:
                self.app.push_screen(MyTasksScreen())
                return
            elif target:
                self.switch(view=target)
            if target:
                queue.focus()

        self.app.push_screen(JumpScreen(), jumped)

    @on(OptionList.OptionSelected, "#views")
    def view_clicked(self, message: OptionList.OptionSelected) -> None:
        if message.option.id:
            self.switch(view=message.option.id)
            self.query_one(TicketQueue).focus()

    def action_toggle_views(self) -> None:
        views = self.query_one("#views")
        self.views_forced = not views.display
        views.display = self.views_forced

    def action_refresh_queue(self) -> None:
        self.ctx.queries.refresh()
        self.reload(keep_position=True)

    def action_detail_tab(self, step: int) -> None:
        if self.query_one("#side").display:
            self.query_one(TicketDetailView).switch_tab(step)
        else:
            opens = key_hint(self.app, "queue.open")
            self.ctx.tell("Open the ticket ({opens}) to see its tabs.", opens=opens, timeout=3)

    async def action_read_all(self) -> None:
        side = self.query_one(TicketDetailView)
        if side.display and side.detail is not None:
            detail = await side.with_part("conversation")
            if detail is not None:
                title = f"#{detail.ticket.number} conversation"
                self.app.push_screen(PagerScreen(title, conversation_plain(detail)))
        elif self.query_one(TicketQueue).current is not None:
            opens, reads = key_hint(self.app, "queue.open"), key_hint(self.app, "main.read_all")
            self.ctx.tell(
                "Open the ticket ({opens}), then {reads} reads it all.",
                opens=opens,
                reads=reads,
                timeout=3,
            )

    def action_focus_queue(self) -> None:
        queue = self.query_one(TicketQueue)
        if queue.has_focus and self.search_text:
            self.end_search()  # esc on the results ends the search
        queue.focus()

    # -- new ticket -----------------------------------------------------------------

    @work(exclusive=True, group="new-ticket", exit_on_error=False)
    async def action_new_ticket(self) -> None:
        """``ctrl+n``: the new-ticket form."""
        await open_new_ticket(self.ctx, self.app, lambda: self.reload(keep_position=True))
