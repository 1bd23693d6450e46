"""Help (?) for the current context: the keys that work here, as they are mapped now."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from console.config import config_path
from console.data.filters import describe
from console.data.queries import VIEW_MEANINGS, VIEWS
from console.keys import CHORDS, Place, bindings, catalogue, key_hint, keys_shown, prefix_of


def notes(app: App[Any], queue: bool) -> str:
    """What the key list does not say, with the keys as they are mapped now."""
    jumps = (
        f"Jumps: {key_hint(app, 'main.jump')} then a second key; the choices show at the "
        "bottom until you press it (or any other key, to cancel).\n"
        f"Tag, then act: {key_hint(app, 'main.tag')} tags the ticket under the cursor, "
        f"{key_hint(app, 'main.tag_all')} every ticket shown; {key_hint(app, 'main.bulk')} "
        "then an action key shows what will change and what will be refused, and applies "
        "it ticket by ticket.\n"
        f"Undo: {key_hint(app, 'main.undo_bulk')} undoes the last thing you did (a bulk "
        "action, or one ticket's pick up, assign, release or stage change) where no one has "
        "touched the tickets since.\n"
        f"Search: {key_hint(app, 'main.search')}, then words, #1042 or filter terms; "
        f"{key_hint(app, 'main.save_view')} saves the search as a view.\n"
    )
    meanings = "".join(
        f"{VIEWS[key]}: {meaning}.\n" for key, (_short, meaning) in VIEW_MEANINGS.items()
    )
    return (
        meanings
        + "Internal (a comment, a note, a reopen's reason): for agents only, never shown to "
        "the customer; a reply is public.\n"
        "Queue: the stage bar counts tickets of the current view per stage; ▸[..] marks the "
        "stage shown. ▲ESC in Due means escalated: open and past its SLA due time. ▶ marks "
        "the cursor.\n"
        + (jumps if queue else "")
        + f"Forms: {key_hint(app, 'form.submit')} submits, {key_hint(app, 'form.cancel')} "
        "cancels (asking first if text would be lost).\n"
        f"Times: {KEEP.join(('2026-03-02', '14:00', '(local)'))}, ISO{KEEP}8601, +30m, +2h, "
        f"+3d, today{KEEP}17:00, tomorrow{KEEP}09:00.\n"
        "Keys are remapped by binding id (in brackets above) in the [keymap] table of "
        f"{config_path()}; `agent-console keys` lists them all.\n"
    )


#: Joins words that a line never breaks between (shown as a space).
KEEP = "\u00a0"


class Phrased:
    """Lines of text that wrap only at plain spaces (never at ``KEEP``), each wrapped
    line indented under its first, so a note reads as one paragraph."""

    def __init__(self, text: str, style: str = "", indent: int = 2) -> None:
        self.text = text
        self.style = style
        self.indent = indent

    def __str__(self) -> str:
        return self.text.replace(KEEP, " ")

    def lines(self, width: int) -> list[str]:
        """The lines drawn in ``width`` columns."""
        out: list[str] = []
        for paragraph in self.text.splitlines():
            line = ""
            for word in paragraph.split(" "):
                if line and cell_len(line) + 1 + cell_len(word) > width:
                    out.append(line)
                    line = " " * self.indent + word
                else:
                    line = f"{line} {word}" if line else word
            out.append(line)
        return [line.replace(KEEP, " ") for line in out]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield Text(line, style=self.style, overflow="fold")


def place_of(screen: Screen[Any]) -> Place | None:
    """The catalogue's place for a screen (a screen that extends another: the other's)."""
    for cls in type(screen).__mro__:
        place = catalogue().place(cls.__name__)
        if place is not None:
            return place
    return None


def key_lines(screen: Screen[Any]) -> Table:
    """Every binding active on ``screen`` (and the two-key jumps that start there) with
    its keys now and its id, by what it does."""
    app = screen.app
    place = place_of(screen)
    rows: list[tuple[str, str, str]] = []
    if place is not None:
        for binding in place.all_bindings:
            if binding.id and binding.description:
                rows.append((keys_shown(app, binding.id), binding.description, binding.id))
        for chord in catalogue().places:
            if CHORDS.get(chord.name, ("",))[0] != place.name:
                continue
            prefix = prefix_of(chord, app)
            for binding in chord.bindings:
                if binding.id and not binding.action.startswith("dismiss"):
                    shown = keys_shown(app, binding.id, f" / {prefix}")
                    rows.append((prefix + shown, binding.description, binding.id))
    # Three columns: a description too long for its line wraps in its own column, never
    # under the keys.
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column(ratio=1)
    table.add_column(style="dim", no_wrap=True)
    for keys, description, ident in sorted(dict.fromkeys(rows), key=lambda r: r[1].lower()):
        # Text, never markup: a remapped key may be a bracket.
        table.add_row(Text(keys), Text(description), Text(f"({ident})"))
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS = bindings("HelpScreen")

    def __init__(self, context: Screen[Any]) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            place = place_of(self.context)
            yield Label(Text(f"Help: {place.title if place else 'keys'}"))
            with VerticalScroll():
                yield Static(key_lines(self.context))
                queue = place is not None and place.name == "MainScreen"
                yield Static(Phrased("\n" + notes(self.app, queue), style="dim"))
                if queue:
                    yield Static(Text("\n" + describe()), id="help-filters")
