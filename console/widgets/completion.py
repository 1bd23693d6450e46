"""Completion for form fields: agent names, @mentions, file paths and contacts."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from textual.suggester import Suggester

from console.keys import bindings
from console.safe import clean
from console.widgets.editing import EditableArea


class NamesSuggester(Suggester):
    """Completes the last comma-separated word from a list of names."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = sorted(names)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(",")
        word = last.strip()
        if not word:
            return None
        for name in self.names:
            if name.lower().startswith(word.lower()) and name != word:
                prefix = f"{head}, " if head else ""
                return prefix + name
        return None


class PathSuggester(Suggester):
    """Completes file-system paths, like a shell's tab completion."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        return await asyncio.to_thread(self._complete, value)

    @staticmethod
    def _complete(value: str) -> str | None:
        expanded = os.path.expanduser(value)
        folder, _, stem = expanded.rpartition(os.sep)
        base = Path(folder or (os.sep if expanded.startswith(os.sep) else "."))
        try:
            names = sorted(p.name + (os.sep if p.is_dir() else "") for p in base.iterdir())
        except OSError:
            return None
        for name in names:
            if name.startswith(stem) and name != stem and not name.startswith("."):
                return value[: len(value) - len(stem)] + name
        return None


class ContactSuggester(Suggester):
    """Completes a contact's name from the database."""

    def __init__(self, lookup: Callable[[str], Awaitable[list[str]]]) -> None:
        # Case-sensitive so the typed value reaches us as typed; matching ignores case.
        super().__init__(use_cache=True, case_sensitive=True)
        self.lookup = lookup

    async def get_suggestion(self, value: str) -> str | None:
        if len(value.strip()) < 2:
            return None
        try:
            found = await self.lookup(value)
        except Exception:
            return None  # completion is a help, never a reason to lose the form
        for found_name in found:
            # A contact's name comes from customers' email: what the Input shows is clean.
            name = clean(found_name, single_line=True)
            if name.lower().startswith(value.lower()) and name.lower() != value.lower():
                return value + name[len(value) :]
        return None


_MENTION_AT_CURSOR = re.compile(r"@([A-Za-z0-9_.-]*)$")


class MentionArea(EditableArea):
    """A text area where ``tab`` completes an ``@mention`` to an agent's username."""

    BINDINGS = bindings("MentionArea")

    def __init__(self, text: str = "", *, names: Sequence[str] = (), **kwargs: object) -> None:
        super().__init__(text, soft_wrap=True, show_line_numbers=False, **kwargs)  # type: ignore[arg-type]
        self.names = sorted(names)

    def candidates(self) -> tuple[str, list[str]]:
        """The partial name before the cursor and the agents it could be."""
        row, column = self.cursor_location
        line = self.document.get_line(row)[:column]
        match = _MENTION_AT_CURSOR.search(line)
        if not match:
            return "", []
        partial = match.group(1)
        return partial, [n for n in self.names if n.lower().startswith(partial.lower())]

    def action_complete_mention(self) -> None:
        partial, found = self.candidates()
        if not found:
            self.screen.focus_next()
            return
        name = found[0] if len(found) == 1 else _common_prefix(found)
        if len(name) > len(partial):
            self.insert(name[len(partial) :])
        if len(found) == 1:
            self.insert(" ")
        else:
            self.notify("@" + ", @".join(found[:8]), title="Mentions", markup=False, timeout=3)


def _common_prefix(names: list[str]) -> str:
    """The longest start all names share (character by character, these are not paths)."""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


_CANNED_AT_CURSOR = re.compile(r"::([A-Za-z0-9_-]*)$")


class CannedArea(EditableArea):
    """The reply's text area: ``::name`` then ``tab`` puts that canned reply (filled in
    for the ticket) in place of what was typed; ``tab`` elsewhere moves on.  A canned
    reply with an action (``close``) is remembered in ``chosen_action``, done on send."""

    BINDINGS = bindings("CannedArea")

    def __init__(
        self,
        text: str = "",
        *,
        canned: Mapping[str, tuple[str, str | None]] = {},
        **kwargs: object,
    ) -> None:
        super().__init__(text, soft_wrap=True, show_line_numbers=False, **kwargs)  # type: ignore[arg-type]
        #: name -> (the text filled in for this ticket, its action or None)
        self.canned = dict(canned)
        self.chosen_action: str | None = None

    def action_expand_canned(self) -> None:
        row, column = self.cursor_location
        match = _CANNED_AT_CURSOR.search(self.document.get_line(row)[:column])
        if not match:
            self.screen.focus_next()
            return
        partial = match.group(1)
        found = (
            [partial]
            if partial in self.canned
            else sorted(n for n in self.canned if n.startswith(partial))
        )
        if len(found) != 1:
            names = ", ".join(f"::{n}" for n in found[:12]) or "none"
            title = "Canned replies" if found else f"No canned reply ::{partial}"
            self.notify(names, title=title, markup=False, timeout=4)
            return
        self.use(found[0], (row, column - len(match.group(0))), (row, column))

    def use(
        self, name: str, start: tuple[int, int] | None = None, end: tuple[int, int] | None = None
    ) -> None:
        """Put a canned reply's text in place of ``start``-``end`` (default: at the cursor)."""
        text, action = self.canned[name]
        here = self.cursor_location
        self.replace(text, start or here, end or here)
        if action:
            self.chosen_action = action
            self.notify(
                f"::{name} also does {action!r} when the reply is sent.", markup=False, timeout=4
            )
