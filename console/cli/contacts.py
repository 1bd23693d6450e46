"""``agent-console contact``: list and edit customer contacts."""

from __future__ import annotations

import argparse

from console.cli.output import out, print_json
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session


def register(commands: Commands) -> None:
    """``contact list`` and ``contact edit``."""
    contact_commands = group(commands, "contact", "customer contacts", "contact_command")
    listing = contact_commands.add_parser("list", help="contacts with account and tickets")
    common(listing)
    listing.add_argument("--account", metavar="A", help="only this account's")
    json_flag(listing)
    listing.set_defaults(run=in_session(_list))
    edit = contact_commands.add_parser("edit", help="change a contact (admins)")
    common(edit)
    edit.add_argument("contact", metavar="EMAIL_OR_NAME")
    edit.add_argument("--name", metavar="NAME")
    edit.add_argument("--email", metavar="E", help="('' for none)")
    edit.add_argument("--phone", metavar="P", help="('' for none)")
    edit.add_argument("--account", metavar="A", help="('' for none)")
    json_flag(edit)
    edit.set_defaults(run=in_session(_edit))


def _line(c: object) -> str:
    from console.data.desk import ContactListed

    assert isinstance(c, ContactListed)
    return (
        f"{c.name:<24} {c.email or '-':<32} {c.phone or '-':<16} {c.account or '-':<20} {c.tickets}"
    )


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    contacts = await DeskRecords(session.db, session.actor).contacts(args.account)
    if args.json:
        print_json(contacts)
    else:
        out(f"{'contact':<24} {'email':<32} {'phone':<16} {'account':<20} tickets")
        for c in contacts:
            out(_line(c))
    return 0


async def _edit(args: argparse.Namespace, session: Session) -> int:
    from console.data.desk import DeskRecords

    record = await DeskRecords(session.db, session.actor).edit_contact(
        args.contact, name=args.name, email=args.email, phone=args.phone, account=args.account
    )
    if args.json:
        print_json(record)
    else:
        out(_line(record))
    return 0
