"""Modal forms: fields with inline validation, ``ctrl+s`` submits, ``esc`` cancels (asking
first when typed text would be lost); a form with a "close once sent" box (the reply) also
sends and closes with ``alt+s``.  Every form of the console is a ``FormScreen``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from console.data.errors import Conflict, ConsoleError, StaleSend
from console.data.when import show_local
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
#: Below this many rows of terminal a form is compact (see ``FormScreen.fit``).
SMALL_BELOW = 32

#: The checkbox a form has when it can "send and close" (``form.submit_close``).
CLOSE_FIELD = "close"


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


#: The lines of a newer message the stale-send question shows (the rest: in the ticket).
STALE_LINES = 8


class StaleSendScreen(ConfirmScreen):
    """The stale-send block ("traffic cop"): a customer message or another agent's reply
    came while the agent was writing; show it and ask again.  Yes sends as it is; no
    goes back to the form with everything typed kept."""

    BINDINGS = bindings("StaleSendScreen")

    def __init__(self, stale: StaleSend) -> None:
        super().__init__("Send yours anyway?")
        self.stale = stale

    def compose(self) -> ComposeResult:
        count = len(self.stale.newer)
        what = "a new message" if count == 1 else f"{count} new messages"
        title = f"#{self.stale.number}: {what}"
        with Vertical(classes="dialog confirm stale"):
            yield Label(Text(title + " since you opened the form"), classes="form-title")
            with VerticalScroll(classes="stale-messages"):
                for message in self.stale.newer:
                    who = "customer" if message.kind == "customer" else "reply"
                    head = Text(clean(message.author, single_line=True), style="bold")
                    head.append(f" ({who}) · {show_local(message.at)}", style="dim")
                    yield Static(head, classes="stale-head")
                    lines = clean(message.body).splitlines() or [""]
                    body = "\n".join(lines[:STALE_LINES])
                    if len(lines) > STALE_LINES:
                        body += f"\n… {len(lines) - STALE_LINES} more lines on the ticket"
                    yield Static(Text(body), classes="stale-body")
            yield Static(Text(self.question), classes="confirm-question")
            yes, no = key_hint(self.app, "stale.send"), key_hint(self.app, "stale.back")
            yield Static(
                Text(f"{yes} send anyway · {no} back to your text (it is kept)", style="dim"),
                classes="confirm-keys",
            )


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
        #: what the others see while this form is open: (ticket, "replying" or
        #: "commenting"); None: the form says nothing (the agent is still viewing)
        self.presence_doing: tuple[int, str] | None = None

    def presence_here(self) -> tuple[int, str] | None:
        """What the agent does while this form is open (None: what the screen under it
        says)."""
        return self.presence_doing

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
                if self._closes():
                    both = key_hint(self.app, "form.submit_close")
                    yield Button(f"Send and close ({both})", id="form-submit-close")
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
        self.fit(self.app.size.height)
        self.initial = self.values()
        first = next((s for s in self.fields if s.kind != "checkbox"), None)
        if first is None and self.fields:
            first = self.fields[0]  # a picker of ticks only: the first one
        if first is not None:
            self.query_one(f"#field-{first.name}").focus()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.height)

    def fit(self, height: int) -> None:
        """Below ``SMALL_BELOW`` rows the form is compact (no padding, one-line buttons)
        and its fields scroll in the rows left, so the buttons stay on screen."""
        small = height < SMALL_BELOW
        self.query_one(".dialog.form").set_class(small, "-small")
        for button in self.query(".form-buttons Button").results(Button):
            button.compact = small
        # Around the fields: the border (2), the title (1), the error line (1) and the
        # buttons with the row above them (2).
        self.query_one(".form-fields").styles.max_height = max(3, height - 6) if small else None

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

    def _closes(self) -> bool:
        """Whether this form can send and close (it has the "close once sent" box)."""
        return any(s.name == CLOSE_FIELD and s.kind == "checkbox" for s in self.fields)

    @on(Button.Pressed, "#form-submit-close")
    def action_submit_and_close(self) -> None:
        """Submit as if "close once sent" were ticked (the box itself is left as it is,
        so a refused send leaves the form as it was typed)."""
        if self._closes():
            self._submit(close=True)

    @on(Button.Pressed, "#form-submit")
    def action_submit(self) -> None:
        self._submit(close=False)

    def _submit(self, *, close: bool) -> None:
        if self.busy:
            return
        self.clear_errors()
        values = self.values()
        if close:
            values[CLOSE_FIELD] = True
        if self.check(values):
            self.busy = True  # a second ctrl+s must not start (or cancel) another submit
            self.run_submit(values)

    @work(group="form-submit", exit_on_error=False)
    async def run_submit(self, values: dict[str, Any]) -> None:
        try:
            result = await self._send_asking(values)
        except FieldError as exc:
            self.show_error(exc.name, str(exc))
        except Conflict as exc:
            self.show_error(None, f"{exc} Your text is kept: check the ticket and submit again.")
        except ConsoleError as exc:
            # A value the service refused shows under the field it was typed in.
            about = getattr(exc, "field", None)
            names = {spec.name for spec in self.fields}
            self.show_error(about if about in names else None, str(exc))
        else:
            self.dismiss(result)
        finally:
            self.busy = False

    async def _send_asking(self, values: dict[str, Any]) -> Any:
        """Submit; when a newer message stops it (the stale-send block), show it and ask
        again: sent as it is on yes, back to the form on no."""
        while True:
            try:
                return await self.submit_values(values)
            except StaleSend as stale:
                if not await self.app.push_screen(StaleSendScreen(stale), wait_for_dismiss=True):
                    raise

    def _article_field(self) -> Field | None:
        return next((s for s in self.fields if "insert_article" in s.extra), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Other forms leave these keys alone.
        if action == "insert_article":
            return self._article_field() is not None
        if action == "insert_canned":
            return bool(self.query(CannedArea))
        if action == "submit_and_close":
            return self._closes()
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
