"""The queue's search line and saved views: what narrows the queue beyond its view.

A saved view is a named filter (one's own in the config file, or shared with one's team
in the database); the search is the filter language typed at ``/``.  Both become the
filters of the queue's ``QueueQuery``, which the data layer compiles.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from textual import on, work

from console.config import VIEW_COLUMNS, SavedView, append_view, remove_view
from console.data.errors import BadValue, ConsoleError
from console.data.filters import FilterError, parse_filter
from console.data.queries import SORTS, VIEWS, QueueQuery
from console.data.views import TeamViews, ViewSpec, checked
from console.keys import key_hint
from console.messages import OpenTicket
from console.screens.form import ConfirmScreen, Field, FieldError, FormScreen
from console.screens.queue_base import QueueScreenBase
from console.widgets.search_bar import SearchBar
from console.widgets.ticket_queue import TicketQueue

SORT_NAMES = {"updated": "last updated", "due": "time to breach", "priority": "priority"}


class SearchAndViews(QueueScreenBase):
    """The part of the queue screen that knows saved views and the search."""

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

    def queue_query(self) -> QueueQuery:
        """The queue as it is shown now: view, stage, sort, the saved view's filter and
        the search, with relative terms (``due:<4h``, ``overdue``) read at this moment."""
        filters: list[str] = []
        spec = self.saved.get(self.view)
        if spec is not None:
            filters.append(spec.filter)
        if self.search_text:
            filters.append(self.search_text)
        return QueueQuery(
            self.base_view, self.stage, self.sort, tuple(filters), now=self.ctx.clock()
        )

    def saved_queries(self, now: datetime | None) -> dict[str, QueueQuery]:
        """Each saved view as a query, for its count in the view list."""
        saved = self.saved.items()
        return {key: QueueQuery(filters=(spec.filter,), now=now) for key, spec in saved}

    def broken_view(self, exc: FilterError) -> None:
        """A saved view's filter no longer reads (say a departed agent's name): say so."""
        spec = self.saved.get(self.view)
        name = spec.name if spec else self.view
        self.ctx.tell("View {name}: {why}", name=name, why=str(exc), severity="error")

    @work(exclusive=True, group="saved-views", exit_on_error=False)
    async def load_saved_views(self, recount: bool = False) -> None:
        """One's own views from the config file, then those shared with one's team."""
        ctx = self.ctx
        saved = {}
        for view in ctx.settings.views:
            spec = ViewSpec(view.name, view.filter, view.sort, tuple(view.columns or ()))
            saved[spec.key] = spec
        try:
            for spec in await TeamViews(ctx.service.db, ctx.service.actor).list():
                saved[spec.key] = spec
        except ConsoleError as exc:
            ctx.tell("Team views: {why}", why=str(exc), severity="warning")
        changed = saved != self.saved
        self.saved = saved
        ctx.view_names = self.view_names()
        if self.view not in VIEWS and self.view not in saved:
            self.view = "all"
        if changed or recount:  # their counts join the view list
            self.reload(keep_position=True)

    @work(group="remove-view", exit_on_error=False)
    async def remove_saved_view(self, key: str) -> None:
        """Ask, then remove a saved view: one's own from the config file, a team view from
        the database (whoever shared it may, and the team's leads and admins)."""
        ctx = self.ctx
        spec = self.saved.get(key)
        if spec is None:
            return
        shared = (
            f"the team view {spec.name} ({spec.team})" if spec.team else f"your view {spec.name}"
        )
        if not await self.app.push_screen_wait(ConfirmScreen(f"Remove {shared}? (y/n)")):
            return
        try:
            if spec.team:
                await TeamViews(ctx.service.db, ctx.service.actor).remove(spec.name)
            else:
                view = next(v for v in ctx.settings.views if v.name == spec.name)
                if ctx.settings.source is not None:
                    await asyncio.to_thread(remove_view, view, ctx.settings.source)
                ctx.settings.views.remove(view)
        except (ConsoleError, OSError, ValueError) as exc:
            ctx.tell("{why}", why=str(exc), severity="error")
            return
        ctx.tell("Removed {what}.", what=shared, timeout=3)
        if self.view == key:
            self.view = "all"
        self.load_saved_views(recount=True)

    def action_search(self) -> None:
        """``/``: open the search line."""
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
                await self.ctx.queries.check_filter(text)
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
            self.post_message(OpenTicket(number))
        elif then_open:
            self.query_one(TicketQueue).focus()

    @on(SearchBar.Submitted)
    def search_submitted(self, message: SearchBar.Submitted) -> None:
        self.run_search(message.text, then_open=True)

    @on(SearchBar.Cleared)
    def search_cleared(self) -> None:
        self.end_search()

    def end_search(self, *, quietly: bool = False) -> None:
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
        """``V``: keep the search as a view."""
        text = self.search_text
        if not text:
            self.ctx.tell(
                "Search first ({key}): the search is what a view keeps.",
                key=key_hint(self.app, "main.search"),
                timeout=4,
            )
            return
        self.save_view(text)

    @work(group="save-view", exit_on_error=False)
    async def save_view(self, text: str) -> None:
        """Ask the view's name and sort (and whether to share it), then keep it."""
        ctx = self.ctx
        actor = ctx.service.actor

        async def save(values: dict[str, Any]) -> ViewSpec:
            try:
                name, filter_text, sort = checked(values["name"], text, values["sort"])
            except BadValue as exc:
                raise FieldError("name", str(exc)) from None
            if name in VIEWS.values():
                raise FieldError("name", f"{name} is a built-in view; choose another name.")
            if values.get("share"):
                return await TeamViews(ctx.service.db, actor, ctx.clock).share(
                    name, filter_text, sort
                )
            view = SavedView(name, filter_text, sort)
            path = await asyncio.to_thread(append_view, view, ctx.settings.source)
            ctx.settings.views.append(view)
            ctx.tell("Saved in {path}.", path=str(path), timeout=4)
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
        if actor.team_id is not None:
            fields.append(Field("share", "Share with my team", "checkbox", False))
        title = f"Save the search “{text}” as a view"
        spec = await self.app.push_screen_wait(FormScreen(title, fields, save))
        if spec is None:
            return
        self.saved[spec.key] = spec
        self.switch(view=spec.key)
        self.load_saved_views(recount=True)
