"""The table of ticket actions: one row for each thing an agent can do to a ticket.

The workflow (``console.data.workflow``) decides whether an action is allowed now; this
table says everything else about it, once: its id, its name in sentences, its default
keys and label, the words of the notice when it is done, the form it needs, whether it
applies to tagged tickets, and its command-line verb and options.  The console's key
bindings, the detail pane's "Keys:" line, the footer, the palette, the bulk picker, the
command line's ``ticket`` sub-commands and ``agent-console keys`` are all made from it, so
adding an action is one row here plus its service method.

No Textual here: keys are the strings a binding takes, and a form is named, not built.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from console.data.records import EDITABLE_PEOPLE, EDITABLE_TEXT


class Action(StrEnum):
    """The actions of the workflow table: the rules that decide what is allowed."""

    ASSIGN = "assign"
    PICK_UP = "pickup"
    RELEASE = "release"
    SCHEDULE = "schedule"
    START = "start"
    CLOSE = "close"
    REOPEN = "reopen"
    REPLY = "reply"
    COMMENT = "comment"
    NOTE = "note"
    ACTIVITY = "task"
    REQUEST_APPROVAL = "approval"
    SET_RESOLUTION = "resolution"
    LOG_TIME = "time"
    ATTACH = "attach"
    EDIT = "edit"
    MERGE = "merge"
    SPLIT = "split"
    DELETE = "delete"


#: How a command-line option's text becomes the service's argument.
OptionKind = Literal[
    "text",  # as typed
    "flag",  # present or not
    "when",  # a time as people type it ("+2h", "2026-03-02 14:00")
    "ticket",  # a ticket number (1042 or #1042)
    "positive",  # a whole number above 0
    "yes_no",  # yes or no
    "path",  # a file
    "ids",  # whole numbers above 0, comma-separated ("12,14")
]


@dataclass(frozen=True)
class Option:
    """One command-line option of an action and the service argument it fills."""

    #: ``--to``; without dashes, a positional argument (``activity``)
    flag: str
    #: the service method's keyword the value goes to
    param: str
    kind: OptionKind = "text"
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    metavar: str | None = None
    #: takes one value or more: the service's argument is a list (``--approver``)
    many: bool = False
    #: given again for each value (``--to A --to B``): the service's argument is a list
    repeat: bool = False


@dataclass(frozen=True)
class Verb:
    """A command-line verb of an action: ``agent-console ticket <words...>``."""

    words: tuple[str, ...]
    help: str
    #: service arguments this verb always passes (``approve=True`` for ``approval approve``)
    fixed: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class TicketAction:
    """One action on a ticket, as people reach it."""

    #: stable id: the binding id is ``ticket.<id>`` (people remap keys by it)
    id: str
    #: how sentences name it ("Pick up needs an unassigned ticket")
    name: str
    #: what its key is called in the footer, help, the palette and the "Keys:" line
    label: str
    #: default keys, as a binding takes them ("p", "down,j")
    keys: str
    #: the notice when it is done: "<done> #1042."
    done: str
    #: the workflow rule that decides whether it is allowed now (None: always)
    rule: Action | None
    #: the ticket service method that carries it out
    method: str
    #: the form it needs first (a name the console knows); None: it acts at once
    form: str | None = None
    #: shown in the footer
    show: bool = False
    #: listed in the detail pane's "Keys:" line and the palette when allowed
    listed: bool = True
    #: how the bulk picker lists it; None: not for tagged tickets
    bulk: str | None = None
    #: its command-line verbs (none: the console only)
    verbs: tuple[Verb, ...] = ()
    options: tuple[Option, ...] = ()
    #: its verbs name the ticket by its NUMBER (deciding an approval names the approval)
    numbered: bool = True
    #: the service method takes ``expected_version``
    versioned: bool = True
    #: the command line runs it its own way (``save`` writes a file, ``edit`` gathers
    #: the changed fields, ``delete`` answers no ticket)
    cli_special: bool = False

    @property
    def binding_id(self) -> str:
        """The id people remap its keys by."""
        return f"ticket.{self.id}"


def _message(
    kind: str,
    label: str,
    done: str,
    rule: Action,
    keys: str,
    help_text: str,
    more: tuple[Option, ...] = (),
) -> Any:
    return TicketAction(
        kind,
        label,
        label,
        keys,
        done,
        rule,
        kind,
        form=kind,
        show=kind == "reply",
        verbs=(Verb((kind,), help_text),),
        options=(Option("--body", "body", required=True, metavar="TEXT"), *more),
    )


#: ``ticket reply N --all``: the reply's own options beside its body.
_REPLY_OPTIONS = (
    Option(
        "--all", "to_all", "flag",
        help="reply to all: also to everyone else on the customer's last mail (To/Cc), "
        "never our own addresses",
    ),
)  # fmt: skip


#: Every action, in the order people use them (the "Keys:" line and the palette follow it).
ACTIONS: tuple[TicketAction, ...] = (
    TicketAction(
        "pickup", "Pick up", "Pick up", "p", "Picked up", Action.PICK_UP, "pick_up",
        show=True, bulk="pick up", verbs=(Verb(("pickup",), "take an unassigned ticket"),),
    ),
    TicketAction(
        "assign", "Assign", "Assign", "a", "Assigned", Action.ASSIGN, "assign",
        form="assign", show=True, bulk="assign to …",
        verbs=(Verb(("assign",), "assign to an agent"),),
        options=(Option("--to", "to", required=True, metavar="USER"),),
    ),
    TicketAction(
        "release", "Release", "Release", "u", "Released", Action.RELEASE, "release",
        bulk="release", verbs=(Verb(("release",), "give back to Unassigned"),),
    ),
    TicketAction(
        "schedule", "Schedule", "Schedule", "s", "Scheduled", Action.SCHEDULE, "schedule",
        form="schedule", show=True, bulk="schedule for …",
        verbs=(Verb(("schedule",), "schedule work (New/ReOpen)"),),
        options=(Option("--at", "at", "when", required=True, metavar="WHEN"),),
    ),
    TicketAction(
        "start", "Start", "Start", "S", "Started", Action.START, "start",
        show=True, bulk="start", verbs=(Verb(("start",), "start work (Scheduled)"),),
    ),
    TicketAction(
        "close", "Close", "Close", "c", "Closed", Action.CLOSE, "close",
        form="close", show=True, bulk="close (resolution …)",
        verbs=(Verb(("close",), "close, optionally with a resolution"),),
        options=(
            Option("--resolution", "resolution", metavar="TEXT"),
            Option("--publish", "publish_to_kb", "flag", help="publish to the knowledge base"),
            Option("--notify", "notify_contact", "flag", help="send the resolution to the contact"),
        ),
    ),
    TicketAction(
        "reopen", "Reopen", "Reopen", "R", "Reopened", Action.REOPEN, "reopen",
        form="reopen", show=True, bulk="reopen",
        verbs=(Verb(("reopen",), "reopen a Closed ticket (its SLA starts again)"),),
        options=(Option("--reason", "reason", metavar="TEXT",
                        help="why (an internal comment on the ticket)"),),
    ),
    _message(
        "reply", "Reply", "Replied to", Action.REPLY, "r", "public reply to the customer",
        _REPLY_OPTIONS,
    ),
    TicketAction(
        "forward", "Forward", "Forward", "F", "Forwarded", Action.REPLY, "forward",
        form="forward", listed=False,
        verbs=(Verb(("forward",), "forward the conversation to a third party (a new thread)"),),
        options=(
            Option("--to", "to", required=True, metavar="ADDR", repeat=True,
                   help="an address to forward to (again for more)"),
            Option("--body", "body", default="", metavar="TEXT",
                   help="a note above the quoted conversation"),
            Option("--attach", "attachments", "positive", metavar="ID", repeat=True,
                   help="an attachment of the ticket to include (`ticket show N --json`)"),
        ),
    ),
    _message(
        "comment", "Comment", "Commented on", Action.COMMENT, "m", "internal comment (@mentions)"
    ),
    _message(
        "note", "Note", "Noted on", Action.NOTE, "n", "internal note (not shown to the customer)"
    ),
    TicketAction(
        "outbox", "Retry or cancel mail", "Retry mail", "Y", "Put a mail back in the outbox of",
        None, "retry_mail", form="outbox", listed=False, versioned=False,
    ),
    TicketAction(
        "task", "Add activity", "Task", "t", "Added an activity to", Action.ACTIVITY,
        "add_activity", form="task", verbs=(Verb(("task",), "add a task, call or event"),),
        options=(
            Option("--title", "title", required=True),
            Option("--kind", "kind", choices=("task", "call", "event"), default="task"),
            Option("--owner", "owner", metavar="USER"),
            Option("--due", "due", "when", metavar="WHEN"),
            Option("--reminder", "reminder", "when", metavar="WHEN"),
        ),
    ),
    TicketAction(
        "approval", "Request approval", "Approval", "A", "Requested approval on",
        Action.REQUEST_APPROVAL, "request_approval", form="approval",
        verbs=(Verb(("approval", "request"), "ask approvers on a ticket"),),
        options=(
            Option("--approver", "approvers", required=True, metavar="USER", many=True),
            Option("--subject", "subject", required=True),
            Option("--details", "details", default=""),
            Option(
                "--amc-exception", "amc_exception", "flag",
                help="ask to lift the AMC gate (leads/admins)",
            ),
        ),
    ),
    TicketAction(
        "time", "Log time", "Log time", "T", "Logged time on", Action.LOG_TIME, "log_time",
        form="time", verbs=(Verb(("time",), "log time"),),
        options=(
            Option("--minutes", "minutes", "positive", required=True),
            Option("--billable", "billable", "flag"),
            Option("--note", "note", default=""),
        ),
    ),
    TicketAction(
        "attach", "Attach", "Attach", "f", "Attached a file to", Action.ATTACH, "attach",
        form="attach", verbs=(Verb(("attach",), "attach a file (at most 20 MB)"),),
        options=(Option("path", "path", "path"),),
    ),
    TicketAction(
        "edit", "Edit", "Edit", "e", "Edited", Action.EDIT, "edit", form="edit",
        verbs=(Verb(("edit",), "change fields"),), cli_special=True,
        options=(
            *(Option(f"--{name}", name) for name in EDITABLE_TEXT),
            Option("--due", "due", "when", metavar="WHEN"),
            Option("--sticky", "sticky", "yes_no"),
            *(Option(f"--{name}", name) for name in EDITABLE_PEOPLE),
        ),
    ),
    TicketAction(
        "resolution", "Set resolution", "Resolution", "w", "Wrote the resolution of",
        Action.SET_RESOLUTION, "set_resolution", form="resolution", listed=False,
        verbs=(Verb(("resolution",), "write the resolution"),),
        options=(
            Option("--text", "text", required=True),
            Option("--publish", "publish_to_kb", "flag"),
            Option("--notify", "notify_contact", "flag"),
        ),
    ),
    TicketAction(
        "done", "Mark activity done", "Activity done", "d", "Marked an activity done on",
        Action.ACTIVITY, "complete_activity", form="done", listed=False, versioned=False,
        verbs=(Verb(("done",), "mark an activity done"),),
        options=(Option("activity", "activity_id", "positive", metavar="ACTIVITY_ID"),),
    ),
    TicketAction(
        "activity_edit", "Edit activity", "Edit activity", "E", "Changed an activity on",
        Action.ACTIVITY, "edit_activity", form="activity_edit", listed=False,
        versioned=False, cli_special=True,
        verbs=(
            Verb(
                ("activity-edit",),
                "change an open activity: give it to someone else, move its due time or reminder",
            ),
        ),
        options=(
            Option("activity", "activity_id", "positive", metavar="ACTIVITY_ID"),
            Option("--title", "title"),
            Option("--owner", "owner", metavar="USER",
                   help="give it to another agent (who may see the ticket)"),
            Option("--due", "due", metavar="WHEN|none", help="a new due time; none: no due time"),
            Option("--reminder", "reminder", metavar="WHEN|none",
                   help="a new reminder (upcoming, before the due time); none: no reminder"),
        ),
    ),
    TicketAction(
        "decide", "Decide approval", "Decide approval", "D", "Decided an approval on",
        Action.REQUEST_APPROVAL, "decide_approval", form="decide", listed=False,
        numbered=False, versioned=False,
        verbs=(
            Verb(("approval", "approve"), "approve a pending approval", (("approve", True),)),
            Verb(("approval", "reject"), "reject a pending approval", (("approve", False),)),
        ),
        options=(
            Option("approval_id", "approval_id", "positive", metavar="ID"),
            Option("--comment", "comment", metavar="TEXT"),
        ),
    ),
    TicketAction(
        "save", "Save attachment", "Save attachment", "O", "Saved an attachment of", None,
        "attachment_content", form="save", listed=False, versioned=False, cli_special=True,
        verbs=(Verb(("save",), "save an attachment to a file"),),
        options=(
            Option("attachment", "attachment_id", "positive", metavar="ATTACHMENT_ID"),
            Option("path", "path", "path"),
        ),
    ),
    TicketAction(
        "split_off", "Split off", "Split off", "B", "Split a mail off", Action.EDIT,
        "split_off", form="split", listed=False, versioned=False,
        verbs=(
            Verb(("split-off",), "split a wrongly threaded customer mail off into a new ticket"),
        ),
        options=(Option("message", "message_id", "positive", metavar="MESSAGE_ID"),),
    ),
    TicketAction(
        "merge", "Merge", "Merge", "J", "Merged", Action.MERGE, "merge", listed=False,
        form="merge",
        verbs=(Verb(("merge",), "merge into another ticket"),),
        options=(Option("--into", "into", "ticket", required=True, metavar="NUMBER"),),
    ),
    TicketAction(
        "split", "Split", "Split", "K", "Split", Action.SPLIT, "split", listed=False,
        form="split_messages",
        verbs=(Verb(("split",), "move messages into a new ticket (prints the new one)"),),
        options=(
            Option("--messages", "messages", "ids", required=True, metavar="ID,ID",
                   help="the ids of the messages to move (`ticket show N --json`)"),
        ),
    ),
    TicketAction(
        "delete", "Delete", "Delete", "X", "Deleted", Action.DELETE, "delete", listed=False,
        versioned=False, cli_special=True, form="delete", bulk="delete for good (admins)",
        verbs=(Verb(("delete",), "delete for good (admins)"),),
        options=(Option("--yes", "confirm", "flag", help="confirm the deletion"),),
    ),
)  # fmt: skip

#: Every action by id.
BY_ID: dict[str, TicketAction] = {action.id: action for action in ACTIONS}

#: The actions with keys in the console.
KEYED: tuple[TicketAction, ...] = tuple(a for a in ACTIONS if a.keys)

#: The actions that can be applied to tagged tickets, in the table's order.
BULK: tuple[TicketAction, ...] = tuple(a for a in ACTIONS if a.bulk)


def action_of(rule: Action) -> TicketAction:
    """The table's row for a workflow action."""
    return BY_ID[rule.value]


def name_of(rule: Action) -> str:
    """How sentences name a workflow action."""
    return action_of(rule).name
