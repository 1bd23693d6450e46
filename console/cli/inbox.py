"""``agent-console inbox [--unread]``, ``inbox read ID|--all`` and ``agent-console
message send|list|delete``: what waits on the agent, and private messages between
agents."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.output import out, print_json, print_listing
from console.cli.parser import Commands, Parser, common, group, json_flag, number, positive
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.inbox import Inbox, InboxRecord, MessageRecord


def register(commands: Commands) -> None:
    """``inbox`` (with ``read``) and ``message send|list|delete``."""
    inbox = commands.add_parser("inbox", help="what waits on you: mentions, approvals, ...")
    common(inbox)
    json_flag(inbox)
    inbox.add_argument("--unread", action="store_true", help="only the unread entries")
    inbox.set_defaults(run=in_session(_list))
    actions = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", parser_class=Parser)
    read = actions.add_parser("read", help="mark an entry read (or --all of them)")
    common(read)
    json_flag(read)
    which = read.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=positive, metavar="ID", nargs="?")
    which.add_argument("--all", action="store_true", help="every entry")
    read.set_defaults(run=in_session(_read))

    message = group(commands, "message", "private messages between agents", "message_command")
    send = message.add_parser("send", help="write a message to one or more agents")
    send.add_argument("--to", action="append", required=True, metavar="AGENT")
    send.add_argument("--subject", required=True)
    body = send.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the text")
    body.add_argument("--body-file", type=Path, metavar="FILE", help="the text from a file (-)")
    send.add_argument("--ticket", type=number, metavar="N", help="the ticket it is about")
    listing = message.add_parser("list", help="the messages you received (or --sent)")
    listing.add_argument("--sent", action="store_true", help="the messages you sent")
    delete = message.add_parser("delete", help="delete a message for yourself")
    delete.add_argument("id", type=positive, metavar="ID")
    for parser, run in ((send, _send), (listing, _messages), (delete, _delete)):
        common(parser)
        json_flag(parser)
        parser.set_defaults(run=in_session(run))


async def _inbox(session: Session) -> Inbox:
    from console.data.inbox import Inbox

    found = Inbox(session.db, session.actor, _now, session.settings.mail_setup())
    await found.remember_mail_choice(session.settings.inbox_mail)
    return found


def _now() -> datetime:
    from console.data.tickets import utc_now

    return utc_now()


def _line(entry: InboxRecord) -> str:
    from console.data.inbox import said
    from console.data.when import show_local

    mark = " " if entry.read else "●"
    ticket = f"#{entry.ticket}" if entry.ticket is not None else "-"
    return (
        f"{mark} {entry.id}  {show_local(entry.at)}  {ticket}  "
        f"{said(entry.kind, entry.sender)}: {entry.text}"
    )


async def _list(args: argparse.Namespace, session: Session) -> int:
    inbox = await _inbox(session)
    await inbox.fire_my_reminders()
    entries = await inbox.entries(unread=args.unread)
    empty = "Nothing unread in your inbox." if args.unread else "Your inbox is empty."
    return print_listing(entries, as_json=args.json, empty=empty, line=_line)


async def _read(args: argparse.Namespace, session: Session) -> int:
    inbox = await _inbox(session)
    if args.all:
        count = await inbox.mark_all_read()
        if args.json:
            print_json({"read": count})
        else:
            out(f"Marked {count} entr{'y' if count == 1 else 'ies'} read.")
        return 0
    entry = await inbox.mark(args.id)
    if args.json:
        print_json(entry.as_json())
    else:
        out(_line(entry))
    return 0


def _body(args: argparse.Namespace) -> str:
    if args.body_file is None:
        body: str = args.body
        return body
    from console.data.errors import BadValue

    try:
        if str(args.body_file) == "-":
            return sys.stdin.read()
        return Path(args.body_file).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BadValue(f"Cannot read {args.body_file}: {exc.strerror}.") from None


def _message_lines(message: MessageRecord) -> str:
    from console.data.when import show_local

    about = f"  #{message.ticket}" if message.ticket is not None else ""
    return (
        f"{message.id}  {show_local(message.at)}  {message.sender} → {', '.join(message.to)}"
        f"{about}  {message.subject}"
    )


async def _send(args: argparse.Namespace, session: Session) -> int:
    inbox = await _inbox(session)
    sent = await inbox.send(args.to, args.subject, _body(args), ticket=args.ticket)
    if args.json:
        print_json(sent.as_json())
    else:
        out(f"Sent message {sent.id} to {', '.join(sent.to)}.")
    return 0


async def _messages(args: argparse.Namespace, session: Session) -> int:
    inbox = await _inbox(session)
    found = await inbox.messages(sent=args.sent)
    empty = "You have sent no messages." if args.sent else "You have no messages."
    return print_listing(found, as_json=args.json, empty=empty, line=_message_lines)


async def _delete(args: argparse.Namespace, session: Session) -> int:
    inbox = await _inbox(session)
    gone = await inbox.delete_message(args.id)
    if args.json:
        print_json(gone.as_json())
    else:
        out(f"Deleted message {gone.id} ({gone.subject}) for you; the others keep theirs.")
    return 0
