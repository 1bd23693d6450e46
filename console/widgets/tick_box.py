"""A checkbox whose state reads without colour: ``[x]`` when on, ``[ ]`` when off (Textual
draws ``▐X▌`` either way and only the X's colour changes, which NO_COLOR loses)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox

ON, OFF = "[x]", "[ ]"


class TickBox(Checkbox):
    """A checkbox drawn ``[x]`` / ``[ ]``."""

    @property
    def _button(self) -> Content:
        # Textual's ToggleButton draws the box from this property (no public hook).
        return Content.assemble(
            (ON if self.value else OFF, self.get_visual_style("toggle--button"))
        )
