"""Modal forms: fields with inline validation, ``ctrl+s`` submits, ``esc`` cancels (asking
first when typed text would be lost).  Every form of the console is a ``FormScreen``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from console.data.errors import Conflict, ConsoleError
from console.keys import bindings, key_hint
from console.safe import clean
from console.screens.canned_picker import CannedPicker
from console.screens.spelling import ADD, SpellingPicker
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.completion import CannedArea, MentionArea
from console.widgets.editing import EditableArea, EditableInput
from console.widgets.spelling import Spellchecked
from console.widgets.tick_box import TickBox

KINDS = ("input", "text", "mention", "select", "checkbox")


@dataclass
class Field:
    """One field of a form."""

    name: str
    label: str
    kind: str = "input"  # input | text | mention | select | checkbox
    value: Any = ""
    placeholder: str = ""
    options: Sequence[tuple[str, Any]] = ()
    suggester: Suggester | None = None
    required: bool = False
    help: str = ""
    #: checks the typed value; returns the message to show under the field, or None
    check: Callable[[Any], str | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: kind {self.kind!r} is not one of {KINDS}")


Submit = Callable[[dict[str, Any]], Awaitable[Any]]


class FieldError(ConsoleError):
    """A problem with one field, shown under it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; ``y`` or enter says yes, ``n`` or esc says no."""

    BINDINGS = bindings("ConfirmScreen")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(Text(clean(self.question)), classes="confirm-question")
            yes, no = key_hint(self.app, "confirm.yes"), key_hint(self.app, "confirm.no")
            yield Static(Text(f"{yes} yes · {no} no", style="dim"), classes="confirm-keys")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class FormScreen(ReportsWorkerErrors, ModalScreen[Any]):
    """A form that runs its submit coroutine itself, so a refusal or a conflict is shown
    in the form while everything typed stays."""

    BINDINGS = bindings("FormScreen")

    def __init__(self, title: str, fields: list[Field], submit: Submit) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit_values = submit
        self.initial: dict[str, Any] = {}
        self.busy = False
        #: Field -> (what is shown, what is stored) where a prefilled value had to be made
        #: safe to show; left as shown, the stored value is given back untouched.
        self.prefilled: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(Text(clean(self.form_title, single_line=True)), classes="form-title")
            with VerticalScroll(classes="form-fields"):
                for spec in self.fields:
                    yield from self._field(spec)
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="form-buttons"):
                submit = key_hint(self.app, "form.submit")
                yield Button(f"Submit ({submit})", id="form-submit", variant="primary")
                yield Button(f"Cancel ({key_hint(self.app, 'form.cancel')})", id="form-cancel")

    def _field(self, spec: Field) -> ComposeResult:
        label = spec.label + (" *" if spec.required else "")
        if spec.kind == "checkbox":
            # A label may hold ticket text (a file name, a message): never markup.
            shown_label = Content(clean(label, single_line=True))
            yield TickBox(shown_label, bool(spec.value), id=f"field-{spec.name}")
        else:
            yield Label(Text(label), classes="field-label")
        widget: Widget | None = None
        shown = self._shown(spec)
        if spec.kind == "input":
            widget = EditableInput(
                shown,
                placeholder=spec.placeholder,
                suggester=spec.suggester,
                id=f"field-{spec.name}",
                select_on_focus=bool(spec.extra.get("select_on_focus", False)),
            )
        elif spec.kind == "mention":
            widget = MentionArea(
                shown,
                names=spec.extra.get("names", ()),
                id=f"field-{spec.name}",
                speller=spec.extra.get("speller"),
            )
        elif spec.kind == "text" and "canned" in spec.extra:
            widget = CannedArea(
                shown,
                canned=spec.extra["canned"],
                id=f"field-{spec.name}",
                tab_behavior="focus",
                speller=spec.extra.get("speller"),
            )
        elif spec.kind == "text":
            widget = EditableArea(
                shown,
                id=f"field-{spec.name}",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                speller=spec.extra.get("speller"),
            )
        elif spec.kind == "select":
            widget = Select(
                [
                    (Text(clean(str(label_), single_line=True)), value)
                    for label_, value in spec.options
                ],
                value=spec.value if spec.value is not None else Select.NULL,
                allow_blank=not spec.required or spec.value is None,
                id=f"field-{spec.name}",
            )
        if widget is not None:
            yield widget
        if spec.help:
            yield Static(Text(spec.help, style="dim"), classes="field-help")
        yield Static("", id=f"error-{spec.name}", classes="field-error")

    def _shown(self, spec: Field) -> str:
        """A prefilled text as the field shows it: ticket text is untrusted, so control
        characters become visible markers (the stored text is kept unless edited)."""
        stored = str(spec.value or "")
        shown = clean(stored, single_line=spec.kind == "input")
        if shown != stored:
            self.prefilled[spec.name] = (shown, stored)
        return shown

    def on_mount(self) -> None:
        self.initial = self.values()
        first = next((s for s in self.fields if s.kind != "checkbox"), None)
        if first is None and self.fields:
            first = self.fields[0]  # a picker of ticks only: the first one
        if first is not None:
            self.query_one(f"#field-{first.name}").focus()

    def values(self) -> dict[str, Any]:
        """What is in the form now."""
        result: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Input):
                result[spec.name] = widget.value
            elif isinstance(widget, TextArea):
                result[spec.name] = widget.text
            elif isinstance(widget, Checkbox):
                result[spec.name] = widget.value
            elif isinstance(widget, Select):
                result[spec.name] = None if widget.value is Select.NULL else widget.value
            shown, stored = self.prefilled.get(spec.name, (None, None))
            if shown is not None and result[spec.name] == shown:
                result[spec.name] = stored
        return result

    @property
    def dirty(self) -> bool:
        """Has anything been typed or changed?"""
        return self.values() != self.initial

    def show_error(self, name: str | None, message: str) -> None:
        """Show a message under a field (or above the buttons when it is about the form)."""
        target = self.query_one(f"#error-{name}" if name else "#form-error", Static)
        target.update(Text(clean(message)))
        target.set_class(bool(message), "shown")

    def clear_errors(self) -> None:
        """Hide every message."""
        for spec in self.fields:
            self.show_error(spec.name, "")
        self.show_error(None, "")

    def check(self, values: dict[str, Any]) -> bool:
        """Check every field; show the problems; True when all is well."""
        ok = True
        for spec in self.fields:
            value = values.get(spec.name)
            problem = None
            if spec.required and (value is None or (isinstance(value, str) and not value.strip())):
                problem = f"{spec.label} is needed."
            elif spec.check is not None and value not in (None, ""):
                problem = spec.check(value)
            if problem:
                ok = False
                self.show_error(spec.name, problem)
        return ok

    @on(Button.Pressed, "#form-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_errors()
        values = self.values()
        if self.check(values):
            self.busy = True  # a second ctrl+s must not start (or cancel) another submit
            self.run_submit(values)

    @work(group="form-submit", exit_on_error=False)
    async def run_submit(self, values: dict[str, Any]) -> None:
        try:
            result = await self.submit_values(values)
        except FieldError as exc:
            self.show_error(exc.name, str(exc))
        except Conflict as exc:
            self.show_error(None, f"{exc} Your text is kept: check the ticket and submit again.")
        except ConsoleError as exc:
            self.show_error(None, str(exc))
        else:
            self.dismiss(result)
        finally:
            self.busy = False

    def _article_field(self) -> Field | None:
        return next((s for s in self.fields if "insert_article" in s.extra), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Other forms leave these keys alone.
        if action == "insert_article":
            return self._article_field() is not None
        if action == "insert_canned":
            return bool(self.query(CannedArea))
        return True

    def action_insert_canned(self) -> None:
        """Pick a canned reply; it goes in at the cursor of the reply's text."""
        area = self.query_one(CannedArea)

        def chosen(name: str | None) -> None:
            if name:
                area.use(name)
            area.focus()

        self.app.push_screen(CannedPicker(area.canned), chosen)

    @on(Spellchecked.Offered)
    def offer_spelling(self, message: Spellchecked.Offered) -> None:
        """``f7`` found a misspelled word: offer its suggestions and a place in the
        personal dictionary."""
        area, found = message.area, message.found

        def chosen(choice: str | None) -> None:
            if choice == ADD:
                area.add_to_dictionary(found.word)
            elif choice:
                area.use_suggestion(found, choice)
            area.focus()

        self.app.push_screen(SpellingPicker(found.word, message.suggestions), chosen)

    def action_insert_article(self) -> None:
        """Search the knowledge base; the chosen article's text goes in at the cursor
        (where it was when the search opened)."""
        spec = self._article_field()
        if spec is None:
            return
        area = self.query_one(f"#field-{spec.name}", TextArea)
        at = area.cursor_location

        def insert(text: str) -> None:
            area.insert(text, at)
            area.focus()

        spec.extra["insert_article"](self.app, insert)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard what you typed?"), answered)
