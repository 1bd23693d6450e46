"""``agent-console account``: add a customer account."""

from __future__ import annotations

import argparse

from console.cli.output import out, print_json
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``account add``."""
    account_commands = group(commands, "account", "customer accounts", "account_command")
    add = account_commands.add_parser("add", help="add an account (admins)")
    common(add)
    add.add_argument("name")
    add.add_argument("--coordinator", metavar="USER")
    add.add_argument("--amc-expires", metavar="YYYY-MM-DD")
    json_flag(add)
    add.set_defaults(run=in_session(_add))


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory
    from console.data.when import parse_day

    expires = parse_day(args.amc_expires) if args.amc_expires else None
    await Directory(session.db, session.actor).add_account(
        args.name, coordinator=args.coordinator, amc_expires=expires
    )
    if args.json:
        print_json({"name": args.name, "coordinator": args.coordinator, "amc_expires": expires})
    else:
        out(f"Added account {args.name}.")
    return 0
