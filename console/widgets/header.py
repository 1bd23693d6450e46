"""The header: who is acting, as what, on which database, and whether it is live."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from console.safe import clean


@dataclass(frozen=True)
class HeaderInfo:
    """What every header shows of the session (the App keeps it current)."""

    agent: str = "connecting…"
    role: str = ""
    database: str = ""
    #: live updates working (True), failing (False), not started (None)
    live: bool | None = None
    #: unread entries in the agent's inbox (None: not read yet; 0 is not shown)
    inbox: int | None = None


class ConsoleHeader(Widget):
    """One line: agent (role) · database · live/offline state and where the screen is.

    The session part follows the App's ``header_info`` wherever this header is; the
    place (view and stage, or ticket) is its screen's to set.
    """

    DEFAULT_CSS = """
    ConsoleHeader { height: 1; dock: top; }
    """
    COMPONENT_CLASSES = {"console-header--offline", "console-header--title"}  # noqa: RUF012

    info: reactive[HeaderInfo] = reactive(HeaderInfo)
    place: reactive[str] = reactive("")

    def on_mount(self) -> None:
        if hasattr(self.app, "header_info"):
            self.watch(self.app, "header_info", self._follow)

    def _follow(self, info: HeaderInfo) -> None:
        self.info = info

    def render(self) -> Text:
        info = self.info
        title = self.get_component_rich_style("console-header--title")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" agent-console ", style=title)
        text.append(f" {clean(info.agent, single_line=True)}")
        if info.role:
            text.append(f" ({info.role})")
        if info.database:
            text.append(f" · {clean(info.database, single_line=True)}")
        if info.live is True:
            text.append(" · ● live")
        elif info.live is False:
            text.append(
                " · ○ offline", style=self.get_component_rich_style("console-header--offline")
            )
        if info.inbox:
            text.append(" · ")
            text.append(f"✉ Inbox {info.inbox}", style="bold")
        if self.place:
            text.append(f" · {clean(self.place, single_line=True)}")
        return text
