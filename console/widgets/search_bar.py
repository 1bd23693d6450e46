"""The search and filter line above the queue (``/``).

What is typed is read as the filter language (``console.data.filters``): words search the
full text, ``field:value`` terms narrow, ``#1042`` names a ticket.  The screen compiles it a
moment after typing stops (a newer keystroke cancels an older search), so input never
waits on the database.  A mistake is shown under the line with a caret at the token.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from console.data.filters import FilterError, caret_lines
from console.keys import bindings
from console.safe import clean
from console.widgets.editing import EditableInput

#: Seconds after the last keystroke before the search runs.
DEBOUNCE = 0.25


class SearchBar(Vertical):
    """An input for a search or filter, with a line for its problems."""

    DEFAULT_CSS = """
    SearchBar { height: auto; display: none; }
    SearchBar.shown { display: block; }
    SearchBar > #search-problem { height: auto; color: $error; padding: 0 1; display: none; }
    SearchBar > #search-problem.shown { display: block; }
    """

    BINDINGS = bindings("SearchBar")

    class Changed(Message):
        """The text settled: search for it (empty: no search)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Submitted(Message):
        """Enter: go to the results (or to the ticket a number names)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cleared(Message):
        """Esc: the search is over."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield EditableInput(
            placeholder="/ search: words, #1042, status:new prio:high owner:me -printer …",
            id="search-input",
        )
        yield Static("", id="search-problem")

    @property
    def text(self) -> str:
        return self.query_one(Input).value

    def open(self) -> None:
        """Show the line and put the cursor in it (what was typed before is kept)."""
        self.add_class("shown")
        self.query_one(Input).focus()

    def close(self) -> None:
        self.query_one(Input).value = ""
        self.show_problem(None)
        self.remove_class("shown")

    def show_problem(self, error: FilterError | None, text: str = "") -> None:
        """Point at the offending token, or hide the problem line."""
        line = self.query_one("#search-problem", Static)
        if error is None:
            line.update("")
            line.remove_class("shown")
            return
        # The carets sit under the typed text (both lines are indented alike).
        _shown, carets = caret_lines(text, error.start, error.end)
        message = Text()
        message.append(carets + "\n", style="bold")
        message.append(clean(str(error)))
        line.update(message)
        line.add_class("shown")

    @on(Input.Changed, "#search-input")
    def typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._settled)

    def _settled(self) -> None:
        self._timer = None
        self.post_message(self.Changed(self.text.strip()))

    @on(Input.Submitted, "#search-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.post_message(self.Submitted(self.text.strip()))

    def action_clear(self) -> None:
        self.close()
        self.post_message(self.Cleared())

    def action_leave(self) -> None:
        self.post_message(self.Submitted(self.text.strip()))
