"""The stage bar: New · Scheduled · InProgress · Closed · ReOpen · All, with live counts."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from console.data.records import StageCounts
from console.data.workflow import STAGES

#: Shorter names for narrow terminals, so every count stays visible.
SHORT_NAMES = {"Scheduled": "Sched", "InProgress": "InProg"}


class StageBar(Widget):
    """Shows each stage's count in the current view; the current stage is marked with
    brackets and an arrow as well as colour, so it reads without colour too.  Keys 1-6
    jump to the stages in this order."""

    DEFAULT_CSS = """
    StageBar { height: 1; }
    """
    COMPONENT_CLASSES = {"stage-bar--current", "stage-bar--count"}  # noqa: RUF012

    stage: reactive[str] = reactive("All")
    counts: reactive[StageCounts] = reactive(StageCounts({}), always_update=True)
    #: where each stage was drawn, for clicks: (first cell, end cell, stage)
    _spans: list[tuple[int, int, str]] = []  # noqa: RUF012

    class Chosen(Message):
        """The person clicked a stage."""

        def __init__(self, stage: str) -> None:
            super().__init__()
            self.stage = stage

    def render(self) -> Text:
        text = self._line(SHORT_NAMES if self._too_wide() else {})
        return text

    def _too_wide(self) -> bool:
        return len(self._line({}).plain) > max(1, self.size.width - 2)

    def _line(self, names: dict[str, str]) -> Text:
        current = self.get_component_rich_style("stage-bar--current")
        count_style = self.get_component_rich_style("stage-bar--count")
        text = Text(no_wrap=True, overflow="ellipsis")
        spans: list[tuple[int, int, str]] = []
        for index, stage in enumerate(STAGES):
            if index:
                text.append("·")
            begin = len(text)
            count = f"{self.counts[stage]:,}"
            name = names.get(stage, stage)
            if stage == self.stage:
                text.append(f"▸[{name} {count}]", style=current)
            else:
                text.append(f" {name} ")
                text.append(count, style=count_style)
                text.append(" ")
            spans.append((begin, len(text), stage))
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for begin, end, stage in self._spans:
            if begin <= offset.x < end:
                self.post_message(self.Chosen(stage))
                return
