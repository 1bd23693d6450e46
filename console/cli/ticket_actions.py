"""The ``ticket`` sub-commands made from the table of actions (``console.data.actions``).

Every verb of every action is a sub-command: its words (``approval request`` is the verb
``request`` of the command ``approval``), the ticket's NUMBER and ``--expect-version``
(unless the action names something else than a ticket), ``--json`` and the action's
options.  Running one reads the options as the service takes them, adds the verb's fixed
arguments and calls the action's service method; the ticket it leaves is printed.  The few
actions the table marks ``cli_special`` answer something else than a ticket, or gather
their options another way, and have a function of their own here (``SPECIAL``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.cli.output import out, print_json, print_ticket
from console.cli.parser import (
    Commands,
    group,
    number,
    positive,
    read_text_file,
    takes_text,
    text_option,
    ticket_command,
)
from console.cli.session import Session, in_session
from console.data.actions import ACTIONS, Option, TicketAction, Verb

if TYPE_CHECKING:
    from console.data.tickets import TicketService


#: How argparse reads an option's text, by kind (the others stay text until run).
def ids(text: str) -> list[int]:
    """Comma-separated ids (``12,14``)."""
    return [positive(part) for part in text.split(",") if part.strip()] or [positive(text)]


_TYPES: dict[str, Callable[[str], Any]] = {"ticket": number, "positive": positive, "ids": ids}


@dataclass(frozen=True)
class Command:
    """A ``ticket`` sub-command made from one verb of an action."""

    action: TicketAction
    verb: Verb
    #: each option of the action, with the name argparse keeps its value under
    fields: tuple[tuple[Option, str], ...]

    def arguments(self, args: argparse.Namespace) -> dict[str, Any]:
        """The service's arguments: every option read, and the verb's fixed ones."""
        values: dict[str, Any] = {}
        for option, dest in self.fields:
            raw = typed(args, dest)
            if raw == "" and option.kind == "when" and not option.required:
                raw = None  # `--due ""` is no due time, as the command line always took it
            values[option.param] = read(option, raw)
        values.update(self.verb.fixed)
        return values

    def given(self, args: argparse.Namespace) -> dict[str, Any]:
        """Only the options that were typed, read as the service takes them."""
        return {
            option.param: read(option, raw)
            for option, dest in self.fields
            if (raw := typed(args, dest)) is not None
        }

    async def run(self, args: argparse.Namespace, session: Session) -> int:
        """Carry the action out and print the ticket it leaves."""
        tickets = session.tickets()
        if self.action.cli_special:
            return await SPECIAL[self.action.id](self, args, tickets)
        values = self.arguments(args)
        if self.action.versioned:
            values["expected_version"] = args.expect_version
        method = getattr(tickets, self.action.method)
        on_ticket = (args.number,) if self.action.numbered else ()
        print_ticket(await method(*on_ticket, **values), as_json=args.json)
        return 0


def read(option: Option, raw: Any) -> Any:
    """An option's value as its service method takes it (None: not given)."""
    if raw is None:
        return None
    if option.kind == "when":
        from console.data.when import parse_when

        return parse_when(raw)
    if option.kind == "yes_no":
        return raw == "yes"
    # Text and paths as typed; argparse has read flags and numbers (``_TYPES``).
    return raw


def typed(args: argparse.Namespace, dest: str) -> Any:
    """What was given for an option: as typed, or read from its ``--X-file``."""
    path = getattr(args, f"{dest}_file", None)
    return getattr(args, dest) if path is None else read_text_file(path)


def register(actions: Commands) -> None:
    """One ``ticket`` sub-command for each verb of the table, in the table's order."""
    groups: dict[tuple[str, ...], Commands] = {(): actions}
    for action in ACTIONS:
        for verb in action.verbs:
            parser = ticket_command(
                _group_of(groups, verb.words[:-1]),
                verb.words[-1],
                verb.help,
                numbered=action.numbered,
            )
            fields = tuple((option, _add_option(parser, option).dest) for option in action.options)
            parser.set_defaults(run=in_session(Command(action, verb, fields).run))


