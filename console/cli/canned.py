"""``agent-console canned``: canned replies, one's own (the config file) and the team's
(the database): list, add, edit, remove."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.cli.output import err, out, print_json
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.canned import CannedReply, TeamCanned


def register(commands: Commands) -> None:
    """``canned list|add|edit|remove``."""
    from console.data.canned import ACTIONS

    canned = group(commands, "canned", "canned replies: yours and your team's", "canned_command")
    listing = canned.add_parser("list", help="your canned replies, then your team's")
    add = canned.add_parser("add", help="share a canned reply with your team (--mine: yours)")
    add.add_argument("name")
    add.add_argument("--body", required=True, help="the text; {contact.first_name} {number} ...")
    add.add_argument("--mine", action="store_true", help="add it to your config file instead")
    edit = canned.add_parser("edit", help="change a canned reply of your team's")
    edit.add_argument("name")
    edit.add_argument("--body")
    edit.add_argument("--no-action", action="store_true", help="drop its action")
    remove = canned.add_parser("remove", help="stop sharing a canned reply with your team")
    remove.add_argument("name")
    for parser in (add, edit):
        parser.add_argument(
            "--action", choices=sorted(ACTIONS), help="done when the reply is sent: close"
        )
    for parser, run in ((listing, _list), (add, _add), (edit, _edit), (remove, _remove)):
        common(parser)
        json_flag(parser)
        parser.set_defaults(run=in_session(run))


def _team(session: Session) -> TeamCanned:
    from console.data.canned import TeamCanned

    return TeamCanned(session.db, session.actor)


def _line(reply: CannedReply) -> str:
    whose = f"team {reply.team}" if reply.team else "yours"
    action = f", then {reply.action}" if reply.action else ""
    first = reply.body.strip().splitlines()[0] if reply.body.strip() else ""
    return f"::{reply.name} ({whose}{action}): {first[:60]}"


def _print(replies: list[CannedReply], as_json: bool) -> int:
    if as_json:
        print_json(replies)
        return 0
    if not replies:
        out("No canned replies.")
    for reply in replies:
        out(_line(reply))
    return 0


async def _list(args: argparse.Namespace, session: Session) -> int:
    return _print([*session.settings.canned, *await _team(session).list()], args.json)


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.canned import CannedReply, check_canned
    from console.data.errors import BadValue

    if not args.mine:
        return _print([await _team(session).add(args.name, args.body, args.action)], args.json)
    problem = check_canned(args.name, args.body, args.action)
    if problem is None and any(c.name == args.name for c in session.settings.canned):
        problem = f"You already have a canned reply named {args.name!r}; edit your config file."
    if problem:
        raise BadValue(problem)
    from console.config import append_canned

    reply = CannedReply(args.name, args.body, args.action)
    path = append_canned(reply, session.settings.source)
    err(f"Added to {path}.")
    return _print([reply], args.json)


async def _edit(args: argparse.Namespace, session: Session) -> int:
    reply = await _team(session).edit(
        args.name, body=args.body, action=args.action, no_action=args.no_action
    )
    return _print([reply], args.json)


async def _remove(args: argparse.Namespace, session: Session) -> int:
    await _team(session).remove(args.name)
    if args.json:
        print_json({"removed": args.name})
    else:
        out(f"Removed ::{args.name}.")
    return 0
