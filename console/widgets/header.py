"""The header: who is acting, as what, on which database, and whether it is live."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from console.safe import clean


class ConsoleHeader(Widget):
    """One line: agent (role) · database · live/offline state and the current view."""

    DEFAULT_CSS = """
    ConsoleHeader { height: 1; dock: top; }
    """
    COMPONENT_CLASSES = {"console-header--offline", "console-header--title"}  # noqa: RUF012

    agent: reactive[str] = reactive("connecting…")
    role: reactive[str] = reactive("")
    database: reactive[str] = reactive("")
    live: reactive[bool | None] = reactive(None)
    place: reactive[str] = reactive("")

    def render(self) -> Text:
        title = self.get_component_rich_style("console-header--title")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" agent-console ", style=title)
        text.append(f" {clean(self.agent, single_line=True)}")
        if self.role:
            text.append(f" ({self.role})")
        if self.database:
            text.append(f" · {clean(self.database, single_line=True)}")
        if self.live is True:
            text.append(" · ● live")
        elif self.live is False:
            text.append(
                " · ○ offline", style=self.get_component_rich_style("console-header--offline")
            )
        if self.place:
            text.append(f" · {clean(self.place, single_line=True)}")
        return text