def _group_of(groups: dict[tuple[str, ...], Commands], words: tuple[str, ...]) -> Commands:
    """The sub-commands of ``ticket <words...>``, made the first time a verb needs them."""
    if words not in groups:
        groups[words] = group(
            _group_of(groups, words[:-1]),
            words[-1],
            _group_help(words),
            "_".join(words) + "_action",
        )
    return groups[words]


def _group_help(words: tuple[str, ...]) -> str:
    """What a command made of verbs does, from its verbs: "request, approve or reject
    approvals"."""
    depth = len(words)
    under = [
        verb.words[depth]
        for action in ACTIONS
        for verb in action.verbs
        if verb.words[:depth] == words and len(verb.words) > depth
    ]
    listed = under[0] if len(under) == 1 else f"{', '.join(under[:-1])} or {under[-1]}"
    return f"{listed} {words[-1]}s"


def _add_option(parser: argparse.ArgumentParser, option: Option) -> argparse.Action:
    """An option of the table as an argparse argument (a positional one without dashes)."""
    keywords: dict[str, Any] = {}
    if option.help:
        keywords["help"] = option.help
    if option.kind == "flag":
        return parser.add_argument(option.flag, action="store_true", **keywords)
    if takes_text(option):
        # Text may be long (a 3 MB log): it may come from a file or standard input instead.
        return text_option(
            parser,
            option.flag,
            required=option.required,
            default=option.default,
            metavar=option.metavar or "TEXT",
            **keywords,
        )
    if option.flag.startswith("-"):
        keywords["required"] = option.required
        keywords["default"] = option.default
    choices = ("yes", "no") if option.kind == "yes_no" else option.choices
    if choices:
        keywords["choices"] = choices
    if option.kind in _TYPES:
        keywords["type"] = _TYPES[option.kind]
    if option.metavar:
        keywords["metavar"] = option.metavar
    if option.many:
        keywords["nargs"] = "+"
    if option.repeat:
        keywords["action"] = "append"
    return parser.add_argument(option.flag, **keywords)


# -- the actions the command line runs its own way ------------------------------------


async def _edit(command: Command, args: argparse.Namespace, tickets: TicketService) -> int:
    """`ticket edit`: the fields typed are the changes."""
    record = await tickets.edit(
        args.number, command.given(args), expected_version=args.expect_version
    )
    print_ticket(record, as_json=args.json)
    return 0


async def _save(command: Command, args: argparse.Namespace, tickets: TicketService) -> int:
    """`ticket save`: the attachment goes to a file, not to the service."""
    from console.data.errors import BadValue
    from console.files import save_attachment

    values = command.arguments(args)
    path = values.pop("path")
    name, content = await tickets.attachment_content(args.number, **values)
    try:
        target = await asyncio.to_thread(save_attachment, Path(path), name, content)
    except OSError as exc:
        raise BadValue(f"Cannot write {path}: {exc.strerror}.") from None
    out(f"Saved {name} ({len(content)} bytes) to {target}.")
    return 0


async def _delete(command: Command, args: argparse.Namespace, tickets: TicketService) -> int:
    """`ticket delete`: no ticket is left to print."""
    await tickets.delete(args.number, **command.arguments(args))
    if args.json:
        print_json({"number": args.number, "deleted": True})
    else:
        out(f"#{args.number} deleted.")
    return 0


async def _activity_edit(command: Command, args: argparse.Namespace, tickets: TicketService) -> int:
    """`ticket activity-edit`: the options typed are the changes; ``none`` clears a due
    time or reminder."""
    from console.data.tickets.activities import KEEP
    from console.data.when import parse_when

    given = command.given(args)
    changes: dict[str, Any] = {
        "title": given.get("title"),
        "owner": given.get("owner"),
        "due": KEEP,
        "reminder": KEEP,
    }
    for name in ("due", "reminder"):
        if name in given:
            raw = str(given[name]).strip()
            changes[name] = None if raw.lower() in ("none", "") else parse_when(raw)
    record = await tickets.edit_activity(
        args.number, given["activity_id"], expected_version=args.expect_version, **changes
    )
    print_ticket(record, as_json=args.json)
    return 0


#: The function of each action marked ``cli_special`` in the table.
SPECIAL: dict[str, Callable[[Command, argparse.Namespace, TicketService], Awaitable[int]]] = {
    "edit": _edit,
    "activity_edit": _activity_edit,
    "save": _save,
    "delete": _delete,
}
