"""``agent-console mail``: import mail (Maildir, mbox, ``.eml``), and the quarantine (list,
release, drop)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.outbox import register_outbox
from console.cli.output import err, out, print_json
from console.cli.parser import EXIT_REFUSED, Commands, common, group, json_flag, positive
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.mail import MailIntake
    from console.mail.importing import Report


def register(commands: Commands) -> None:
    """``mail import``, ``mail quarantine``, ``mail release`` and ``mail drop``."""
    mail_commands = group(commands, "mail", "mail in: import mail, the quarantine", "mail_command")

    imports = mail_commands.add_parser(
        "import", help="import a Maildir folder, an mbox file or .eml files"
    )
    common(imports)
    json_flag(imports)
    imports.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imports.add_argument(
        "--department",
        metavar="NAME",
        help="the department of mail sent to no department's address",
    )
    imports.set_defaults(run=in_session(_import))

    listing = mail_commands.add_parser("quarantine", help="list the quarantined mail")
    common(listing)
    json_flag(listing)
    listing.set_defaults(run=in_session(_quarantine))

    release = mail_commands.add_parser("release", help="import a quarantined mail anyway")
    common(release)
    json_flag(release)
    release.add_argument("id", type=positive, metavar="ID")
    release.set_defaults(run=in_session(_release))

    drop = mail_commands.add_parser("drop", help="remove a mail from quarantine for good")
    common(drop)
    drop.add_argument("id", type=positive, metavar="ID")
    drop.set_defaults(run=in_session(_drop))

    register_outbox(mail_commands)


def intake(session: Session) -> MailIntake:
    """The mail intake on the session's database, with the configured SLA."""
    from console.data.mail import MailIntake

    return MailIntake(session.db, sla=session.settings.sla(), mail=session.settings.mail_setup())


def show_progress(report: Report) -> None:
    """Progress on the terminal, on one line redrawn."""
    sys.stderr.write("\r" + report.progress())
    sys.stderr.flush()


async def _import(args: argparse.Namespace, session: Session) -> int:
    from console.mail.importing import import_mail
    from console.mail.sources import SourceError, check, read
    from console.priority import goes_apart, lower_priority, run_apart, stay_with_parent

    try:
        check(args.paths)
    except SourceError as exc:
        err(str(exc))
        return EXIT_REFUSED
    if args.own_process:
        stay_with_parent()
        lower_priority(session.settings.worker_nice)
        if goes_apart(session.settings.worker_nice):
            # Its niceness counts only within its session: the work gets one of its own.
            return await run_apart(session.db.url.password)
    mail_intake = intake(session)
    if args.department:
        await mail_intake.check_department(args.department)
    talk = not args.json and sys.stderr.isatty()
    try:
        report = await import_mail(
            mail_intake,
            read(args.paths),
            department=args.department,
            progress=show_progress if talk else None,
        )
    except OSError as exc:
        err(f"Cannot read the mail: {exc.strerror or exc}. What was read before is imported.")
        return EXIT_REFUSED
    if talk:
        sys.stderr.write("\n")
    if args.json:
        print_json(report.as_json())
    else:
        for line in report.lines():
            out(line)
    return 0


async def _quarantine(args: argparse.Namespace, session: Session) -> int:
    held = await intake(session).quarantined()
    if args.json:
        print_json(
            [
                {"id": h.id, "source": h.source, "reason": h.reason, "size": h.size, "at": h.at}
                for h in held
            ]
        )
        return 0
    if not held:
        out("The quarantine is empty.")
    for h in held:
        out(f"{h.id}  {h.at:%Y-%m-%d %H:%M}  {h.source}: {h.reason}")
    return 0


async def _release(args: argparse.Namespace, session: Session) -> int:
    from console.data.mail import DUPLICATE
    from console.mail.message import Unreadable
    from console.mail.parse import parse

    mail_intake = intake(session)
    raw, source, department = await mail_intake.held(args.id)
    try:
        mail = parse(raw)
    except Unreadable as exc:
        err(f"Quarantined mail {args.id} still cannot be read: {exc}.")
        return EXIT_REFUSED
    outcome = await mail_intake.take(mail, raw, source, department=department, releasing=True)
    await mail_intake.drop(args.id)
    if args.json:
        print_json({"kind": outcome.kind, "number": outcome.number})
    elif outcome.kind == DUPLICATE:
        out(f"Quarantined mail {args.id} was already imported; it is out of quarantine.")
    else:
        out(f"Released quarantined mail {args.id}: {outcome.kind} #{outcome.number}.")
    return 0


async def _drop(args: argparse.Namespace, session: Session) -> int:
    await intake(session).drop(args.id)
    out(f"Dropped quarantined mail {args.id}.")
    return 0
