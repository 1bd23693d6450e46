"""``agent-console audit verify``: walk the whole history chain (read-only)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.cli.output import err, out, print_json
from console.cli.parser import EXIT_REFUSED, Commands, common, group, json_flag
from console.cli.session import with_database

if TYPE_CHECKING:
    from console.data.db import Database


def register(commands: Commands) -> None:
    """``audit verify``."""
    audit_commands = group(commands, "audit", "the tamper-evident history", "audit_command")
    verify = audit_commands.add_parser(
        "verify", help="check the history's hash chain; name the first tampered event"
    )
    common(verify)
    json_flag(verify)
    verify.set_defaults(run=with_database(_verify))


async def _verify(args: argparse.Namespace, db: Database) -> int:
    from console.data.audit import verify

    report = await verify(db)
    finding = report.finding
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
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
        out(f"The history of {db.label} is intact: {report.events:,} events, hash-chained.")
    else:
        err(f"The history of {db.label} was tampered with: {finding.sentence}")
    return 0 if finding is None else EXIT_REFUSED
