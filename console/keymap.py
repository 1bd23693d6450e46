"""Every key of the console, as data: for each place (a screen, or a widget on one) its
bindings with their ids, default keys, actions and descriptions.

Screens and widgets take their ``BINDINGS`` from here (``console.keys.bindings``), and
``?``, ``agent-console keys``, the ``[keymap]`` check and every hint that names a key read
the same lists, so nothing has to import a screen to learn its keys.  The ticket actions'
keys come from the table of actions (``console.data.actions``).  No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.data.actions import KEYED
from console.data.queries import VIEWS
from console.data.workflow import STAGES


@dataclass(frozen=True)
class Key:
    """One binding: a stable id (people remap by it), default keys, the Textual action
    it runs, and what it does in words."""

    id: str
    keys: str
    action: str
    description: str
    show: bool = False
    #: checked before the focused widget's own keys (Textual's ``priority``)
    priority: bool = False


@dataclass(frozen=True)
class PlaceKeys:
    """A place where keys are active together: a screen (with the widgets that can have
    the focus on it) or the App itself."""

    #: the class's name (``MainScreen``); help and the keys listing find a screen by it
    name: str
    #: how help and `agent-console keys` call it
    title: str
    keys: tuple[Key, ...]
    #: the Textual class it extends, whose own bindings are active there too
    #: (``app``, ``screen``, ``modal``, ``widget``, ``text_area``)
    base: str = "screen"
    #: places of widgets whose keys are active here while they (or a child) have the focus
    focused: tuple[str, ...] = ()
    #: for a screen that waits for the second key of a two-key sequence: the place the
    #: first key is pressed on and that first key's binding id
    chord_of: tuple[str, str] | None = None


def ticket_keys() -> tuple[Key, ...]:
    """The keys of the ticket actions, on every screen that shows a current ticket."""
    return tuple(
        Key(a.binding_id, a.keys, f"ticket('{a.id}')", a.label, show=a.show) for a in KEYED
    )


#: The jumps after ``g``: binding id, default second key, where to, what the hint says.
JUMPS: tuple[tuple[str, str, str, str], ...] = (
    ("jump.top", "g", "top", "top"),
    ("jump.unassigned", "u", "unassigned", "unassigned"),
    ("jump.my", "m", "my", "my tickets"),
    ("jump.assigned", "a", "assigned", "assigned to me"),
    ("jump.team", "t", "team", "my team"),
    ("jump.dashboard", "d", "dashboard", "dashboard"),
    ("jump.kb", "k", "kb", "knowledge base"),
    ("jump.records", "r", "records", "desk records"),
    ("jump.inbox", "i", "inbox", "inbox"),
    ("jump.tasks", "T", "tasks", "my tasks"),
)

APP = PlaceKeys(
    "AgentConsole",
    "Everywhere (outside dialogs)",
    (
        Key("app.quit", "q", "quit", "Quit", show=True),
        Key("app.help", "question_mark", "help", "Help", show=True),
        Key("app.palette", "ctrl+p", "command_palette", "Commands"),
    ),
    base="app",
)

QUEUE_WIDGET = PlaceKeys(
    "TicketQueue",
    "Queue",
    (
        Key("queue.down", "down,j", "cursor_down", "Down"),
        Key("queue.up", "up,k", "cursor_up", "Up"),
        Key("queue.page_down", "pagedown,ctrl+d", "page_down", "Page down"),
        Key("queue.page_up", "pageup,ctrl+u", "page_up", "Page up"),
        # g alone starts a two-key jump on the queue screen (g g is top: main.jump).
        Key("queue.top", "home", "first", "Top"),
        Key("queue.bottom", "end,G", "last", "Bottom"),
        Key("queue.open", "enter", "open", "Open", show=True),
    ),
    base="widget",
)

SEARCH_BAR = PlaceKeys(
    "SearchBar",
    "Queue",
    (
        Key("search.clear", "escape", "clear", "Clear search", show=True),
        Key("search.to_queue", "down", "leave", "To the queue"),
    ),
    base="widget",
)

MENTION_AREA = PlaceKeys(
    "MentionArea",
    "Forms",
    (Key("form.complete_mention", "tab", "complete_mention", "Complete @mention"),),
    base="text_area",
)

CANNED_AREA = PlaceKeys(
    "CannedArea",
    "Forms",
    (Key("form.complete_canned", "tab", "expand_canned", "Insert ::canned reply"),),
    base="text_area",
)

#: ``ctrl+e`` in every text field, one line or many (Input and TextArea have a ctrl+e of
#: their own, end of line: this one comes first).
EDITOR_KEY = Key("text.editor", "ctrl+e", "edit_externally", "Edit in $EDITOR", priority=True)
#: In the reply, comment and resolution forms: the next misspelled word, with suggestions.
SPELLING_KEY = Key("text.spelling", "f7", "next_misspelling", "Next misspelled word")
#: Tab takes the suggestion shown in a field (a path, a known contact), as its label says;
#: with none shown it moves on to the next field as everywhere.
COMPLETE_KEY = Key("text.complete", "tab", "complete", "Take the suggestion (else next field)")
EDITABLE_INPUT = PlaceKeys(
    "EditableInput", "Text fields", (EDITOR_KEY, COMPLETE_KEY), base="widget"
)
EDITABLE_AREA = PlaceKeys("EditableArea", "Text fields", (EDITOR_KEY, SPELLING_KEY), base="widget")

MAIN = PlaceKeys(
    "MainScreen",
    "Queue",
    (
        Key("main.prev_stage", "left_square_bracket,h", "stage(-1)", "Prev stage"),
        Key("main.next_stage", "right_square_bracket,l", "stage(1)", "Next stage"),
        *(
            Key(f"main.stage_{i}", str(i), f"stage_to({i - 1})", f"Stage {name}")
            for i, name in enumerate(STAGES, start=1)
        ),
        Key("main.jump", "g", "jump", "Jump (then a second key)"),
        Key("main.views", "v", "pick_view", "Views", show=True),
        Key("main.toggle_views", "b", "toggle_views", "View list"),
        Key("main.sort", "z", "cycle_sort", "Sort"),
        Key("main.new_ticket", "ctrl+n", "new_ticket", "New", show=True),
        Key("main.refresh", "ctrl+r", "refresh_queue", "Refresh"),
        Key("main.focus_queue", "escape", "focus_queue", "Queue"),
        Key("main.read_all", "x", "read_all", "Read all"),
        Key("main.next_tab", "greater_than_sign", "detail_tab(1)", "Next tab"),
        Key("main.prev_tab", "less_than_sign", "detail_tab(-1)", "Prev tab"),
        Key("main.search", "slash", "search", "Search", show=True),
        Key("main.save_view", "V", "save_view", "Save view"),
        Key("main.tag", "space", "tag", "Tag"),
        Key("main.tag_all", "asterisk", "tag_all", "Tag all"),
        Key("main.bulk", "semicolon", "bulk", "Act on tagged"),
        Key("main.undo_bulk", "U,ctrl+z", "undo", "Undo"),
        Key("main.message", "M", "message", "Message agents"),
        *ticket_keys(),
    ),
    focused=("SearchBar", "TicketQueue", "EditableInput"),
)

JUMP = PlaceKeys(
    "JumpScreen",
    "Queue, two-key jumps",
    (
        *(
            Key(binding_id, key, f"jump('{target}')", f"Jump to {label}", show=True)
            for binding_id, key, target, label in JUMPS
        ),
        Key("jump.cancel", "escape", "dismiss(None)", "Cancel"),
    ),
    base="modal",
    chord_of=("MainScreen", "main.jump"),
)

TICKET = PlaceKeys(
    "TicketScreen",
    "Ticket (full screen)",
    (
        Key("ticket.back", "escape,q", "back", "Back", show=True),
        Key("ticket.undo", "U,ctrl+z", "undo", "Undo"),
        Key("ticket.next_tab", "right,l,greater_than_sign", "tab(1)", "Next tab"),
        Key("ticket.prev_tab", "left,h,less_than_sign", "tab(-1)", "Prev tab"),
        Key("ticket.scroll_down", "down,j", "scroll_tab(1)", "Scroll down"),
        Key("ticket.scroll_up", "up,k", "scroll_tab(-1)", "Scroll up"),
        Key("ticket.page_down", "pagedown,ctrl+d,space", "scroll_tab(20)", "Page down"),
        Key("ticket.page_up", "pageup,ctrl+u", "scroll_tab(-20)", "Page up"),
        Key("ticket.top", "home,g", "scroll_tab(-1000000)", "Top"),
        Key("ticket.bottom", "end,G", "scroll_tab(1000000)", "Bottom"),
        Key("ticket.refresh", "ctrl+r", "reload", "Refresh"),
        Key("ticket.read_all", "x", "read_all", "Read all"),
        Key("ticket.message", "M", "message", "Message agents about it"),
        *ticket_keys(),
    ),
)

VIEW_PICKER = PlaceKeys(
    "ViewPicker",
    "View picker",
    (
        Key("views.cancel", "escape", "dismiss(None)", "Cancel", show=True),
        Key("views.down", "j", "move(1)", "Down"),
        Key("views.up", "k", "move(-1)", "Up"),
        Key("views.remove", "x,delete", "remove", "Remove a saved view", show=True),
        *(
            Key(f"views.pick_{i}", str(i), f"pick({i - 1})", view)
            for i, view in enumerate(VIEWS.values(), start=1)
        ),
    ),
    base="modal",
)

PAGER = PlaceKeys(
    "PagerScreen",
    "Reading a whole conversation",
    (
        Key("pager.close", "escape,q", "dismiss", "Close", show=True),
        Key("pager.next", "n,right,l", "turn(1)", "Next page", show=True),
        Key("pager.previous", "p,left,h", "turn(-1)", "Previous page", show=True),
        Key("pager.down", "j,down", "scroll(1)", "Down"),
        Key("pager.up", "k,up", "scroll(-1)", "Up"),
        Key("pager.page_down", "pagedown,space", "scroll(20)", "Page down"),
        Key("pager.page_up", "pageup", "scroll(-20)", "Page up"),
    ),
    base="modal",
)

FORM = PlaceKeys(
    "FormScreen",
    "Forms",
    (
        # Not a priority binding: it must come after the keys typed before it.
        Key("form.submit", "ctrl+s", "submit", "Submit", show=True),
        # In the reply form: send, then close the ticket (terminals deliver alt+s as
        # ESC s; ctrl+enter reaches few of them).  A priority binding: a text field
        # would otherwise take the ESC s of a real terminal as a typed "s".
        Key(
            "form.submit_close",
            "alt+s",
            "submit_and_close",
            "Send and close",
            show=True,
            priority=True,
        ),
        Key("form.cancel", "escape", "cancel", "Cancel", show=True),
        # In the reply form: search the knowledge base, insert an article at the cursor.
        Key("form.insert_article", "ctrl+o", "insert_article", "Insert article"),
        Key("form.insert_canned", "ctrl+t", "insert_canned", "Insert canned reply"),
    ),
    base="modal",
    focused=("MentionArea", "CannedArea", "EditableInput", "EditableArea"),
)

CONFIRM = PlaceKeys(
    "ConfirmScreen",
    "Questions",
    (
        Key("confirm.yes", "y,enter", "answer(True)", "Yes", show=True),
        Key("confirm.no", "n,escape", "answer(False)", "No", show=True),
    ),
    base="modal",
)

#: The stale-send block asks again before a reply goes out beside newer messages: only a
#: deliberate ``y`` sends; ``enter`` (typed on from the form) goes back to the text.
STALE_SEND = PlaceKeys(
    "StaleSendScreen",
    "Newer messages before a send",
    (
        Key("stale.send", "y", "answer(True)", "Send anyway", show=True),
        Key("stale.back", "n,escape,enter", "answer(False)", "Back to your text", show=True),
    ),
    base="modal",
)

HELP = PlaceKeys(
    "HelpScreen",
    "Help",
    (Key("help.close", "escape,q,question_mark", "dismiss", "Close", show=True),),
    base="modal",
)

KNOWLEDGE_BASE = PlaceKeys(
    "KnowledgeBaseScreen",
    "Knowledge base",
    (
        Key("kb.close", "escape", "close", "Close", show=True),
        Key("kb.search", "slash", "focus_search", "Search", show=True),
        # Letters reach these only from the list: in the search line they are typed.
        Key("kb.add", "a", "add", "New article", show=True),
        Key("kb.edit", "e", "edit", "Edit article", show=True),
    ),
    base="modal",
    focused=("EditableInput",),
)

INBOX = PlaceKeys(
    "InboxScreen",
    "Inbox",
    (
        Key("inbox.back", "escape,q", "back", "Back", show=True),
        Key("inbox.open", "enter", "open", "Open", show=True),
        Key("inbox.toggle_read", "r", "toggle_read", "Read/unread", show=True),
        Key("inbox.all_read", "x", "all_read", "All read", show=True),
        Key("inbox.message", "M", "message", "Message", show=True),
        Key("inbox.sent", "s", "toggle_sent", "Sent/inbox", show=True),
        Key("inbox.delete", "d,delete", "delete", "Delete message"),
        Key("inbox.down", "j", "move(1)", "Down"),
        Key("inbox.up", "k", "move(-1)", "Up"),
        Key("inbox.refresh", "ctrl+r", "refresh", "Refresh"),
    ),
)

MY_TASKS = PlaceKeys(
    "MyTasksScreen",
    "My tasks",
    (
        Key("tasks.close", "escape,q", "close", "Close", show=True),
        Key("tasks.down", "j", "move(1)", "Down"),
        Key("tasks.up", "k", "move(-1)", "Up"),
        Key("tasks.done", "d", "done", "Done", show=True),
        Key("tasks.edit", "e", "edit", "Edit", show=True),
        Key("tasks.give", "a", "give", "Give to …", show=True),
        Key("tasks.everyone", "o", "toggle_everyone", "Mine / everyone's", show=True),
        Key("tasks.refresh", "ctrl+r", "reload", "Refresh"),
    ),
    base="modal",
)

CANNED_PICKER = PlaceKeys(
    "CannedPicker",
    "Canned-reply picker",
    (Key("canned.cancel", "escape", "dismiss(None)", "Cancel", show=True),),
    base="modal",
)

SPELLING_PICKER = PlaceKeys(
    "SpellingPicker",
    "Spelling suggestions",
    (
        Key("spelling.add", "a", "add_word", "Add to my dictionary", show=True),
        Key("spelling.cancel", "escape", "dismiss(None)", "Leave it", show=True),
    ),
    base="modal",
)

BULK_PICKER = PlaceKeys(
    "BulkActionPicker",
    "Bulk action picker",
    (Key("bulk.cancel_pick", "escape", "dismiss(None)", "Cancel", show=True),),
    base="modal",
)

BULK_PREVIEW = PlaceKeys(
    "BulkPreviewScreen",
    "Bulk preview",
    (
        Key("bulk.apply", "y,enter", "answer(True)", "Apply", show=True),
        Key("bulk.cancel", "n,escape", "answer(False)", "Cancel", show=True),
    ),
    base="modal",
)

BULK_REPORT = PlaceKeys(
    "BulkReportScreen",
    "Bulk report",
    (Key("bulk.close_report", "escape,enter,q", "dismiss", "Close", show=True),),
    base="modal",
)

DASHBOARD = PlaceKeys(
    "DashboardScreen",
    "Dashboard",
    (
        Key("dash.back", "escape,q", "back", "Back", show=True),
        Key("dash.earlier", "left_square_bracket", "move(-1)", "Earlier", show=True),
        Key("dash.later", "right_square_bracket", "move(1)", "Later", show=True),
        Key("dash.range", "r", "cycle_range", "7/30/90 days", show=True),
        Key("dash.narrow", "t", "cycle_narrow", "Team/department", show=True),
        Key("dash.refresh", "ctrl+r", "refresh", "Refresh"),
    ),
)

RECORDS = PlaceKeys(
    "RecordsScreen",
    "The desk's records",
    (
        Key("records.back", "escape,q", "back", "Back", show=True),
        *(
            Key(f"records.section_{i}", str(i), f"section({i - 1})", f"Section {name}")
            for i, name in enumerate(("Agents", "Accounts", "Contacts", "Departments"), start=1)
        ),
        Key("records.next", "right_square_bracket", "next_section(1)", "Next section", show=True),
        Key("records.prev", "left_square_bracket", "next_section(-1)", "Prev section"),
        Key("records.filter", "slash", "filter", "Filter", show=True),
        # Letters reach these only from the table: in the filter line they are typed.
        Key("records.edit", "e", "edit", "Edit", show=True),
        Key("records.add", "n", "add", "New", show=True),
        Key("records.remove", "x", "remove", "Deactivate/remove", show=True),
        Key("records.refresh", "ctrl+r", "refresh", "Refresh"),
    ),
    focused=("EditableInput",),
)

#: Every place, in the order help and `agent-console keys` list them.
PLACES: tuple[PlaceKeys, ...] = (
    APP,
    MAIN,
    JUMP,
    TICKET,
    DASHBOARD,
    RECORDS,
    INBOX,
    VIEW_PICKER,
    PAGER,
    FORM,
    CONFIRM,
    STALE_SEND,
    HELP,
    KNOWLEDGE_BASE,
    MY_TASKS,
    CANNED_PICKER,
    SPELLING_PICKER,
    BULK_PICKER,
    BULK_PREVIEW,
    BULK_REPORT,
)

#: Widgets with keys of their own, listed with the screens they are focused on.
WIDGETS: tuple[PlaceKeys, ...] = (
    QUEUE_WIDGET,
    SEARCH_BAR,
    MENTION_AREA,
    CANNED_AREA,
    EDITABLE_INPUT,
    EDITABLE_AREA,
)
