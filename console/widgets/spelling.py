"""Spellcheck in a text area: misspelled words are underlined, the field's bottom edge
says how many there are and which (``~ 2 misspelled: recieve, teh``, readable without
colour), and ``f7`` selects the next one and asks the screen to offer suggestions.

The checking runs in a worker thread once typing pauses (``PAUSE``); a change made while a
check runs asks for one more when it ends, so typing never waits for it.  Until then the
line being edited shows no marks (rather than marks in the wrong place)."""

from __future__ import annotations

from contextlib import suppress

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from console.keys import key_hint
from console.safe import clean
from console.spelling import Misspelling, Speller

#: How a misspelled word looks: underlined (kept under NO_COLOR), and red where colour is.
MARK = Style(underline=True, color="red")
#: Most misspelled words the field's edge names.
NAMED = 3
#: Seconds of no typing after which the text is checked again.
PAUSE = 0.25


class Spellchecked(TextArea):
    """A text area that marks misspelled words when it has a ``speller``."""

    class Offered(Message):
        """F7 found a misspelled word (now selected): the screen offers ``suggestions``."""

        def __init__(self, area: Spellchecked, found: Misspelling, suggestions: list[str]):
            super().__init__()
            self.area = area
            self.found = found
            self.suggestions = suggestions

    def __init__(self, *args: object, speller: Speller | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.speller = speller
        #: the misspellings of the text as last checked
        self.misspellings: list[Misspelling] = []
        self._marks: dict[int, list[tuple[int, int]]] = {}
        self._checking = False
        self._again = False
        self._pause: Timer | None = None

    @property
    def spelling_pending(self) -> bool:
        """Is a check running or waiting (the marks may be behind the text)?"""
        return self._pause is not None or self._checking or self._again

    def on_mount(self) -> None:
        self.check_spelling()

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        if self.speller is None:
            return
        if self._marks.pop(self.cursor_location[0], None) is not None:
            self._line_cache.clear()
        if self._pause is None:
            self._pause = self.set_timer(PAUSE, self._paused)
        else:
            self._pause.reset()

    def _paused(self) -> None:
        self._pause = None
        self.check_spelling()

    def check_spelling(self) -> None:
        """Check the text in a worker (or once more after the one running)."""
        if self.speller is None:
            return
        if self._checking:
            self._again = True
            return
        self._checking, self._again = True, False
        speller, text = self.speller, self.text
        self.run_worker(
            lambda: self._check_in_thread(speller, text),
            thread=True,
            group="spelling",
            exit_on_error=False,
        )

    def _check_in_thread(self, speller: Speller, text: str) -> None:
        found = speller.check(text)
        with suppress(RuntimeError):  # the console is closing
            self.app.call_from_thread(self._checked, text, found)

    def _checked(self, text: str, found: list[Misspelling]) -> None:
        self._checking = False
        if text != self.text:
            self._again = True
        else:
            self._show(found)
        if self._again:
            self.check_spelling()

    def _show(self, found: list[Misspelling]) -> None:
        self.misspellings = found
        marks: dict[int, list[tuple[int, int]]] = {}
        for m in found:
            marks.setdefault(m.row, []).append((m.start, m.end))
        if marks != self._marks:
            self._marks = marks
            self._line_cache.clear()  # the rendered lines do not know of the marks
            self.refresh()
        self.border_subtitle = self._summary(found)

    def _summary(self, found: list[Misspelling]) -> Text | None:
        if not found:
            return None
        words = list(dict.fromkeys(clean(m.word, single_line=True) for m in found))
        named = ", ".join(words[:NAMED]) + (f" +{len(words) - NAMED}" if len(words) > NAMED else "")
        count = len(found)
        key = key_hint(self.app, "text.spelling")
        return Text(f"~ {count} misspelled: {named} · {key} next ~")

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        size = len(line)
        for start, end in self._marks.get(line_index, ()):
            if end <= size:
                line.stylize(MARK, start, end)
        return line

    def action_next_misspelling(self) -> None:
        if self.speller is None:
            self.notify("Spellcheck is off here.", markup=False, timeout=3)
            return
        found = self.speller.check(self.text)
        self._show(found)
        if not found:
            self.notify("No misspelled words.", markup=False, timeout=3)
            return
        row, column = self.cursor_location
        here = next((m for m in found if (m.row, m.end) > (row, column)), found[0])
        self.selection = Selection((here.row, here.start), (here.row, here.end))
        self.post_message(self.Offered(self, here, self.speller.suggestions(here.word)))

    def use_suggestion(self, found: Misspelling, word: str) -> None:
        """Put ``word`` in place of the misspelled one (if it is still there)."""
        start, end = (found.row, found.start), (found.row, found.end)
        if self.document.get_text_range(start, end) != found.word:
            return
        self.replace(word, start, end)
        self.move_cursor((found.row, found.start + len(word)))

    def add_to_dictionary(self, word: str) -> None:
        """Add the word to the personal dictionary; it is no longer marked anywhere."""
        if self.speller is None:
            return
        self.speller.add(word)
        self.notify(
            f"{clean(word, single_line=True)!r} is in your dictionary now "
            f"({self.speller.personal}).",
            markup=False,
            timeout=4,
        )
        self.move_cursor(self.selection.end)
        self.check_spelling()
