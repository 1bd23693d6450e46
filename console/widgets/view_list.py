"""The queue views with their counts, in the collapsible left column."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from console.data.queries import VIEWS


def view_prompt(view: str, count: int | None, current: bool) -> Text:
    """One line of the list: a marker for the current view, its name and count."""
    marker = "▸ " if current else "  "
    text = Text(marker + VIEWS[view], no_wrap=True, overflow="ellipsis")
    if count is not None:
        text.append(f" {count:,}", style="dim" if not current else "")
    return text


class ViewList(OptionList):
    """The seven queue views; choosing one switches the queue to it."""

    DEFAULT_CSS = """
    ViewList { width: 26; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(*self._view_options("all", {}), **kwargs)  # type: ignore[arg-type]
        self.current = "all"

    @staticmethod
    def _view_options(current: str, counts: dict[str, int]) -> list[Option]:
        return [
            Option(view_prompt(view, counts.get(view), view == current), id=view) for view in VIEWS
        ]

    def show(self, current: str, counts: dict[str, int]) -> None:
        """Redraw with the current view marked and the latest counts."""
        self.current = current
        highlighted = self.highlighted
        self.set_options(self._view_options(current, counts))
        self.highlighted = highlighted if highlighted is not None else list(VIEWS).index(current)
