"""The key footer, built again only when the keys it offers changed.

Textual's ``Footer`` removes and mounts one widget per key whenever its screen's bindings
may have changed: on every screen switch, focus move and ``refresh_bindings``.  Opening a
ticket spent more time rebuilding the same footer than reading and showing the ticket.

Its keys are also bound to its compactness (``data_bind``), and the footer keeps each bound
key in its watcher list until its compactness changes, which it never does here: every
rebuild (most cursor moves, since the keys follow the ticket) left its keys alive, about
1,100 objects a press, and every full garbage collection walked them all day.  So this
footer sets its keys' compactness itself, when they are built and when it changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widget import Widget

#: What the footer shows of one key: its key, how it is shown, its label and action,
#: whether it is enabled, its tooltip and its group.
Offered = tuple[tuple[object, ...], ...]


class KeyFooter(Footer):
    """A ``Footer`` that keeps its keys while the same keys are offered."""

    _offered: Offered | None = None

    def offered(self) -> Offered:
        """The keys the footer would show now."""
        app = self.app
        return tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def shows_offered_keys(self) -> bool:
        """Whether the keys shown are those offered now (no rebuild is due)."""
        return self._offered is not None and self._offered == self.offered()

    def compose(self) -> ComposeResult:
        shown = list(super().compose())  # nothing before the screen's bindings are ready
        for key in self._bound_keys(shown):
            # Born with the footer's compactness (as Textual's Footer sets itself): the
            # binding's watcher would restyle it twice more as it mounts, most of what a
            # rebuild costs (6-13 ms for the queue's 11 keys at 160 columns), and would
            # keep it alive after it is removed (see the module's note).
            key._reactive_connect = None
            key.set_reactive(FooterKey.compact, self.compact)
            key.set_class(self.compact, "-compact", update=False)
        self._offered = self.offered() if shown else None
        yield from shown

    def watch_compact(self, compact: bool) -> None:
        for key in self._bound_keys(self.query(FooterKey)):
            key.compact = compact

    @staticmethod
    def _bound_keys(widgets: Iterable[Widget]) -> Iterator[FooterKey]:
        """The keys Textual's Footer binds to its compactness: all but the command
        palette's, which keeps its own."""
        for widget in widgets:
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._offered is None:  # not built yet: as Textual's footer does
            super().bindings_changed(screen)
        elif not screen.is_current:
            # Hidden under another screen it is not laid out; its screen's resume asks
            # again and it follows then.
            return
        elif self.is_attached and screen is self.screen and screen.app.app_focus:
            self.call_after_refresh(self._follow_bindings)

    async def _follow_bindings(self) -> None:
        if self.is_attached and self.screen.is_current and self.offered() != self._offered:
            await self.recompose()
