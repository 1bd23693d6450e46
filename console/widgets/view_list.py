"""The queue views with their counts, in the collapsible left column: the built-in
views, then one's own saved views and those shared with one's team."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from console.data.queries import VIEW_MEANINGS, VIEWS
from console.safe import clean


def view_prompt(
    name: str, count: int | None, current: bool, key: str = "", after: str = ""
) -> Text:
    """One entry of the list: a marker for the current view, its name and count (and
    ``after``, dim), and under it what the name does not say (a built-in view's ``key``
    tells)."""
    marker = "▸ " if current else "  "
    text = Text(marker + clean(name, single_line=True), no_wrap=True, overflow="ellipsis")
    if count is not None:
        text.append(f" {count:,}", style="dim" if not current else "")
    text.append(after, style="dim")
    if key in VIEW_MEANINGS:
        text.append(f"\n    {VIEW_MEANINGS[key][0]}", style="dim")
    return text


class ViewList(OptionList):
    """The queue views; choosing one switches the queue to it."""

    DEFAULT_CSS = """
    ViewList { width: 26; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(*self._view_options("all", {}, dict(VIEWS)), **kwargs)  # type: ignore[arg-type]
        self.current = "all"

    @staticmethod
    def _view_options(current: str, counts: dict[str, int], names: dict[str, str]) -> list[Option]:
        return [
            Option(view_prompt(name, counts.get(key), key == current, key), id=key)
            for key, name in names.items()
        ]

    def show(self, current: str, counts: dict[str, int], names: dict[str, str]) -> None:
        """Redraw with the current view marked and the latest counts; ``names`` are the
        views in order (key -> name shown)."""
        self.current = current
        highlighted = self.highlighted
        self.set_options(self._view_options(current, counts, names))
        keys = list(names)
        if highlighted is None or highlighted >= len(keys):
            highlighted = keys.index(current) if current in keys else 0
        self.highlighted = highlighted
