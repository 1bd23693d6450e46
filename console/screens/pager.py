"""Reading a very long text (a 10 MB customer email) page by page.

The detail tabs cap each body; this shows all of it, one page of characters at a
time, so no widget is ever handed megabytes to lay out.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.keys import bindings, key_hint
from console.safe import clean

PAGE_CHARS = 20_000


class PagerScreen(ModalScreen[None]):
    """A long text in pages: n / p turn pages, esc closes."""

    BINDINGS = bindings("PagerScreen")

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.page = 0
        self.pages = max(1, -(-len(text) // PAGE_CHARS))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(Text(clean(self.title_text, single_line=True)), id="pager-title")
            with VerticalScroll(id="pager-scroll"):
                yield Static("", id="pager-body")

    def on_mount(self) -> None:
        self.show_page()

    def show_page(self) -> None:
        """Show the current page and where it is."""
        start = self.page * PAGE_CHARS
        chunk = self.text[start : start + PAGE_CHARS]
        self.query_one("#pager-body", Static).update(Text(clean(chunk)))
        self.query_one("#pager-title", Label).update(
            Text(
                f"{clean(self.title_text, single_line=True)} — page {self.page + 1} of "
                f"{self.pages} ({len(self.text):,} characters; {key_hint(self.app, 'pager.next')} "
                f"next, {key_hint(self.app, 'pager.previous')} previous, "
                f"{key_hint(self.app, 'pager.close')} closes)"
            )
        )
        self.query_one("#pager-scroll", VerticalScroll).scroll_home(animate=False)

    def action_turn(self, step: int) -> None:
        page = max(0, min(self.pages - 1, self.page + step))
        if page != self.page:
            self.page = page
            self.show_page()

    def action_scroll(self, lines: int) -> None:
        scroller = self.query_one("#pager-scroll", VerticalScroll)
        scroller.scroll_to(y=max(0, scroller.scroll_y + lines), animate=False)
