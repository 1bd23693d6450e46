"""The queue screen: views, stage bar, the virtual ticket queue and (on wide terminals)
the detail pane beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from sqlalchemy import and_, false
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static, Tabs

from console.config import VIEW_COLUMNS, SavedView, append_view
from console.data.bulk import Bulk, BulkRequest, Report
from console.data.errors import BadValue, ConsoleError
from console.data.filters import FilterError, build_filter, parse_filter, search_words
from console.data.queries import SORTS, VIEWS, sort_key
from console.data.records import StageCounts, TicketRecord
from console.data.views import TeamViews, ViewSpec, checked
from console.data.workflow import STAGES, Action
from console.keys import key_hint
from console.safe import clean
from console.screens.bulk import (
    ACTION_LABELS,
    BulkActionPicker,
    BulkPreviewScreen,
    BulkReportScreen,
)
from console.screens.form import ConfirmScreen, Field, FieldError, FormScreen
from console.screens.jump import JumpScreen
from console.screens.new_ticket import NewTicketScreen
from console.screens.pager import PagerScreen
from console.screens.ticket_actions import (
    TICKET_BINDINGS,
    TicketActions,
    agent_field,
    field_time,
    when_field,
)
from console.screens.view_picker import ViewPicker
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.header import ConsoleHeader
from console.widgets.search_bar import SearchBar
from console.widgets.stage_bar import StageBar
from console.widgets.ticket_detail import TicketDetailView, conversation_plain
from console.widgets.ticket_queue import FETCH_ROWS, TicketQueue
from console.widgets.view_list import ViewList

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from console.app import AgentConsole

WIDE = 140  # columns from which the detail pane stands beside the queue


def view_list_fits(width: int) -> bool:
    """Whether the view list shows by default: when the queue keeps room for its columns
    beside it (and the detail pane, on wide terminals)."""
    return 100 <= width < WIDE or width >= 190


#: Most tickets ``*`` tags at once (a bulk action is one transaction per ticket).
BULK_LIMIT = 5000


def _request(make: Callable[[dict[str, Any]], BulkRequest]) -> Callable[..., Any]:
    """A form's submit that only builds the bulk request (the preview comes next)."""

    async def submit(values: dict[str, Any]) -> BulkRequest:
        return make(values)

    return submit


SORT_NAMES = {"updated": "last updated", "due": "time to breach", "priority": "priority"}


