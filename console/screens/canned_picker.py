"""The canned-reply picker (``ctrl+t`` in the reply form): every canned reply the agent
has, with the start of its text; ``enter`` inserts the one under the cursor."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from console.keys import bindings, key_hint
from console.safe import clean


class CannedPicker(ModalScreen[str | None]):
    """Pick a canned reply by name; esc picks none."""

    BINDINGS = bindings("CannedPicker")

    def __init__(self, canned: Mapping[str, tuple[str, str | None]]) -> None:
        super().__init__()
        #: name -> (the text filled in for the ticket, its action)
        self.canned = dict(sorted(canned.items()))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog canned"):
            cancel = key_hint(self.app, "canned.cancel")
            yield Label(Text(f"Canned replies (enter inserts, {cancel} cancels)"))
            yield OptionList(
                *[self._option(name, text, action) for name, (text, action) in self.canned.items()],
                id="canned-options",
            )

    @staticmethod
    def _option(name: str, text: str, action: str | None) -> Option:
        prompt = Text(f"::{name}", style="bold", no_wrap=True, overflow="ellipsis")
        if action:
            prompt.append(f" (then {action})", style="dim")
        first = text.strip().splitlines()[0] if text.strip() else ""
        prompt.append("  " + clean(first, single_line=True), style="dim")
        return Option(prompt, id=name)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)
