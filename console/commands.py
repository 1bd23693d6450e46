"""Command palette (ctrl+p): actions on the selected ticket (those allowed now), every
view (saved ones too), stages, jumping to a ticket by number or by words of its subject,
text or contact, and "assign to ..." for each agent with their open load."""

from __future__ import annotations

import re
from functools import partial
from typing import Any, cast

from rich.text import Text
from textual import on
from textual.command import CommandInput, CommandList, CommandPalette, Hit, Hits, Provider
from textual.widgets import Input

from console.context import ConsoleContext
from console.data.actions import KEYED
from console.data.errors import ConsoleError
from console.data.queries import QueueQuery
from console.data.workflow import STAGES
from console.keymap import JUMPS
from console.keys import key_hint
from console.messages import (
    NewTicket,
    OpenDashboard,
    OpenRecords,
    OpenTicket,
    ShowStage,
    ShowView,
)
from console.safe import clean
from console.screens.tasks import MyTasksScreen
from console.screens.ticket_actions import TicketActions

_NUMBER = re.compile(r"^\s*#?(\d+)\s*$")
#: Tickets offered for typed words (the latest first).
TICKET_HITS = 8


class TicketCommands(Provider):
    """Everything the console can do, by name."""

    @property
    def ctx(self) -> ConsoleContext:
        """The console the palette runs in."""
        return cast(ConsoleContext, self.app)

    async def startup(self) -> None:
        ctx = self.ctx
        self.current: tuple[int, int] | None = None
        self.allowed: dict[str, str | None] = {}
        self.agents: list[Any] = []
        self.screen_with_ticket: TicketActions | None = None
        if ctx.queries is None:
            return
        screen = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else self.app.screen
        if isinstance(screen, TicketActions):
            self.screen_with_ticket = screen
            self.current = screen.current_ticket()
        try:
            if self.current:
                self.allowed = await ctx.queries.allowed(self.current[0])
            self.agents = await ctx.queries.agents()
        except ConsoleError:
            # The ticket went away or the database is busy: views and stages still work.
            self.current, self.allowed, self.agents = None, {}, []

    def _choices(self) -> list[tuple[str, Any, str]]:
        app, ctx = self.app, self.ctx
        choices: list[tuple[str, Any, str]] = []
        if self.current and self.screen_with_ticket is not None:
            number = self.current[0]
            for action in KEYED:
                rule = action.rule
                if action.listed and rule and self.allowed.get(rule.value, "x") is None:
                    run = partial(self.screen_with_ticket.action_ticket, action.id)
                    key = key_hint(app, action.binding_id)
                    choices.append((f"{action.label.capitalize()} #{number}", run, f"key {key}"))
            if self.allowed.get("assign") is None:
                for agent in self.agents:
                    if agent.active:
                        choices.append(
                            (
                                f"Assign #{number} to {agent.username}",
                                partial(ctx.assign_to, number, self.current[1], agent.username),
                                f"{agent.role}, open {agent.open_load}",
                            )
                        )
        # The keys named are the keys now (remapped in [keymap] or not).
        jumps = {target: binding_id for binding_id, _key, target, _label in JUMPS}
        views_key = key_hint(app, "main.views")
        for view, name in ctx.view_names.items():
            key = views_key
            if view in jumps:
                key = f"{key_hint(app, 'main.jump')} {key_hint(app, jumps[view])}"
            choices.append((f"View: {name}", partial(ctx.broadcast, ShowView(view)), key))
        for index, stage in enumerate(STAGES, start=1):
            key = key_hint(app, f"main.stage_{index}")
            choices.append((f"Stage: {stage}", partial(ctx.broadcast, ShowStage(stage)), key))
        choices.append(
            ("New ticket", partial(ctx.broadcast, NewTicket()), key_hint(app, "main.new_ticket"))
        )
        dashboard = f"{key_hint(app, 'main.jump')} {key_hint(app, 'jump.dashboard')}"
        choices.append(("Dashboard", partial(app.post_message, OpenDashboard()), dashboard))
        records = f"{key_hint(app, 'main.jump')} {key_hint(app, 'jump.records')}"
        choices.append(
            (
                "Desk records: agents, accounts, contacts, departments",
                partial(app.post_message, OpenRecords()),
                records,
            )
        )
        tasks = f"{key_hint(app, 'main.jump')} {key_hint(app, 'jump.tasks')}"
        choices.append(
            ("My tasks", lambda: app.push_screen(MyTasksScreen()), f"{tasks}: what I must do")
        )
        for availability in ("available", "away", "off"):
            choices.append(
                (
                    f"Availability: {availability}",
                    partial(self._set_availability, availability),
                    "what the assign picker shows of you",
                )
            )
        choices.append(("Help", partial(app.run_action, "help"), key_hint(app, "app.help")))
        # Agents' names are typed by people: shown only as plain, cleaned text.
        return [(clean(title, single_line=True), run, why) for title, run, why in choices]

    async def _set_availability(self, availability: str) -> None:
        from console.data.desk import DeskRecords

        queries = self.ctx.queries
        try:
            await DeskRecords(queries.db, queries.actor).set_availability(availability)
        except ConsoleError as exc:
            self.app.notify(str(exc), severity="warning", timeout=6)
        else:
            self.ctx.tell("You are {availability}.", availability=availability)

    async def discover(self) -> Hits:
        for title, run, help_text in self._choices():
            yield Hit(1.0, Text(title), run, help=help_text)

    async def search(self, query: str) -> Hits:
        number = _NUMBER.match(query)
        if number:
            n = int(number.group(1))
            yield Hit(
                100.0,  # above every fuzzy match of the digits
                Text(f"Open ticket #{n}"),
                partial(self.app.post_message, OpenTicket(n)),
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
                    0.5,
                    Text(title),
                    partial(self.app.post_message, OpenTicket(row.number)),
                    help=row.status,
                )

    async def _tickets(self, words: str) -> list[Any]:
        """The latest tickets (in scope) whose text holds the typed words."""
        from console.data.search import tokens

        queries = self.ctx.queries
        if queries is None or not tokens(words):
            return []
        try:
            return await queries.window(QueueQuery(words=words), limit=TICKET_HITS)
        except ConsoleError:
            return []


class ConsolePalette(CommandPalette):
    """The command palette, where a ticket number typed ahead opens at once: ``ctrl+p``,
    ``#1361``, ``enter`` typed quickly opens #1361 even before the list of matches has
    been drawn (Textual's palette would wait for the list and drop the enter).  Keys are
    left alone: only the submission of the typed text is looked at."""

    @on(Input.Submitted)
    def _open_typed_number(self, event: Input.Submitted) -> None:
        number = _NUMBER.match(self.query_one(CommandInput).value)
        moved = self.query_one(CommandList).highlighted not in (None, 0)
        if number is None or (self._list_visible and moved):
            return  # the palette's own handling (the person moved to another match)
        event.prevent_default()
        event.stop()
        self._cancel_gather_commands()
        self.app.post_message(CommandPalette.Closed(option_selected=True))
        self.dismiss()
        self.app.post_message(OpenTicket(int(number.group(1))))
