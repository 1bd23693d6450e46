"""My tasks (``g T`` on the queue, or the view picker and the palette): every open task,
call and event I own across the tickets I may see, soonest due first, those with no due
time last.  ``enter`` opens the ticket at its Activities tab; ``d`` marks the one under the
cursor done, ``e`` changes it, ``a`` gives it to someone else; ``o`` shows everyone's open
activities instead (task administration, seed 003).

Titles and subjects are typed by people and customers: shown as plain, cleaned text.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from console.context import InConsole
from console.data.errors import ConsoleError
from console.data.records import TicketRecord
from console.data.tasks import TaskRecord, open_tasks
from console.data.when import show_local
from console.keys import bindings, key_hint
from console.messages import DatabaseChanged, OpenTicket, TicketChanged
from console.safe import clean
from console.screens.ticket_forms import activity_form
from console.screens.worker_errors import ReportsWorkerErrors

#: Marks an overdue activity without colour (NO_COLOR, colour-blind readers).
OVERDUE_MARK = "!"
#: Shown instead of a due time.
NO_DUE = "no due time"


def task_line(task: TaskRecord, now: datetime, *, with_owner: bool = False) -> Text:
    """One row of My tasks: due time (overdue marked), kind, title, the ticket, the
    reminder (and the owner, listing everyone's)."""
    overdue = task.overdue(now)
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{OVERDUE_MARK if overdue else ' '} ", style="bold red" if overdue else "")
    due = show_local(task.due_at) or NO_DUE
    line.append(f"{due:<16}", style="bold red" if overdue else ("dim" if not task.due_at else ""))
    line.append(f" {task.kind:<5} ", style="bold")
    line.append(clean(task.title, single_line=True))
    line.append(f"  #{task.ticket} ", style="dim")
    line.append(clean(task.subject, single_line=True), style="dim")
    if task.reminder_at:
        line.append(f"  reminder {show_local(task.reminder_at)}", style="dim")
    if with_owner:
        line.append(f"  owner {clean(task.owner or '—', single_line=True)}", style="dim")
    return line


class MyTasksScreen(InConsole, ReportsWorkerErrors, ModalScreen[None]):
    """The open activities I own (or everyone's), by due time."""

    BINDINGS = bindings("MyTasksScreen")

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[TaskRecord] = []
        self.everyone = False
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tasks"):
            yield Label(self.title_text(), id="tasks-title", classes="form-title")
            yield OptionList(id="tasks-list")
            yield Static(self.hint(), id="tasks-hint")

    def title_text(self) -> Text:
        if self.everyone:
            return Text("Open activities of everyone, on the tickets you may see")
        return Text("My tasks: open tasks, calls and events, soonest due first")

    def hint(self) -> Text:
        def key(binding_id: str) -> str:
            return key_hint(self.app, binding_id)

        whose = "mine" if self.everyone else "everyone's"
        return Text(
            f"enter opens the ticket · {key('tasks.done')} done · {key('tasks.edit')} edit · "
            f"{key('tasks.give')} give to … · {key('tasks.everyone')} {whose} · "
            f"{key('tasks.close')} closes · {OVERDUE_MARK} overdue",
            style="dim",
        )

    def on_mount(self) -> None:
        self.load()
        self.query_one("#tasks-list", OptionList).focus()

    @work(exclusive=True, group="my-tasks", exit_on_error=False)
    async def load(self, keep: int | None = None) -> None:
        """Read the open activities and show them, keeping the cursor on ``keep``."""
        if keep is None and self.current is not None:
            keep = self.current.id
        self.tasks = await open_tasks(self.ctx.queries, everyone=self.everyone)
        now = self.ctx.clock()
        options = self.query_one("#tasks-list", OptionList)
        options.clear_options()
        if not self.tasks:
            empty = (
                "No open activities on the tickets you may see."
                if self.everyone
                else "Nothing to do: no open task, call or event of yours."
            )
            options.add_option(Option(Text(empty, style="dim"), disabled=True))
        else:
            options.add_options(
                [
                    Option(task_line(t, now, with_owner=self.everyone), id=str(t.id))
                    for t in self.tasks
                ]
            )
            ids = [t.id for t in self.tasks]
            options.highlighted = ids.index(keep) if keep in ids else 0
        self.query_one("#tasks-title", Label).update(self.title_text())
        self.query_one("#tasks-hint", Static).update(self.hint())
        self.loaded = True

    @property
    def current(self) -> TaskRecord | None:
        """The activity under the cursor."""
        index = self.query_one("#tasks-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.tasks):
            return None
        return self.tasks[index]

    def _current_or_say(self) -> TaskRecord | None:
        task = self.current
        if task is None:
            self.ctx.tell("No activity here.", timeout=3)
        return task

    @on(OptionList.OptionSelected, "#tasks-list")
    def chosen(self) -> None:
        task = self.current
        if task is not None:
            self.post_message(OpenTicket(task.ticket, tab="activities"))

    @on(TicketChanged)
    @on(DatabaseChanged)
    def changed(self) -> None:
        """An activity may have changed here or in another console: show what is true."""
        self.load()

    def action_move(self, step: int) -> None:
        options = self.query_one("#tasks-list", OptionList)
        if self.tasks:
            options.highlighted = ((options.highlighted or 0) + step) % len(self.tasks)

    @work(group="my-tasks-act", exit_on_error=False)
    async def action_done(self) -> None:
        task = self._current_or_say()
        if task is None:
            return
        try:
            await self.ctx.service.complete_activity(task.ticket, task.id)
        except ConsoleError as exc:
            self.notify(str(exc), severity="warning", markup=False, timeout=6)
        else:
            self.ctx.tell(
                "Done: {kind} {title} on #{number}.",
                kind=task.kind,
                title=task.title,
                number=task.ticket,
            )
        self.ctx.broadcast(TicketChanged(task.ticket))

    def action_edit(self) -> None:
        self._open_form(give=False)

    def action_give(self) -> None:
        self._open_form(give=True)

    @work(group="my-tasks-act", exit_on_error=False)
    async def _open_form(self, *, give: bool) -> None:
        task = self._current_or_say()
        if task is None:
            return
        agents = await self.ctx.queries.agents()
        names = [a.username for a in agents if a.active]
        form = activity_form(self.ctx, task.ticket, task, names, give=give)

        def saved(record: TicketRecord | None) -> None:
            if record is None:
                return
            done = "Gave" if give else "Changed"
            self.ctx.tell(
                "{done} {kind} {title} on #{number}.",
                done=done,
                kind=task.kind,
                title=task.title,
                number=task.ticket,
            )
            self.ctx.broadcast(TicketChanged(task.ticket))

        await self.app.push_screen(form, saved)

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
