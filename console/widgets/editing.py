"""Text fields that open your own editor on ``ctrl+e`` (``console.editor``): the console
suspends, the editor has the terminal, and the field takes back what was saved."""

from __future__ import annotations

from textual import events
from textual.app import SuspendNotSupported
from textual.widget import Widget
from textual.widgets import Input

from console.editor import Edited, run_editor
from console.keys import bindings
from console.safe import pasted
from console.widgets.spelling import Spellchecked


def edit_outside(widget: Widget, text: str, *, single_line: bool) -> Edited:
    """Run the editor with the terminal handed over (where the terminal cannot be handed
    over, as when the console runs headless, the editor runs beside it)."""
    try:
        with widget.app.suspend():
            edited = run_editor(text, single_line=single_line)
    except SuspendNotSupported:
        edited = run_editor(text, single_line=single_line)
    if edited.problem:
        widget.notify(edited.problem, severity="warning", markup=False, timeout=6)
    return edited


class EditableInput(Input):
    """A one-line field; ``ctrl+e`` edits it in your editor (lines are joined), and tab
    takes the suggestion shown (without one it moves to the next field)."""

    BINDINGS = bindings("EditableInput")

    def _on_paste(self, event: events.Paste) -> None:
        # Cleaned here (``console.safe.pasted``: in order, without control sequences);
        # Textual then calls ``Input._on_paste`` itself (a handler per class), which
        # inserts its first line.
        event.text = pasted(event.text)

    def action_complete(self) -> None:
        suggestion = self._suggestion
        if suggestion and suggestion != self.value and self.cursor_at_end:
            self.value = suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()

    def action_edit_externally(self) -> None:
        edited = edit_outside(self, self.value, single_line=True)
        if edited.text is not None:
            self.value = edited.text
            self.cursor_position = len(self.value)


class EditableArea(Spellchecked):
    """A text area; ``ctrl+e`` edits it in your editor; with a speller, misspelled words
    are marked (``console.widgets.spelling``)."""

    BINDINGS = bindings("EditableArea")

    async def _on_paste(self, event: events.Paste) -> None:
        # Cleaned here; Textual then calls ``TextArea._on_paste``, which inserts it.
        event.text = pasted(event.text)

    def action_edit_externally(self) -> None:
        edited = edit_outside(self, self.text, single_line=False)
        if edited.text is not None:
            # A replacement, not a load: ctrl+z brings back the text from before.
            self.replace(edited.text, self.document.start, self.document.end)
            self.move_cursor(self.document.end)
