"""Help (?) for the current context: the keys that work here, as they are mapped now."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

NOTES = """\
Queue: the stage bar counts tickets of the current view per stage; ▸[..] marks the stage
shown. ▲ESC in Due means escalated: open and past its SLA due time. ▶ marks the cursor.
Forms: ctrl+s submits, esc cancels (asking first if text would be lost).
Times: 2026-03-02 14:00 (local), ISO 8601, +30m, +2h, +3d, today 17:00, tomorrow 09:00.
Keys can be remapped by binding id in the config file's [keymap] table.
"""


def key_lines(screen: Screen[object]) -> Text:
    """Every binding active on ``screen`` with its effective keys and id."""
    rows: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description:
            continue
        ident = binding.id or binding.action
        keys, _ = rows.get(ident, ([], binding.description))
        keys.append(screen.app.get_key_display(binding) if key == binding.key else key)
        rows[ident] = (keys, binding.description)
    text = Text()
    for ident, (keys, description) in sorted(rows.items(), key=lambda r: r[1][1].lower()):
        shown = " / ".join(dict.fromkeys(keys))
        text.append(f"{shown:>18}", style="bold")
        text.append(f"  {description}")
        text.append(f"  ({ident})\n", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]  # noqa: RUF012

    def __init__(self, context: Screen[object], title: str) -> None:
        super().__init__()
        self.context = context
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(Text(f"Help: {self.title_text}"))
            with VerticalScroll():
                yield Static(key_lines(self.context))
                yield Static(Text(NOTES, style="dim"))
