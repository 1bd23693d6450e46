"""Command palette (ctrl+p): actions on the selected ticket (those allowed now), every
view (saved ones too), stages, jumping to a ticket by number or by words of its subject,
text or contact, and "assign to ..." for each agent with their open load."""

from __future__ import annotations

import asyncio
import re
import weakref
from functools import partial
from typing import Any, cast

from rich.text import Text
from textual import events, on
from textual.await_complete import AwaitComplete
from textual.command import CommandInput, CommandList, CommandPalette, Hit, Hits, Provider
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from console.context import ConsoleContext
from console.data.actions import KEYED
from console.data.errors import ConsoleError
from console.data.queries import QueueQuery
from console.data.workflow import STAGES
from console.keymap import JUMPS
from console.keys import key_hint
from console.messages import NewTicket, OpenDashboard, OpenTicket, ShowStage, ShowView
from console.safe import clean
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
    """The palette, keeping up with a fast typist: ``enter`` on a ticket number opens the
    ticket at once, and ``enter`` typed before the hits have come acts on the first hit
    when they come (Textual's palette dropped it and stayed open, taking every later key)."""

    _enter_waiting = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: keys that came before the input had the focus (they reached no one before)
        self._early: list[events.Key] = []
        self._caught_up = False
        self._closed = False
        #: keys that reached this screen (the others went to the screen below)
        self._seen: weakref.WeakSet[events.Key] = weakref.WeakSet()

    def on_key(self, event: events.Key) -> None:
        self._seen.add(event)
        if not self._caught_up and self.takes(event):
            event.stop()
            event.prevent_default()

    def takes(self, key: events.Key) -> bool:
        """Take a key that came before the input had the focus, or that went to the
        screen below and came back unused: typed into the input in order once it can
        be.  True if taken."""
        if key in self._seen and self._caught_up:
            return False  # the palette's own, answered already
        if self._caught_up and not key.is_printable:
            # The input has the focus: its bindings (enter, backspace) answered the key
            # already, wherever it went first.
            return False
        if not (key.is_printable or key.key in ("enter", "backspace")):
            return False
        self._early.append(key)
        if self._caught_up:
            self._catch_up()
        return True

    def on_mount(self) -> None:
        self.call_after_refresh(self._catch_up)

    def _catch_up(self) -> None:
        """Type the keys that came early into the input, in order, then act on them."""
        self._caught_up = True
        field = self.query_one(CommandInput)
        field.focus()
        for key in self._early:
            if key.key == "enter":
                self._answer_enter()
            elif key.key == "backspace":
                field.action_delete_left()
            elif key.character:
                field.insert_text_at_cursor(key.character)
        self._early.clear()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Stops Textual's own handler (which would drop an early enter).
        event.prevent_default()
        event.stop()
        self._answer_enter()

    def dismiss(self, result: None = None) -> AwaitComplete:
        """Close the palette, once: an enter answered twice (typed ahead, then again by
        the gathered hits) must not close the screen below it (Textual's dismiss pops
        whatever is on top)."""
        if self._closed:
            return AwaitComplete(asyncio.sleep(0))
        self._closed = True
        self._stop_busy_countdown()
        self._stop_no_matches_countdown()
        return super().dismiss(result)

    async def _watch__show_busy(self) -> None:
        # A gathering under way when the palette closed may still flip its busy flag.
        if not self._closed:
            await super()._watch__show_busy()

    def _answer_enter(self) -> None:
        if self._closed:
            return  # answered already
        typed = self.query_one(CommandInput).value
        number = _NUMBER.match(typed)
        if number and self.query_one(CommandList).highlighted in (None, 0):
            self._open(int(number.group(1)))
        elif not self._list_visible and self._selected_command is None and typed.strip():
            self._enter_waiting = True  # the hits are still being gathered
        elif self._list_visible and self.query_one(CommandList).highlighted is None:
            self._first_hit()  # enter acts on the first hit (Textual's only moved to it)
        else:
            self._select_or_command()

    def _first_hit(self) -> None:
        hits = self.query_one(CommandList)
        if hits.option_count and hits.get_option_at_index(0).id != self._NO_MATCHES:
            hits.highlighted = 0
            self._action_command_list("select")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._closed:
            # Typed ahead after the enter that closed the palette: gathering hits for a
            # palette on its way out never finishes; stop Textual's handler.
            event.prevent_default()
            event.stop()

    def _open(self, number: int) -> None:
        self._cancel_gather_commands()
        self.app.post_message(CommandPalette.Closed(option_selected=True))
        self.dismiss()
        self.app.post_message(OpenTicket(number))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if (
            event.worker.group != self._GATHER_COMMANDS_GROUP
            or not self._enter_waiting
            or self._closed
        ):
            return
        # A gathering cancelled by more typing ends "successfully" too: not the answer.
        if event.state is WorkerState.SUCCESS and not event.worker.is_cancelled:
            self._enter_waiting = False
            self._first_hit()
