"""``agent-console audit verify`` and ``audit head``: the history's hash chain (read-only)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.cli.output import err, out, print_json
from console.cli.parser import EXIT_REFUSED, Commands, common, group, json_flag
from console.cli.session import with_database

if TYPE_CHECKING:
    from console.data.db import Database


def register(commands: Commands) -> None:
    """``audit verify`` and ``audit head``."""
    audit_commands = group(commands, "audit", "the tamper-evident history", "audit_command")
    verify = audit_commands.add_parser(
        "verify", help="check the history's hash chain; name the first tampered event"
    )
    verify.add_argument(
        "--head",
        metavar="ID:HASH",
        type=_anchor,
        help="a head printed earlier by `audit head`: prove the history up to it unchanged",
    )
    common(verify)
    json_flag(verify)
    verify.set_defaults(run=with_database(_verify))
    head = audit_commands.add_parser(
        "head", help="print the chain's head (ID:HASH) to keep somewhere else"
    )
    common(head)
    json_flag(head)
    head.set_defaults(run=with_database(_head))


def _anchor(text: str) -> tuple[int, str]:
    from console.data.audit import parse_anchor
    from console.data.errors import BadValue

    try:
        return parse_anchor(text)
    except BadValue as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def _head(args: argparse.Namespace, db: Database) -> int:
    from console.data.audit import head

    ident, digest = await head(db)
    if args.json:
        print_json({"id": ident, "hash": digest})
    else:
        out(f"{ident}:{digest}")
    return 0


async def _verify(args: argparse.Namespace, db: Database) -> int:
    from console.data.audit import verify

    anchor = args.head
    report = await verify(db, anchor=anchor)
    finding = report.finding
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
                "head": None if anchor is None else f"{anchor[0]}:{anchor[1]}",
                "finding": None
                if finding is None
                else {
                    "kind": finding.kind,
                    "event_id": finding.event_id,
                    "ticket_number": finding.ticket_number,
                    "message": finding.sentence,
                },
            }
        )
    elif finding is None:
        kept = "" if anchor is None else f"; unchanged up to event {anchor[0]}, the head you kept"
        out(f"The history of {db.label} is intact: {report.events:,} events, hash-chained{kept}.")
    else:
        err(f"The history of {db.label} was tampered with: {finding.sentence}")
    return 0 if finding is None else EXIT_REFUSED
