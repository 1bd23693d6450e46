"""A screen seen through the dialogs over it shows what it holds now.

Forms and questions are translucent: the ticket (or the queue) stays in sight behind
them.  When that screen changes under them (the stale-send block reloads the ticket
while the reply form and its question are open), Textual asks only the top screen to
draw again; a dialog between them keeps the picture of the screen as it was, so the
ticket behind the question still said Closed after the customer's mail reopened it.
"""

from __future__ import annotations

from textual.screen import Screen


class DrawnUnderDialogs(Screen[None]):
    """After drawing again under dialogs, every dialog over it is drawn again too."""

    def _compositor_refresh(self) -> None:
        # Textual's hook for a screen putting its changed regions on the terminal: the
        # top one, or (under it) asking the top one to draw them.
        changed_under = self is not self.app.screen and bool(self._compositor._dirty_regions)
        super()._compositor_refresh()
        stack = self.app.screen_stack
        if changed_under and self in stack:
            for dialog in stack[stack.index(self) + 1 : -1]:
                dialog.refresh()
