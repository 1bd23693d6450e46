"""Help (?) for the current context: the keys that work here, as they are mapped now."""

from __future__ import annotations

from typing import Any

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
        f"it ticket by ticket; {key_hint(app, 'main.undo_bulk')} undoes it where no one has "
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
        "Times: 2026-03-02 14:00 (local), ISO 8601, +30m, +2h, +3d, today 17:00, "
        "tomorrow 09:00.\n"
        "Keys are remapped by binding id (in brackets above) in the [keymap] table of "
        f"{config_path()}; `agent-console keys` lists them all.\n"
    )


def place_of(screen: Screen[Any]) -> Place | None:
    """The catalogue's place for a screen (a screen that extends another: the other's)."""
    for cls in type(screen).__mro__:
        place = catalogue().place(cls.__name__)
        if place is not None:
            return place
    return None


def key_lines(screen: Screen[Any]) -> Text:
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
    text = Text()
    for keys, description, ident in sorted(dict.fromkeys(rows), key=lambda r: r[1].lower()):
        text.append(f"{keys:>18}", style="bold")
        text.append(f"  {description}")
        text.append(f"  ({ident})\n", style="dim")
    return text


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
                yield Static(Text(notes(self.app, queue), style="dim"))
                if queue:
                    yield Static(Text("\n" + describe()), id="help-filters")