class MainScreen(ReportsWorkerErrors, TicketActions, Screen[None]):
    """The queue of the current view and stage, with the stage bar and views."""

    app: AgentConsole

    BINDINGS = [  # noqa: RUF012
        Binding(
            "left_square_bracket,h", "stage(-1)", "Prev stage", show=False, id="main.prev_stage"
        ),
        Binding(
            "right_square_bracket,l", "stage(1)", "Next stage", show=False, id="main.next_stage"
        ),
        *[
            Binding(str(i), f"stage_to({i - 1})", f"Stage {name}", show=False, id=f"main.stage_{i}")
            for i, name in enumerate(STAGES, start=1)
        ],
        Binding("g", "jump", "Jump (then a second key)", show=False, id="main.jump"),
        Binding("v", "pick_view", "Views", id="main.views"),
        Binding("b", "toggle_views", "View list", show=False, id="main.toggle_views"),
        Binding("z", "cycle_sort", "Sort", show=False, id="main.sort"),
        Binding("ctrl+n", "new_ticket", "New", id="main.new_ticket"),
        Binding("ctrl+r", "refresh_queue", "Refresh", show=False, id="main.refresh"),
        Binding("escape", "focus_queue", "Queue", show=False, id="main.focus_queue"),
        Binding("x", "read_all", "Read all", show=False, id="main.read_all"),
        Binding("greater_than_sign", "detail_tab(1)", "Next tab", show=False, id="main.next_tab"),
        Binding("less_than_sign", "detail_tab(-1)", "Prev tab", show=False, id="main.prev_tab"),
        Binding("slash", "search", "Search", id="main.search"),
        Binding("V", "save_view", "Save view", show=False, id="main.save_view"),
        Binding("space", "tag", "Tag", show=False, id="main.tag"),
        Binding("asterisk", "tag_all", "Tag all", show=False, id="main.tag_all"),
        Binding("semicolon", "bulk", "Act on tagged", show=False, id="main.bulk"),
        Binding("U", "undo_bulk", "Undo bulk", show=False, id="main.undo_bulk"),
        *TICKET_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "all"
        self.stage = "All"
        self.sort = "updated"
        self.counts = StageCounts({})
        #: Every view's count, as last read (the view list shows them).
        self.view_counts: dict[str, int] = {}
        self.generation = 0
        self.detail_number: int | None = None
        self.views_forced: bool | None = None
        #: The search or saved view's condition narrowing the queue (None: the view only).
        self.where: ColumnElement[bool] | None = None
        #: Saved views (one's own from the config file, then the team's): key -> view.
        self.saved: dict[str, ViewSpec] = {}
        #: What is searched for (the filter language; "" when not searching), and the
        #: view to go back to when the search ends.
        self.search_text = ""
        self.search_from: str | None = None
        #: The last bulk action (``U`` undoes it while no one touched its tickets).
        self.last_bulk: Report | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="body"):
            yield ViewList(id="views")
            with Vertical(id="center"):
                yield SearchBar(id="search")
                yield StageBar(id="stages")
                yield TicketQueue(clock=self.app.clock, id="queue")
                yield Static("", id="queue-status")
            yield TicketDetailView(me=self.app.actor_name, clock=self.app.clock, id="side")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TicketQueue).focus()
        self.load_saved_views()
        self._layout(self.size.width)
        self.app.show_header(self)

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        side = self.query_one("#side")
        side.display = width >= WIDE
        views = self.query_one("#views")
        views.display = (
            self.views_forced if self.views_forced is not None else view_list_fits(width)
        )

    # -- what the screen shows ------------------------------------------------------

    def current_ticket(self) -> tuple[int, int] | None:
        row = self.query_one(TicketQueue).current
        return (row.number, row.version) if row else None

    def ticket_changed(self, number: int) -> None:
        self.reload(keep_position=True)

    def refresh_live(self) -> None:
        """Another agent changed something: reload in place."""
        self.reload(keep_position=True)

    def _status(self) -> None:
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
        self.query_one("#queue-status", Static).update(text)

    @work(exclusive=True, group="queue", exit_on_error=False)
    async def reload(
        self, keep_position: bool = False, *, recount: bool = True, count_views: bool = True
    ) -> None:
        """The visible window first, then the counts; keeps the cursor's screen position
        when asked.  A stage switch keeps the counts (``recount=False``: they are the
        view's, whatever the stage), a view switch the other views' counts."""
        app = self.app
        queries = app.queries
        queue = self.query_one(TicketQueue)
        generation = self.generation
        anchor = None
        if keep_position and queue.top > 0:
            top_row = queue.window.row(queue.top)
            anchor = sort_key(top_row, self.sort) if top_row else None
        try:
            where = await self._where()
            rows = await queries.window(
                self.base_view,
                self.stage,
                self.sort,
                after=anchor,
                inclusive=True,
                limit=FETCH_ROWS,
                where=where,
            )
        except ConsoleError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        if generation != self.generation:
            return  # the person moved on to another view, stage or sort
        self.where = where
        queue.columns_shown = self._columns()
        keep = keep_position and (anchor is not None or queue.top == 0)
        # Until the counts come, a full window says "at least this many".
        known = self.counts[self.stage] if not recount else len(rows)
        queue.show_rows(rows, known, keep_position=keep)
        self.query_one(StageBar).stage = self.stage
        self._status()
        app.header_place(f"{self.place()} · {self.stage}")
        if recount or count_views:
            await self._recount(generation, where, recount=recount, count_views=count_views)

    async def _recount(
        self,
        generation: int,
        where: ColumnElement[bool] | None,
        *,
        recount: bool,
        count_views: bool,
    ) -> None:
        """The stage counts of the view shown and every view's count, after the rows."""
        queries = self.app.queries
        try:
            counts = await queries.counts(self.base_view, where) if recount else self.counts
            if count_views:
                view_counts = await queries.view_counts(await self._saved_clauses())
        except ConsoleError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
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
        self._status()

    @on(TicketQueue.NeedRows)
    def need_rows(self, message: TicketQueue.NeedRows) -> None:
        self.fetch_rows(message.where)

    @work(group="rows", exit_on_error=False)
    async def fetch_rows(self, where: str) -> None:
        queue = self.query_one(TicketQueue)
        generation = self.generation
        window = queue.window
        try:
            if where in ("after", "before"):
                edge = window.rows[-1] if where == "after" else window.rows[0]
                rows = await self.app.queries.window(
                    self.base_view,
                    self.stage,
                    self.sort,
                    after=sort_key(edge, self.sort),
                    backwards=where == "before",
                    limit=FETCH_ROWS,
                    where=self.where,
                )
            else:
                rows = await self.app.queries.window(
                    self.base_view,
                    self.stage,
                    self.sort,
                    backwards=where == "end",
                    limit=FETCH_ROWS,
                    where=self.where,
                )
        except ConsoleError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        if generation != self.generation:
            return
        if where in ("after", "before"):
            queue.add_rows(where, rows)
        else:
            queue.show_rows(rows, self.counts[self.stage], from_end=where == "end")
        self._status()

    @on(TicketQueue.Highlighted)
    def highlighted(self, message: TicketQueue.Highlighted) -> None:
        self._status()
        if self.query_one("#side").display:
            self.load_detail(message.row.number if message.row else None)

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_detail(self, number: int | None) -> None:
        # A short pause: holding j should not load every ticket it passes.
        await asyncio.sleep(0.05)
        side = self.query_one(TicketDetailView)
        if number is None:
            side.show(None)
            return
        try:
            detail = await self.app.queries.detail(number)
        except ConsoleError:
            side.show(None)
            return
        self.detail_number = number
        side.show(detail)

    @on(TicketQueue.Opened)
    def opened(self, message: TicketQueue.Opened) -> None:
        if self.query_one("#side").display:
            # Left/right now walk the tabs; esc comes back to the queue.
            self.query_one("#side").query_one(Tabs).focus()
        else:
            self.app.open_ticket(message.row.number)

    # -- switching ------------------------------------------------------------------

    def switch(
        self, *, view: str | None = None, stage: str | None = None, sort: str | None = None
    ) -> None:
        """Show another view, stage or sort, from its top."""
        if view is not None:
            self._end_search(quietly=True)
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
        self.app.tell("Sorted by {sort}.", sort=SORT_NAMES[self.sort], timeout=2)

    def action_pick_view(self) -> None:
        def chosen(view: str | None) -> None:
            if view:
                self.switch(view=view)

        self.app.push_screen(ViewPicker(self.view, self.view_names()), chosen)

    def action_jump(self) -> None:
        """The first key of a two-key jump (g g top, g u Unassigned, ...): the second
        is read by the JumpScreen, which shows the choices meanwhile."""

        def jumped(target: str | None) -> None:
            queue = self.query_one(TicketQueue)
            if target == "top":
                queue.action_first()
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
        self.app.queries.refresh()
        self.reload(keep_position=True)

    def action_detail_tab(self, step: int) -> None:
        if self.query_one("#side").display:
            self.query_one(TicketDetailView).switch_tab(step)
        else:
            opens = key_hint(self.app, "queue.open")
            self.app.tell("Open the ticket ({opens}) to see its tabs.", opens=opens, timeout=3)

    def action_read_all(self) -> None:
        side = self.query_one(TicketDetailView)
        if side.display and side.detail is not None:
            title = f"#{side.detail.ticket.number} conversation"
            self.app.push_screen(PagerScreen(title, conversation_plain(side.detail)))
        elif self.query_one(TicketQueue).current is not None:
            opens, reads = key_hint(self.app, "queue.open"), key_hint(self.app, "main.read_all")
            self.app.tell(
                "Open the ticket ({opens}), then {reads} reads it all.",
                opens=opens,
                reads=reads,
                timeout=3,
            )

    def action_focus_queue(self) -> None:
        queue = self.query_one(TicketQueue)
        if queue.has_focus and self.search_text:
            self._end_search()  # esc on the results ends the search
        queue.focus()

    # -- views, saved views and search -----------------------------------------------

    @property
    def base_view(self) -> str:
        """The built-in view the queries narrow: a saved view narrows All Tickets."""
        return self.view if self.view in VIEWS else "all"

    def view_names(self) -> dict[str, str]:
        """Every view in the order the list shows them: key -> name."""
        names = dict(VIEWS)
        for key, spec in self.saved.items():
            names[key] = f"{spec.name} ({spec.team})" if spec.team else spec.name
        return names

    def place(self) -> str:
        """What the queue shows, in words (for the header and the status line)."""
        if self.search_text:
            return f"Search: {self.search_text}"
        return self.view_names().get(self.view, self.view)

    def _columns(self) -> tuple[str, ...] | None:
        spec = self.saved.get(self.view)
        if spec is None or not spec.columns:
            return None
        return tuple(VIEW_COLUMNS.get(name, name) for name in spec.columns)

    async def _compile(self, text: str) -> ColumnElement[bool]:
        service = self.app.service
        return await build_filter(
            text,
            service.db,
            service.actor.id,
            now=self.app.clock(),
            words=search_words(service.db),
        )

    async def _where(self) -> ColumnElement[bool] | None:
        """The condition of the saved view and the search, compiled afresh (``due:<4h``
        and ``overdue`` move with the clock)."""
        parts = []
        spec = self.saved.get(self.view)
        if spec is not None:
            try:
                parts.append(await self._compile(spec.filter))
            except FilterError as exc:
                self.app.tell("View {name}: {why}", name=spec.name, why=str(exc), severity="error")
                parts.append(false())
        if self.search_text:
            parts.append(await self._compile(self.search_text))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else and_(*parts)

    async def _saved_clauses(self) -> dict[str, ColumnElement[bool]]:
        """Each saved view's condition, for its count in the view list (a view whose
        filter no longer reads, say a departed agent's name, counts nothing)."""
        clauses: dict[str, ColumnElement[bool]] = {}
        for key, spec in self.saved.items():
            try:
                clauses[key] = await self._compile(spec.filter)
            except FilterError:
                clauses[key] = false()
        return clauses

    @work(exclusive=True, group="saved-views", exit_on_error=False)
    async def load_saved_views(self, recount: bool = False) -> None:
        """One's own views from the config file, then those shared with one's team."""
        app = self.app
        saved = {}
        for view in app.settings.views:
            spec = ViewSpec(view.name, view.filter, view.sort, tuple(view.columns or ()))
            saved[spec.key] = spec
        try:
            for spec in await TeamViews(app.service.db, app.service.actor).list():
                saved[spec.key] = spec
        except ConsoleError as exc:
            app.tell("Team views: {why}", why=str(exc), severity="warning")
        changed = saved != self.saved
        self.saved = saved
        if self.view not in VIEWS and self.view not in saved:
            self.view = "all"
        if changed or recount:  # their counts join the view list
            self.reload(keep_position=True)

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        if not self.search_text:
            self.search_from = self.view
        bar.open()

    @on(SearchBar.Changed)
    def search_changed(self, message: SearchBar.Changed) -> None:
        self.run_search(message.text)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def run_search(self, text: str, then_open: bool = False) -> None:
        """Check and show a search; a newer keystroke cancels this one."""
        bar = self.query_one(SearchBar)
        if text:
            try:
                await self._compile(text)
            except FilterError as exc:
                bar.show_problem(exc, text)
                return
        bar.show_problem(None)
        number = parse_filter(text).ticket_number if text else None
        if text != self.search_text:
            self.search_text = text
            self.view = "all" if text else (self.search_from or self.view)
            self.generation += 1
            self.reload()
        if then_open and number is not None:
            self.app.open_ticket(number)
        elif then_open:
            self.query_one(TicketQueue).focus()

    @on(SearchBar.Submitted)
    def search_submitted(self, message: SearchBar.Submitted) -> None:
        self.run_search(message.text, then_open=True)

    @on(SearchBar.Cleared)
    def search_cleared(self) -> None:
        self._end_search()

    def _end_search(self, *, quietly: bool = False) -> None:
        """Leave the search: back to the view it started from."""
        if not self.search_text and not self.query_one(SearchBar).has_class("shown"):
            return
        self.query_one(SearchBar).close()
        was_searching = bool(self.search_text)
        self.search_text = ""
        if not quietly and was_searching:
            self.view = self.search_from or self.view
            self.generation += 1
            self.reload()
        self.query_one(TicketQueue).focus()

    def action_save_view(self) -> None:
        text = self.search_text
        if not text:
            self.app.tell(
                "Search first ({key}): the search is what a view keeps.",
                key=key_hint(self.app, "main.search"),
                timeout=4,
            )
            return
        self.save_view(text)

    @work(group="save-view", exit_on_error=False)
    async def save_view(self, text: str) -> None:
        app = self.app
        shared_allowed = app.service.actor.team_id is not None

        async def save(values: dict[str, Any]) -> ViewSpec:
            try:
                name, filter_text, sort = checked(values["name"], text, values["sort"])
            except BadValue as exc:
                raise FieldError("name", str(exc)) from None
            if name in VIEWS.values():
                raise FieldError("name", f"{name} is a built-in view; choose another name.")
            if values.get("share"):
                return await TeamViews(app.service.db, app.service.actor, app.clock).share(
                    name, filter_text, sort
                )
            view = SavedView(name, filter_text, sort)
            path = await asyncio.to_thread(append_view, view, app.settings.source)
            app.settings.views.append(view)
            app.tell("Saved in {path}.", path=str(path), timeout=4)
            return ViewSpec(name, filter_text, sort)

        fields = [
            Field("name", "Name of the view", required=True),
            Field(
                "sort",
                "Sort",
                "select",
                value=self.sort,
                required=True,
                options=[(SORT_NAMES[s], s) for s in SORTS],
            ),
        ]
        if shared_allowed:
            fields.append(Field("share", "Share with my team", "checkbox", False))
        title = f"Save the search “{text}” as a view"
        spec = await app.push_screen_wait(FormScreen(title, fields, save))
        if spec is None:
            return
        self.saved[spec.key] = spec
        self.switch(view=spec.key)
        self.load_saved_views(recount=True)

    # -- tag, then act ----------------------------------------------------------------

    def action_tag(self) -> None:
        self.query_one(TicketQueue).toggle_tag()
        self._status()

    @work(exclusive=True, group="tag-all", exit_on_error=False)
    async def action_tag_all(self) -> None:
        """Tag every ticket of the queue as it is now filtered (again: untag them)."""
        queue = self.query_one(TicketQueue)
        try:
            numbers, total = await self.app.queries.numbers(
                self.base_view, self.stage, where=self.where, limit=BULK_LIMIT
            )
        except ConsoleError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        if numbers and set(numbers) <= queue.tagged:
            queue.set_tags(queue.tagged - set(numbers))
            self.app.tell("Untagged {n:,} tickets.", n=len(numbers), timeout=3)
        else:
            queue.set_tags(queue.tagged | set(numbers))
            more = f" (the first {len(numbers):,} of {total:,})" if total > len(numbers) else ""
            self.app.tell(
                "Tagged {n:,} tickets{more}; {act} then an action key acts on them.",
                n=len(numbers),
                more=more,
                act=key_hint(self.app, "main.bulk"),
                timeout=4,
            )
        self._status()

    def _bulk_keys(self) -> dict[str, str]:
        """Key -> ticket action, for the actions that work on tagged tickets, as the
        queue's bindings are mapped now."""
        keys = {}
        for key, active in self.active_bindings.items():
            action = active.binding.action
            if action.startswith("ticket('"):
                name = action.removeprefix("ticket('").removesuffix("')")
                if name in ACTION_LABELS:
                    keys[key] = name
        return keys

    def action_bulk(self) -> None:
        queue = self.query_one(TicketQueue)
        if not queue.tagged:
            self.app.tell(
                "No tagged tickets: {tag} tags the one under the cursor, {tag_all} every one "
                "shown.",
                tag=key_hint(self.app, "main.tag"),
                tag_all=key_hint(self.app, "main.tag_all"),
                timeout=4,
            )
            return
        numbers = sorted(queue.tagged)

        def chosen(action: str | None) -> None:
            if action:
                self.bulk_request(action, numbers)

        self.app.push_screen(BulkActionPicker(len(numbers), self._bulk_keys()), chosen)

    @work(group="bulk", exit_on_error=False)
    async def bulk_request(self, action: str, numbers: list[int]) -> None:
        """Ask what the action needs (an agent, a time, a resolution), then preview."""
        app = self.app
        form: FormScreen | None = None
        kind = Action(action)
        if kind is Action.ASSIGN:
            form = FormScreen(
                f"Assign {len(numbers):,} tagged tickets",
                [agent_field(await app.queries.agents())],
                _request(lambda v: BulkRequest(kind, assignee=v["agent"])),
            )
        elif kind is Action.SCHEDULE:
            form = FormScreen(
                f"Schedule {len(numbers):,} tagged tickets",
                [when_field(app.clock())],
                _request(
                    lambda v: BulkRequest(kind, at=field_time(v, "when", app.clock()))
                ),
            )
        elif kind is Action.CLOSE:
            form = FormScreen(
                f"Close {len(numbers):,} tagged tickets",
                [Field("resolution", "Resolution for all of them (optional)", "text")],
                _request(lambda v: BulkRequest(kind, resolution=v["resolution"] or None)),
            )
        request = (
            await app.push_screen_wait(form) if form is not None else BulkRequest(kind)
        )
        if request is None:
            return
        bulk = Bulk(app.service)
        try:
            preview = await bulk.preview(request, numbers)
        except ConsoleError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        if not await app.push_screen_wait(BulkPreviewScreen(preview)):
            return
        app.tell(
            "{action}: working on {n:,} tickets…",
            action=request.name,
            n=len(preview.changes),
            timeout=3,
        )
        report = await bulk.apply(request, [n for n, _ in preview.changes])
        queue = self.query_one(TicketQueue)
        queue.set_tags(queue.tagged - {o.number for o in report.done})
        self.last_bulk = report
        self.reload(keep_position=True)
        await app.push_screen_wait(BulkReportScreen(report, undo_key="U"))

    @work(group="bulk", exit_on_error=False)
    async def action_undo_bulk(self) -> None:
        app = self.app
        report = self.last_bulk
        if report is None or not report.undoable:
            app.notify("There is no bulk action to undo.", markup=False, timeout=3)
            return
        question = (
            f"Undo {report.request.name.lower()} on {len(report.done):,} tickets "
            "(those no one has touched since)? (y/n)"
        )
        if not await app.push_screen_wait(ConfirmScreen(question)):
            return
        result = await Bulk(app.service).undo(report)
        self.reload(keep_position=True)
        await app.push_screen_wait(BulkReportScreen(result))

    # -- new ticket -----------------------------------------------------------------

    @work(exclusive=True, group="new-ticket", exit_on_error=False)
    async def action_new_ticket(self) -> None:
        app = self.app
        accounts, departments, agents = await asyncio.gather(
            app.queries.accounts(), app.queries.departments(), app.queries.agents()
        )
        mine = next((a for a in agents if a.username == app.actor_name), None)
        department = mine.departments[0] if mine and mine.departments else None

        async def create(values: dict[str, Any]) -> TicketRecord:
            return await app.service.create(
                subject=values["subject"],
                contact_name=values["contact_name"],
                contact_email=values["contact_email"] or None,
                contact_phone=values["contact_phone"] or None,
                account=values["account"],
                description=values["description"],
                priority=values["priority"],
                channel=values["channel"],
                department=values["department"],
                category=values["category"] or None,
                subcategory=values["subcategory"] or None,
                product=values["product"] or None,
            )

        def created(record: TicketRecord | None) -> None:
            if record is not None:
                app.tell("Created #{number}.", number=record.number)
                self.reload(keep_position=True)

        await app.push_screen(
            NewTicketScreen(create, app.queries.contacts, accounts, departments, department),
            created,
        )
