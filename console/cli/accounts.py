"""``agent-console account``: add, list and edit customer accounts."""

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
    listing = account_commands.add_parser("list", help="list accounts with contract and rates")
    common(listing)
    json_flag(listing)
    listing.set_defaults(run=in_session(_list))
    edit = account_commands.add_parser("edit", help="change an account (admins)")
    common(edit)
    edit.add_argument("name")
    edit.add_argument("--coordinator", metavar="USER", help="the coordinator ('' for none)")
    edit.add_argument(
        "--amc-expires", metavar="YYYY-MM-DD", help="contract expiry (renewing lifts the AMC gate)"
    )
    edit.add_argument("--hourly-rate", metavar="X", help="billable hour price ('' for the desk's)")
    edit.add_argument("--ticket-price", metavar="Y", help="price per ticket ('' for the desk's)")
    json_flag(edit)
    edit.set_defaults(run=in_session(_edit))


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


def _account_line(a: object) -> str:
    from console.data.desk import AccountRecord

    assert isinstance(a, AccountRecord)
    return (
        f"{a.name:<24} {a.coordinator or '-':<12} AMC {a.amc_expires or '-'!s:<10} "
        f"hour {a.hourly_rate or 'desk'} ticket {a.ticket_price or 'desk'}"
    )


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    accounts = await DeskRecords(session.db, session.actor).accounts()
    if args.json:
        print_json(accounts)
    else:
        out(f"{'account':<24} {'coordinator':<12} contract and rates")
        for a in accounts:
            out(_account_line(a))
    return 0


async def _edit(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import KEEP, DeskRecords
    from console.data.errors import BadValue
    from console.data.figures import money_cents
    from console.data.when import parse_day

    changes: dict[str, object] = {}
    if args.hourly_rate is not None:
        changes["hourly_rate_cents"] = (
            money_cents(args.hourly_rate, "an hourly rate") if args.hourly_rate.strip() else None
        )
    if args.ticket_price is not None:
        changes["ticket_price_cents"] = (
            money_cents(args.ticket_price, "a ticket price") if args.ticket_price.strip() else None
        )
    if args.coordinator is not None:
        changes["coordinator"] = args.coordinator.strip() or None
    if args.amc_expires is not None:
        changes["amc_expires"] = parse_day(args.amc_expires) if args.amc_expires.strip() else None
    if not changes:
        raise BadValue(
            "Nothing to change; give --hourly-rate, --ticket-price, --coordinator or --amc-expires."
        )
    assert KEEP not in changes.values()
    record = await DeskRecords(session.db, session.actor).edit_account(args.name, **changes)
    if args.json:
        print_json(record)
    else:
        out(_account_line(record))
    return 0
