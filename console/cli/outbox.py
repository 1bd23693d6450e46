"""``agent-console mail outbox``, ``mail retry ID``, ``mail cancel ID`` and ``mail send
--once``: the mail the desk sends, added to the ``mail`` command group."""

from __future__ import annotations

import argparse

from console.cli.output import err, out, print_json
from console.cli.parser import EXIT_REFUSED, Commands, common, json_flag, positive
from console.cli.session import Session, in_session


def register_outbox(mail_commands: Commands) -> None:
    """The outbox's sub-commands of ``mail``."""
    from console.data.outbox import STATES

    outbox = mail_commands.add_parser("outbox", help="the mail the desk sends, newest first")
    common(outbox)
    json_flag(outbox)
    outbox.add_argument("--state", choices=STATES, help="only mail in this state")
    outbox.set_defaults(run=in_session(_outbox))

    retry = mail_commands.add_parser("retry", help="send a failed mail again")
    common(retry)
    retry.add_argument("id", type=positive, metavar="ID")
    retry.set_defaults(run=in_session(_retry))

    cancel = mail_commands.add_parser("cancel", help="cancel a queued mail")
    common(cancel)
    cancel.add_argument("id", type=positive, metavar="ID")
    cancel.set_defaults(run=in_session(_cancel))

    send = mail_commands.add_parser("send", help="send the outbox's queued mail")
    common(send)
    json_flag(send)
    send.add_argument("--once", action="store_true", help="one pass, then exit (cron, tests)")
    send.set_defaults(run=in_session(_send))


async def _outbox(args: argparse.Namespace, session: Session) -> int:
    from console.data.outbox import Outbox

    found = await Outbox(session.db).listing(args.state)
    if args.json:
        print_json(found)
        return 0
    if not found:
        out("The outbox is empty." if not args.state else f"No {args.state} mail.")
    for mail in found:
        ticket = f"#{mail.ticket_number}" if mail.ticket_number else "-"
        said = f"  {mail.detail}" if mail.detail else ""
        out(
            f"{mail.id}  {ticket}  {mail.kind}  to {mail.to}  {mail.state}"
            f"{f' ({mail.tries} tries)' if mail.tries > 1 else ''}{said}"
        )
    return 0


async def _retry(args: argparse.Namespace, session: Session) -> int:
    from console.data.outbox import Outbox
    from console.data.tickets import utc_now

    await Outbox(session.db).retry(args.id, utc_now(), session.settings.mail_setup())
    out(f"Mail {args.id} is queued again.")
    return 0


async def _cancel(args: argparse.Namespace, session: Session) -> int:
    from console.data.outbox import Outbox

    await Outbox(session.db).cancel(args.id)
    out(f"Mail {args.id} is cancelled; it will not be sent.")
    return 0


async def _send(args: argparse.Namespace, session: Session) -> int:
    from console.mail.sender import send_outbox, server_for

    server = server_for(session.settings)
    if server is None:
        err("No mail server is configured ([smtp] in the config file); nothing was sent.")
        return EXIT_REFUSED
    report = await send_outbox(session.db, server)
    if args.json:
        print_json(report.as_dict())
    else:
        out(
            f"Sent {report.sent}, failed {report.failed}, to try again {report.retried}; "
            f"{report.queued} queued."
        )
    return 0
