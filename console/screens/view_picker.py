"""The view picker (v): the built-in queue views, chosen by arrow keys, j/k or a digit,
then the saved ones, then My tasks (not a queue: the open activities I own); ``x`` asks to
remove the saved view under the cursor."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from console.data.queries import VIEWS
from console.keys import bindings, key_hint
from console.widgets.view_list import view_prompt

#: What the picker answers to remove a saved view: this, then the view's key.
REMOVE = "remove "
#: What the picker answers for My tasks (a list of activities, not a queue view).
MY_TASKS = "tasks"


class ViewPicker(ModalScreen[str | None]):
    """Pick a queue view; esc keeps the current one; ``x`` on a saved view answers
    ``REMOVE`` and its key (the queue asks, and removes it if the agent may)."""

    BINDINGS = bindings("ViewPicker")

    def __init__(self, current: str, names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.current = current
        #: every view in order (key -> name): the built-in ones, then saved ones
        self.names = names or dict(VIEWS)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            cancel = key_hint(self.app, "views.cancel")
            yield Label(Text(f"Queue views (enter picks, {cancel} cancels)"))
            options = [self._option(i, view) for i, view in enumerate(self.names, start=1)]
            # My tasks after the built-in views, before the saved ones.
            options.insert(len(VIEWS), self._tasks_option())
            yield OptionList(*options, id="view-options")

    def _option(self, index: int, view: str) -> Option:
        after = f"  ({index})" if index <= len(VIEWS) else ""
        prompt = view_prompt(self.names[view], None, view == self.current, view, after)
        return Option(prompt, id=view)

    def _tasks_option(self) -> Option:
        jump = f"{key_hint(self.app, 'main.jump')} {key_hint(self.app, 'jump.tasks')}"
        prompt = Text("  My tasks", no_wrap=True, overflow="ellipsis")
        prompt.append(f"  ({jump})", style="dim")
        prompt.append("\n    open activities I own", style="dim")
        return Option(prompt, id=MY_TASKS)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def action_remove(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        view = options.get_option_at_index(index).id if options.option_count else None
        if view is None or view in VIEWS or view == MY_TASKS:
            remove = key_hint(self.app, "views.remove")
            self.notify(
                f"The built-in views stay; {remove} removes a saved one.", markup=False, timeout=3
            )
            return
        self.dismiss(REMOVE + view)

    def action_pick(self, index: int) -> None:
        self.dismiss(list(VIEWS)[index])

    @on(OptionList.OptionSelected)
    def chosen(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)
