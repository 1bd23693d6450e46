"""Suggestions for a misspelled word (``f7`` in the reply, comment and resolution forms):
``enter`` puts the one under the cursor in its place, ``a`` adds the word to your
dictionary, ``esc`` leaves it as it is."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from console.keys import bindings, key_hint
from console.safe import clean

#: The option that adds the word to the personal dictionary (never a word itself).
ADD = "\x00add"


class SpellingPicker(ModalScreen[str | None]):
    """Pick a suggestion (its text is the result), ``ADD``, or None to leave the word."""

    BINDINGS = bindings("SpellingPicker")

    def __init__(self, word: str, suggestions: list[str]) -> None:
        super().__init__()
        self.word = word
        self.suggestions = suggestions

    def compose(self) -> ComposeResult:
        word = clean(self.word, single_line=True)
        add, leave = key_hint(self.app, "spelling.add"), key_hint(self.app, "spelling.cancel")
        with Vertical(classes="dialog spelling"):
            yield Label(Text(f"~ {word} ~ is not in the dictionary", style="bold"))
            yield Label(Text(f"enter uses a word · {add} adds {word} · {leave} leaves it"))
            options = [Option(Text(clean(s, single_line=True)), id=s) for s in self.suggestions]
            if not options:
                options.append(Option(Text("(no suggestions)", style="dim"), disabled=True))
            options.append(Option(Text(f"+ add {word} to my dictionary", style="italic"), id=ADD))
            yield OptionList(*options, id="spelling-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_add_word(self) -> None:
        self.dismiss(ADD)

    @on(OptionList.OptionSelected)
    def chosen(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)
