"""What the parts of the queue screen share: the state of the queue shown."""

from __future__ import annotations

from typing import Any

from textual.binding import ActiveBinding
from textual.screen import Screen

from console.context import InConsole
from console.data.queries import VIEWS, QueueQuery
from console.data.views import ViewSpec


class QueueScreenBase(InConsole, Screen[None]):
    """The queue screen's state; its parts (search and saved views, tag-then-act) are
    mixins over this, and ``MainScreen`` puts them together."""

    def __init__(self) -> None:
        super().__init__()
        self.view = "all"
        self.stage = "All"
        self.sort = "updated"
        #: Bumped by every switch of view, stage, sort or search: a stale answer is dropped.
        self.generation = 0
        #: The query the rows shown were read with (their windows page on with it).
        self.shown_query = QueueQuery()
        #: Saved views (one's own from the config file, then the team's): key -> view.
        self.saved: dict[str, ViewSpec] = {}
        #: What is searched for (the filter language; "" when not searching), and the
        #: view to go back to when the search ends.
        self.search_text = ""
        self.search_from: str | None = None

    @property
    def every_binding(self) -> dict[str, ActiveBinding]:
        """Every binding active on the screen, each ticket action's key included (the
        footer shows only those allowed on the ticket under the cursor)."""
        return self.active_bindings

    @property
    def base_view(self) -> str:
        """The built-in view the queries narrow: a saved view narrows All Tickets."""
        return self.view if self.view in VIEWS else "all"

    def reload(
        self,
        keep_position: bool = False,
        *,
        follow: bool = False,
        recount: bool = True,
        count_views: bool = True,
    ) -> Any:  # pragma: no cover - the queue screen's
        """Read the rows shown again (and the counts)."""
        raise NotImplementedError

    def switch(
        self, *, view: str | None = None, stage: str | None = None, sort: str | None = None
    ) -> None:  # pragma: no cover - the queue screen's
        """Show another view, stage or sort, from its top."""
        raise NotImplementedError

    def show_status(self) -> None:  # pragma: no cover - the queue screen's
        """Redraw the status line under the queue."""
        raise NotImplementedError
