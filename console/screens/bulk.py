"""Tag, then act: the preview before a bulk action and the report after it."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.data.actions import BY_ID
from console.data.bulk import Preview, Report
from console.keys import bindings
from console.safe import clean

#: At most this many tickets are listed one by one; the rest are counted.
LISTED = 500
SUBJECT_WIDTH = 40


def _subject(subject: str) -> str:
    """A ticket's subject, cut to a column (customers write long ones)."""
    subject = clean(subject, single_line=True)
    if len(subject) > SUBJECT_WIDTH:
        subject = subject[: SUBJECT_WIDTH - 1] + "…"
    return f"{subject:<{SUBJECT_WIDTH}}  " if subject else ""


def preview_text(preview: Preview) -> Text:
    """Every ticket that will change and how, then every one that will be refused and why."""
    text = Text()
    for heading, refused, rows in preview.sections():
        text.append(("\n" if refused else "") + heading + ":\n", style="bold")
        for number, subject, what in rows[:LISTED]:
            text.append(f"  #{number}  ")
            text.append(_subject(subject), style="dim")
            text.append(clean(what, single_line=True) + "\n", style="dim" if refused else "")
        if len(rows) > LISTED:
            text.append(f"  … and {len(rows) - LISTED:,} more\n", style="dim")
    return text


def report_text(report: Report) -> Text:
    """What happened to each ticket."""
    text = Text()
    for outcome in report.outcomes[:LISTED]:
        mark = "✓" if outcome.done else "✗"
        text.append(f"  {mark} #{outcome.number}  ", style="bold" if outcome.done else "")
        text.append(
            clean(outcome.message, single_line=True) + "\n", style="" if outcome.done else "dim"
        )
    if len(report.outcomes) > LISTED:
        text.append(f"  … and {len(report.outcomes) - LISTED:,} more\n", style="dim")
    return text


class BulkPreviewScreen(ModalScreen[bool]):
    """How many tickets will change, what will change, and which will be refused and why;
    ``y`` or enter applies, ``n`` or esc does nothing."""

    BINDINGS = bindings("BulkPreviewScreen")

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        p = self.preview
        title = f"{p.request.name} {p.total:,} tagged tickets: {len(p.changes):,} will change" + (
            f", {len(p.refused):,} will be refused" if p.refused else ""
        )
        with Vertical(classes="dialog help bulk"):
            yield Label(Text(title, style="bold"), id="bulk-title")
            with VerticalScroll():
                yield Static(preview_text(p), id="bulk-preview")
            question = "y apply · n cancel" if p.changes else "Nothing would change · esc closes"
            yield Static(Text(question, style="dim"))

    def action_answer(self, apply: bool) -> None:
        self.dismiss(apply and bool(self.preview.changes))


class BulkReportScreen(ModalScreen[None]):
    """The result, ticket by ticket."""

    BINDINGS = bindings("BulkReportScreen")

    def __init__(self, report: Report, *, undo_key: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.undo_key = undo_key

    def compose(self) -> ComposeResult:
        report = self.report
        title = report.summary()
        with Vertical(classes="dialog help bulk"):
            yield Label(Text(title, style="bold"), id="bulk-title")
            with VerticalScroll():
                yield Static(report_text(report), id="bulk-report")
            hint = "esc closes"
            if self.undo_key and report.undoable:
                hint += f" · {self.undo_key} on the queue undoes it"
            yield Static(Text(hint, style="dim"))


class BulkActionPicker(ModalScreen[str | None]):
    """After ``;``: the next key names the action for every tagged ticket.  The keys are
    the queue's own action keys (as remapped), so there is nothing new to learn."""

    BINDINGS = bindings("BulkActionPicker")

    def __init__(self, tagged: int, keys: dict[str, str]) -> None:
        super().__init__()
        self.tagged = tagged
        #: key -> ticket action id ("pickup", "assign", ...)
        self.keys = keys

    def compose(self) -> ComposeResult:
        shown: dict[str, list[str]] = {}
        for key, action in self.keys.items():
            shown.setdefault(action, []).append(self.app.get_key_display(Binding(key, "")))
        text = Text()
        for action, keys in shown.items():
            text.append(f"{'/'.join(keys):>4}", style="bold")
            text.append(f"  {BY_ID[action].bulk}\n")
        with Vertical(classes="dialog picker"):
            yield Label(Text(f"Act on {self.tagged:,} tagged tickets", style="bold"))
            yield Static(text)
            yield Static(Text("an action's key · esc cancels", style="dim"))

    def on_key(self, event: events.Key) -> None:
        action = self.keys.get(event.key)
        if action is not None:
            event.stop()
            self.dismiss(action)
