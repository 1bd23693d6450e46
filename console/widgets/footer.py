"""The key footer, built again only when the keys it offers changed.

Textual's ``Footer`` removes and mounts one widget per key whenever its screen's bindings
may have changed: on every screen switch, focus move and ``refresh_bindings``.  Opening a
ticket spent more time rebuilding the same footer than reading and showing the ticket.

Its keys are also bound to its compactness (``data_bind``), and the footer keeps each bound
key in its watcher list until its compactness changes, which it never does here: every
rebuild (most cursor moves, since the keys follow the ticket) left its keys alive, about
1,100 objects a press, and every full garbage collection walked them all day.  So this
footer sets its keys' compactness itself, when they are built and when it changes.  And
when other keys are offered it shows them on the keys it has (``relabel``), mounting or
removing only the difference.

Two of Textual 8's internals are used for that: a key's pending binding
(``_reactive_connect``) and ``FooterKey._disabled``; ``tests/test_ticket_screen.py``
fails if either stops meaning what it does.
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
            self._born_compact(key)
        self._offered = self.offered() if shown else None
        yield from shown

    def _born_compact(self, key: FooterKey) -> None:
        """A key not yet mounted takes the footer's compactness without restyling."""
        key.set_reactive(FooterKey.compact, self.compact)
        key.set_class(self.compact, "-compact", update=False)

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
        if not (self.is_attached and self.screen.is_current):
            return
        offered = self.offered()
        if offered != self._offered and not await self._relabel(offered):
            await self.recompose()

    async def _relabel(self, offered: Offered) -> bool:
        """Show the offered keys on the keys already mounted, mounting or removing only
        as many as the number changed by.  False when it cannot (keys in groups, or none
        shown yet): then the footer is built again.

        On the lead's queue the keys change on most cursor moves (the stages of the
        tickets differ), and building them again cost each move ten widgets' mounting
        and styling, and left garbage for the collector.
        """
        if self._offered is None or any(
            entry[-1] is not None for entry in (*offered, *self._offered)
        ):
            return False
        keys = list(self._bound_keys(self.children))
        if not keys or not all(isinstance(child, FooterKey) for child in self.children):
            return False  # a group's label or box is shown
        first: dict[object, tuple[object, ...]] = {}
        for entry in offered:  # one key per action, its first binding, as Footer shows
            first.setdefault(entry[3], entry)
        wanted = list(first.values())
        for key, entry in zip(keys, wanted, strict=False):
            relabel(key, entry)
        if len(keys) > len(wanted):
            await self.remove_children(keys[len(wanted) :])
        elif len(wanted) > len(keys):
            await self.mount_all(
                [self._new_key(entry) for entry in wanted[len(keys) :]], after=keys[-1]
            )
        self.styles.grid_size_columns = len(wanted)
        self._offered = offered
        return True

    def _new_key(self, entry: tuple[object, ...]) -> FooterKey:
        key = FooterKey("", "", "", "")
        self._born_compact(key)
        relabel(key, entry)
        return key


def relabel(key: FooterKey, entry: tuple[object, ...]) -> None:
    """Show one offered key (see ``KeyFooter.offered``) on a footer key."""
    binding_key, display, description, action, enabled, tooltip, _group = entry
    shown = (str(binding_key), str(display), str(description), str(action), not enabled)
    if (key.key, key.key_display, key.description, key.action, key._disabled) != shown:
        key.key, key.key_display, key.description, key.action, key._disabled = shown
        key.set_class(not enabled, "-disabled")
        key.refresh(layout=True)
    told = str(tooltip) if tooltip else None
    if key.tooltip != told:
        key.tooltip = told
