"""Two-key jumps on the queue: ``g`` then ``g`` top, ``u`` Unassigned, ``m`` My Tickets,
``a`` Assigned to Me, ``t`` My Team.

After the first key this screen waits, over the queue, for the second one with a hint of
the choices in place of the footer.  It waits as long as it takes (a pause must never
turn the second key into a command of its own: ``g``, a pause, ``u`` once released a
ticket); ``esc`` or any other key cancels.  Its bindings are ordinary ones with ids
(``jump.top``, ``jump.unassigned``, ...), so the second keys are remapped in ``[keymap]``
like any other; the first key is the queue's ``main.jump``.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from console.keymap import JUMPS
from console.keys import bindings, key_hint


class JumpScreen(ModalScreen[str | None]):
    """Waits for the second key of a jump, without a time limit; dismisses with where to
    ("top" or a view), or None when any other key (esc too) is pressed."""

    BINDINGS = bindings("JumpScreen")

    def compose(self) -> ComposeResult:
        yield Static(self.hint(), id="jump-hint")

    def hint(self) -> Text:
        """``g: g top · u unassigned · ...`` with the keys as they are mapped now."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {key_hint(self.app, 'main.jump')}:", style="bold")
        for index, (binding_id, _key, _target, label) in enumerate(JUMPS):
            text.append(" · " if index else " ")
            text.append(key_hint(self.app, binding_id), style="bold")
            text.append(f" {label}")
        text.append(f" · {key_hint(self.app, 'jump.cancel')} cancels", style="dim")
        return text

    def action_jump(self, target: str) -> None:
        self.dismiss(target)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        # Runs before the bindings: a key that is not a jump ends the wait and does
        # nothing else (as in vim, the pair is one command).
        if event.key not in self.active_bindings:
            event.stop()
            event.prevent_default()
            self.dismiss(None)
