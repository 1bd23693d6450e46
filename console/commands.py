"""Command palette (ctrl+p): actions on the selected ticket (those allowed now), every
view (saved ones too), stages, jumping to a ticket by number or by words of its subject,
text or contact, and "assign to ..." for each agent with their open load."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.command import Hit, Hits, Provider

from console.data.errors import ConsoleError
from console.data.queries import VIEWS
from console.data.workflow import STAGES
from console.keys import key_hint
from console.safe import clean
from console.screens.jump import JUMPS
from console.widgets.ticket_detail import ACTION_KEYS

if TYPE_CHECKING:
    from console.app import AgentConsole
    from console.screens.ticket_actions import TicketActions

_NUMBER = re.compile(r"^\s*#?(\d+)\s*$")
#: Tickets offered for typed words (the latest first).
TICKET_HITS = 8


class TicketCommands(Provider):
    """Everything the console can do, by name."""

    async def startup(self) -> None:
        app: AgentConsole = self.app  # type: ignore[assignment]
        self.current: tuple[int, int] | None = None
        self.allowed: dict[str, str | None] = {}
        self.agents: list[Any] = []
        if app.queries is None:
            return
        screen = app.screen_stack[-2] if len(app.screen_stack) > 1 else app.screen
        current = getattr(screen, "current_ticket", None)
        self.screen_with_ticket = screen
        self.current = current() if current else None
        try:
            if self.current:
                self.allowed = await app.queries.allowed(self.current[0])
            self.agents = await app.queries.agents()
        except ConsoleError:
            # The ticket went away or the database is busy: views and stages still work.
            self.current, self.allowed, self.agents = None, {}, []

    def _choices(self) -> list[tuple[str, Any, str]]:
        app: AgentConsole = self.app  # type: ignore[assignment]
        choices: list[tuple[str, Any, str]] = []
        if self.current:
            number = self.current[0]
            for action, binding_id, label in ACTION_KEYS:
                if self.allowed.get(action, "x") is None:
                    run = partial(
                        cast("TicketActions", self.screen_with_ticket).action_ticket, action
                    )
                    key = key_hint(app, binding_id)
                    choices.append((f"{label.capitalize()} #{number}", run, f"key {key}"))
            if self.allowed.get("assign") is None:
                for agent in self.agents:
                    if agent.active:
                        choices.append(
                            (
                                f"Assign #{number} to {agent.username}",
                                partial(app.assign_to, number, self.current[1], agent.username),
                                f"{agent.role}, open {agent.open_load}",
                            )
                        )
        # The keys named are the keys now (remapped in [keymap] or not).
        jumps = {target: binding_id for binding_id, _key, target, _label in JUMPS}
        views_key = key_hint(app, "main.views")
        for view, name in VIEWS.items():
            key = (
                f"{key_hint(app, 'main.jump')} {key_hint(app, jumps[view])}"
                if view in jumps
                else views_key
            )
            choices.append((f"View: {name}", partial(app.show_view, view), key))
        main = app.main_screen()
        if main is not None:  # saved views: one's own and the team's
            for key, name in main.view_names().items():
                if key not in VIEWS:
                    choices.append((f"View: {name}", partial(app.show_view, key), views_key))
        for index, stage in enumerate(STAGES, start=1):
            key = key_hint(app, f"main.stage_{index}")
            choices.append((f"Stage: {stage}", partial(app.show_stage, stage), key))
        choices.append(("New ticket", app.new_ticket, key_hint(app, "main.new_ticket")))
        choices.append(("Help", app.action_help, key_hint(app, "app.help")))
        # Agents' names are typed by people: shown only as plain, cleaned text.
        return [(clean(title, single_line=True), run, why) for title, run, why in choices]

    async def discover(self) -> Hits:
        for title, run, help_text in self._choices():
            yield Hit(1.0, Text(title), run, help=help_text)

    async def search(self, query: str) -> Hits:
        app: AgentConsole = self.app  # type: ignore[assignment]
        number = _NUMBER.match(query)
        if number:
            n = int(number.group(1))
            yield Hit(
                100.0,  # above every fuzzy match of the digits
                Text(f"Open ticket #{n}"),
                partial(app.open_ticket, n),
                help="jump to the ticket",
            )
        matcher = self.matcher(query)
        for title, run, help_text in self._choices():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
        if not number and len(query.strip()) >= 3:
            for row in await self._tickets(query.strip()):
                title = clean(f"Open #{row.number} {row.subject}", single_line=True)
                yield Hit(
                    0.5, Text(title), partial(app.open_ticket, row.number), help=row.status
                )

    async def _tickets(self, words: str) -> list[Any]:
        """The latest tickets (in scope) whose text holds the typed words."""
        from console.data.filters import search_words
        from console.data.search import tokens

        app: AgentConsole = self.app  # type: ignore[assignment]
        if app.queries is None or not tokens(words):
            return []
        match = search_words(app.service.db)
        try:
            return await app.queries.window("all", where=match(words), limit=TICKET_HITS)
        except ConsoleError:
            return []
