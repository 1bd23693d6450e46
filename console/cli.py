"""`agent-console`: the console, and a scriptable command line over the same services.

Exit codes: 0 done; 1 refused (workflow, permission, conflict, not found, bad value,
database unavailable) with the plain sentence on stderr and nothing changed; 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from console.config import (
    Settings,
    config_path,
    create_config_file,
    data_dir,
    demo_db_path,
    load_settings,
)
from console.data.queries import VIEWS
from console.data.records import EDITABLE_TEXT
from console.data.workflow import STAGES
from console.files import save_attachment
from console.safe import clean

EXIT_REFUSED = 1
EXIT_USAGE = 2

VIEW_CHOICES = tuple(VIEWS)
STAGE_CHOICES = tuple(stage.lower() for stage in STAGES)


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on exit code 2 and a hint to --help."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n(see `{self.prog} --help`)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets --db/--as stand before or after the subcommand.
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="database URL or SQLite file (env AGENT_CONSOLE_DB)",
    )
    parser.add_argument(
        "--as",
        dest="as_user",
        default=argparse.SUPPRESS,
        metavar="USER",
        help="act as another agent (admins and demo databases only)",
    )


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _number(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a ticket number (like 1042 or #1042)")
    return int(value)


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _group(commands: Any, name: str, help_text: str, dest: str) -> Any:
    """A command with sub-commands of its own (`agent add`, `db upgrade` ...)."""
    parser = commands.add_parser(name, help=help_text)
    group = parser.add_subparsers(dest=dest, metavar="ACTION", parser_class=Parser)
    group.required = True
    return group


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog="agent-console",
        description="A keyboard-first terminal help desk. Without a command, opens the console.",
    )
    _common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    demo = commands.add_parser("demo", help="open the console on generated demo data")
    _common(demo)
    demo.add_argument("--tickets", type=_positive, default=2000, metavar="N")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    demo.add_argument("--no-launch", action="store_true", help="build the data, do not open")
    demo.add_argument("--fresh", action="store_true", help="rebuild even if it exists")

    db_commands = _group(commands, "db", "database upkeep", "db_command")
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the schema")
    _common(upgrade)
    backup = db_commands.add_parser(
        "backup", help="a consistent copy of the SQLite database, taken while others work"
    )
    _common(backup)
    backup.add_argument("path", help="file (or folder) to write the copy to")

    commands.add_parser("filters", help="the filter language of / and --filter, with examples")

    audit_commands = _group(commands, "audit", "the tamper-evident history", "audit_command")
    verify = audit_commands.add_parser(
        "verify", help="check the history's hash chain; name the first tampered event"
    )
    _common(verify)
    _json_flag(verify)

    agent_commands = _group(commands, "agent", "agents", "agent_command")
    add = agent_commands.add_parser("add", help="add an agent (admins)")
    _common(add)
    add.add_argument("username")
    add.add_argument("--role", choices=("agent", "lead", "admin"), default="agent")
    add.add_argument("--team", metavar="T")
    add.add_argument("--department", action="append", default=[], metavar="D")
    add.add_argument("--name", dest="display_name", metavar="NAME")
    add.add_argument("--email", metavar="E")
    _json_flag(add)
    listing = agent_commands.add_parser("list", help="list agents with their open load")
    _common(listing)
    _json_flag(listing)

    account_commands = _group(commands, "account", "customer accounts", "account_command")
    add_account = account_commands.add_parser("add", help="add an account (admins)")
    _common(add_account)
    add_account.add_argument("name")
    add_account.add_argument("--coordinator", metavar="USER")
    add_account.add_argument("--amc-expires", metavar="YYYY-MM-DD")

    department_commands = _group(
        commands, "department", "departments (queues)", "department_command"
    )
    add_department = department_commands.add_parser("add", help="add a department (admins)")
    _common(add_department)
    add_department.add_argument("name")
    add_department.add_argument("--email", metavar="E")

    credential_commands = _group(
        commands, "credentials", "database passwords in the keyring", "credentials_command"
    )
    for name in ("set", "delete"):
        sub = credential_commands.add_parser(name, help=f"{name} the password for a URL")
        sub.add_argument("url")

    locate = commands.add_parser("locate", help="print where the config file, data or db is")
    locate.add_argument("what", choices=("config", "data", "db"), metavar="config|data|db")
    _common(locate)
    keys = commands.add_parser("keys", help="every key binding: id, keys now, what it does")
    _json_flag(keys)

    _ticket_parsers(commands)
    return parser


def _ticket_parsers(commands: Any) -> None:
    actions = _group(commands, "ticket", "tickets: create, list, show and every action", "action")

    def action(name: str, help_text: str, *, number: bool = True) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        _common(sub)
        _json_flag(sub)
        if number:
            sub.add_argument("number", type=_number, metavar="NUMBER")
            sub.add_argument(
                "--expect-version",
                type=int,
                metavar="V",
                help="refuse if the ticket changed since you saw version V",
            )
        return sub

    create = action("create", "open a ticket", number=False)
    create.add_argument("--subject", required=True)
    create.add_argument("--contact-name", required=True)
    create.add_argument("--contact-email")
    create.add_argument("--contact-phone")
    create.add_argument("--account")
    create.add_argument("--description", default="")
    create.add_argument("--priority", default="Medium", metavar="High|Medium|Low")
    create.add_argument("--channel", default="Email")
    create.add_argument("--department")
    create.add_argument("--category")
    create.add_argument("--subcategory")
    create.add_argument("--product")
    create.add_argument("--due", metavar="WHEN")

    listing = action("list", "list a queue view", number=False)
    listing.add_argument("--view", choices=VIEW_CHOICES, default="all")
    listing.add_argument("--stage", type=str.lower, choices=STAGE_CHOICES, default="all")
    listing.add_argument("--sort", choices=("updated", "due", "priority"), default="updated")
    listing.add_argument("--limit", type=_positive, default=50)
    listing.add_argument(
        "--filter",
        metavar="FILTER",
        help="the filter language, as typed at / in the console "
        "(e.g. 'status:new prio:high -owner:none printer'; see `agent-console filters`)",
    )

    action("show", "a ticket with every tab")
    action("pickup", "take an unassigned ticket")
    action("assign", "assign to an agent").add_argument("--to", required=True, metavar="USER")
    action("release", "give back to Unassigned")
    action("schedule", "schedule work (New/ReOpen)").add_argument(
        "--at", required=True, metavar="WHEN"
    )
    action("start", "start work (Scheduled)")
    close = action("close", "close, optionally with a resolution")
    close.add_argument("--resolution", metavar="TEXT")
    close.add_argument("--publish", action="store_true", help="publish to the knowledge base")
    close.add_argument("--notify", action="store_true", help="send the resolution to the contact")
    action("reopen", "reopen a Closed ticket")
    for kind, text in (
        ("reply", "public reply to the customer"),
        ("comment", "internal comment (@mentions)"),
        ("note", "private note"),
    ):
        action(kind, text).add_argument("--body", required=True, metavar="TEXT")
    task = action("task", "add a task, call or event")
    task.add_argument("--title", required=True)
    task.add_argument("--kind", choices=("task", "call", "event"), default="task")
    task.add_argument("--owner", metavar="USER")
    task.add_argument("--due", metavar="WHEN")
    task.add_argument("--reminder", metavar="WHEN")
    done = action("done", "mark an activity done")
    done.add_argument("activity", type=_positive, metavar="ACTIVITY_ID")

    approval_actions = _group(
        actions, "approval", "request, approve or reject approvals", "approval_action"
    )
    request = approval_actions.add_parser("request", help="ask approvers on a ticket")
    _common(request)
    _json_flag(request)
    request.add_argument("number", type=_number, metavar="NUMBER")
    request.add_argument("--approver", nargs="+", required=True, metavar="USER")
    request.add_argument("--subject", required=True)
    request.add_argument("--details", default="")
    request.add_argument(
        "--amc-exception", action="store_true", help="ask to lift the AMC gate (leads/admins)"
    )
    request.add_argument("--expect-version", type=int, metavar="V")
    for verb in ("approve", "reject"):
        decide = approval_actions.add_parser(verb, help=f"{verb} a pending approval")
        _common(decide)
        _json_flag(decide)
        decide.add_argument("approval_id", type=_positive, metavar="ID")
        decide.add_argument("--comment", metavar="TEXT")

    resolution = action("resolution", "write the resolution")
    resolution.add_argument("--text", required=True)
    resolution.add_argument("--publish", action="store_true")
    resolution.add_argument("--notify", action="store_true")
    time_entry = action("time", "log time")
    time_entry.add_argument("--minutes", type=_positive, required=True)
    time_entry.add_argument("--billable", action="store_true")
    time_entry.add_argument("--note", default="")
    action("attach", "attach a file (at most 20 MB)").add_argument("path")
    save = action("save", "save an attachment to a file")
    save.add_argument("attachment", type=_positive, metavar="ATTACHMENT_ID")
    save.add_argument("path")
    edit = action("edit", "change fields")
    for name in EDITABLE_TEXT:
        edit.add_argument(f"--{name}")
    edit.add_argument("--due", metavar="WHEN")
    edit.add_argument("--sticky", choices=("yes", "no"))
    action("merge", "merge into another ticket").add_argument(
        "--into", type=_number, required=True, metavar="NUMBER"
    )
    action("delete", "delete for good (admins)").add_argument(
        "--yes", action="store_true", help="confirm the deletion"
    )


# -- running commands ----------------------------------------------------------------


def _out(text: str) -> None:
    # Ticket text comes from customers' email: no escape sequence reaches the terminal.
    print(clean(text))


def _err(text: str) -> None:
    print(clean(text), file=sys.stderr)


def _print_json(value: Any) -> None:
    from console.data.records import to_jsonable

    print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


@dataclass
class Session:
    """An open database and the agent acting on it."""

    db: Any
    actor: Any
    settings: Settings

    def tickets(self) -> Any:
        """The ticket service for this agent."""
        from console.data.tickets import TicketService

        return TicketService(self.db, self.actor, sla=self.settings.sla())


async def open_database(target: str) -> Any:
    """Open a database for a command, saying where its password came from."""
    from console.session import open_database as open_db

    db, source = await open_db(target)
    if source:
        _err(f"(database password from {source})")
    return db


async def _session(
    args: argparse.Namespace, settings: Settings, target: str | None = None
) -> Session:
    from console.data.directory import resolve_actor

    db = await open_database(target or settings.database(getattr(args, "db", None)))
    try:
        actor = await resolve_actor(db, getattr(args, "as_user", None))
    except BaseException:
        await db.dispose()
        raise
    return Session(db, actor, settings)


def _ticket_summary(record: Any) -> str:
    owner = record.owner or "unassigned"
    return f"#{record.number} {record.subject!r}: {record.status}, {record.priority}, {owner}"


async def _ticket_command(args: argparse.Namespace, session: Session) -> int:
    from console.data.errors import BadValue
    from console.data.queries import Queries, QueueQuery
    from console.data.when import parse_when

    tickets = session.tickets()
    version = getattr(args, "expect_version", None)
    n = getattr(args, "number", None)
    match args.action:
        case "create":
            record = await tickets.create(
                subject=args.subject,
                contact_name=args.contact_name,
                contact_email=args.contact_email,
                contact_phone=args.contact_phone,
                account=args.account,
                description=args.description,
                priority=args.priority,
                channel=args.channel,
                department=args.department,
                category=args.category,
                subcategory=args.subcategory,
                product=args.product,
                due=parse_when(args.due) if args.due else None,
            )
        case "list":
            from console.data.filters import FilterError, render_error

            queries = Queries(session.db, session.actor)
            filters = (args.filter,) if args.filter is not None else ()
            query = QueueQuery(args.view, args.stage, args.sort, filters=filters)
            try:
                rows = await queries.window(query, limit=args.limit)
            except FilterError as exc:
                _err(render_error(args.filter or "", exc))
                return EXIT_REFUSED
            if args.json:
                _print_json([_row_json(row) for row in rows])
            else:
                for row in rows:
                    _out(
                        f"#{row.number:<7} {row.priority:<6} {row.status:<10} "
                        f"{(row.owner or '-'):<10} {row.subject}"
                    )
            return 0
        case "show":
            assert n is not None
            detail = await Queries(session.db, session.actor).detail(n)
            if args.json:
                _print_json(_detail_json(detail))
            else:
                _out(_detail_text(detail))
            return 0
        case "pickup":
            record = await tickets.pick_up(n, expected_version=version)
        case "assign":
            record = await tickets.assign(n, args.to, expected_version=version)
        case "release":
            record = await tickets.release(n, expected_version=version)
        case "schedule":
            record = await tickets.schedule(n, parse_when(args.at), expected_version=version)
        case "start":
            record = await tickets.start(n, expected_version=version)
        case "close":
            record = await tickets.close(
                n,
                resolution=args.resolution,
                publish_to_kb=args.publish,
                notify_contact=args.notify,
                expected_version=version,
            )
        case "reopen":
            record = await tickets.reopen(n, expected_version=version)
        case "reply":
            record = await tickets.reply(n, args.body, expected_version=version)
        case "comment":
            record = await tickets.comment(n, args.body, expected_version=version)
        case "note":
            record = await tickets.note(n, args.body, expected_version=version)
        case "task":
            record = await tickets.add_activity(
                n,
                args.title,
                kind=args.kind,
                owner=args.owner,
                due=parse_when(args.due) if args.due else None,
                reminder=parse_when(args.reminder) if args.reminder else None,
                expected_version=version,
            )
        case "done":
            record = await tickets.complete_activity(n, args.activity)
        case "approval":
            if args.approval_action == "request":
                record = await tickets.request_approval(
                    args.number,
                    args.approver,
                    args.subject,
                    details=args.details,
                    amc_exception=args.amc_exception,
                    expected_version=args.expect_version,
                )
            else:
                record = await tickets.decide_approval(
                    args.approval_id, args.approval_action == "approve", comment=args.comment
                )
        case "resolution":
            record = await tickets.set_resolution(
                n,
                args.text,
                publish_to_kb=args.publish,
                notify_contact=args.notify,
                expected_version=version,
            )
        case "time":
            record = await tickets.log_time(
                n, args.minutes, billable=args.billable, note=args.note, expected_version=version
            )
        case "attach":
            record = await tickets.attach(n, args.path, expected_version=version)
        case "save":
            name, content = await tickets.attachment_content(n, args.attachment)
            try:
                target = await asyncio.to_thread(save_attachment, Path(args.path), name, content)
            except OSError as exc:
                raise BadValue(f"Cannot write {args.path}: {exc.strerror}.") from None
            _out(f"Saved {name} ({len(content)} bytes) to {target}.")
            return 0
        case "edit":
            changes: dict[str, Any] = {}
            for name in EDITABLE_TEXT:
                value = getattr(args, name)
                if value is not None:
                    changes[name] = value
            if args.due is not None:
                changes["due"] = parse_when(args.due)
            if args.sticky is not None:
                changes["sticky"] = args.sticky == "yes"
            record = await tickets.edit(n, changes, expected_version=version)
        case "merge":
            record = await tickets.merge(n, args.into, expected_version=version)
        case "delete":
            await tickets.delete(n, confirm=args.yes)
            if args.json:
                _print_json({"number": n, "deleted": True})
            else:
                _out(f"#{n} deleted.")
            return 0
        case _:  # pragma: no cover - argparse only lets known actions through
            raise BadValue(f"Unknown action {args.action}.")
    if args.json:
        _print_json(_ticket_json(record))
    else:
        _out(_ticket_summary(record))
    return 0


def _ticket_json(record: Any) -> dict[str, Any]:
    from console.data.records import to_jsonable

    data: dict[str, Any] = to_jsonable(record)
    data.pop("id", None)
    return data


def _row_json(row: Any) -> dict[str, Any]:
    from console.data.records import to_jsonable

    return {
        "number": row.number,
        "subject": row.subject,
        "status": row.status,
        "priority": row.priority,
        "owner": row.owner,
        "creator": row.creator,
        "contact": row.contact,
        "account": row.account,
        "due": to_jsonable(row.due_at),
        "updated": to_jsonable(row.updated_at),
        "version": row.version,
    }


def _detail_json(detail: Any) -> dict[str, Any]:
    from console.data.records import to_jsonable

    data = _ticket_json(detail.ticket)
    data["messages"] = to_jsonable(detail.messages)
    data["history"] = to_jsonable(detail.history)
    data["approvals"] = to_jsonable(detail.approvals)
    data["resolution"] = to_jsonable(detail.resolution)
    data["activities"] = to_jsonable(detail.activities)
    data["time_entries"] = to_jsonable(detail.time_entries)
    data["time_total_minutes"] = detail.total_minutes
    data["time_billable_minutes"] = detail.billable_minutes
    data["attachments"] = to_jsonable(detail.attachments)
    data["actions"] = detail.actions
    return data


def _detail_text(detail: Any) -> str:
    from console.data.when import show_local

    t = detail.ticket
    lines = [
        f"#{t.number} {t.subject}",
        f"  status {t.status}   priority {t.priority}   channel {t.channel}",
        f"  owner {t.owner or '-'}   creator {t.creator or '-'}   department {t.department or '-'}",
        f"  contact {t.contact or '-'} <{t.contact_email or ''}>   account {t.account or '-'}"
        f"   AMC {t.amc_state}",
        f"  due {show_local(t.due)}   scheduled {show_local(t.scheduled_at) or '-'}"
        f"   updated {show_local(t.updated_at)}   version {t.version}",
    ]
    if t.description:
        lines += ["", t.description]
    lines += ["", "Conversation:"]
    lines += [f"  [{m.kind}] {m.author} {show_local(m.at)}: {m.body}" for m in detail.messages]
    lines += ["", "History:"]
    for e in detail.history:
        change = f" {e.field}: {e.old or '-'} -> {e.new or '-'}" if e.field else f" {e.new or ''}"
        lines.append(f"  {show_local(e.at)} {e.actor} {e.action}{change}")
    if detail.approvals:
        lines += ["", "Approvals:"]
        for a in detail.approvals:
            lines.append(
                f"  {a.id}: {a.subject} [{a.state}] by {a.requester} -> {', '.join(a.approvers)}"
            )
    if detail.resolution:
        lines += ["", "Resolution:", f"  {detail.resolution.text}"]
    if detail.activities:
        lines += ["", "Activities:"]
        for act in detail.activities:
            mark = "x" if act.done else " "
            lines.append(f"  [{mark}] {act.id}: {act.kind} {act.title} ({act.owner or '-'})")
    if detail.time_entries:
        lines += ["", f"Time log: {detail.total_minutes} min, {detail.billable_minutes} billable"]
    if detail.attachments:
        lines += ["", "Attachments:"]
        lines += [
            f"  {a.id}: {a.file_name} ({a.media_type}, {a.size} bytes)" for a in detail.attachments
        ]
    return "\n".join(lines)


async def _agent_command(args: argparse.Namespace, session: Session) -> int:
    from console.data.directory import Directory

    directory = Directory(session.db, session.actor)
    if args.agent_command == "add":
        record = await directory.add_agent(
            args.username,
            role=args.role,
            team=args.team,
            departments=args.department,
            display_name=args.display_name,
            email=args.email,
        )
        if args.json:
            _print_json(record)
        else:
            _out(f"Added {record.username} ({record.role}, team {record.team or '-'}).")
        return 0
    agents = await directory.agents()
    if args.json:
        _print_json(agents)
    else:
        for a in agents:
            _out(
                f"{a.username:<14} {a.role:<6} {(a.team or '-'):<12} "
                f"open {a.open_load:<5} {', '.join(a.departments)}"
            )
    return 0


async def _run_with_session(
    args: argparse.Namespace,
    settings: Settings,
    body: Callable[[Session], Awaitable[int]],
) -> int:
    session = await _session(args, settings)
    try:
        return await body(session)
    finally:
        await session.db.dispose()


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from console.data.directory import Directory
    from console.data.when import parse_day

    match args.command:
        case "ticket":
            return await _run_with_session(args, settings, lambda s: _ticket_command(args, s))
        case "agent":
            return await _run_with_session(args, settings, lambda s: _agent_command(args, s))
        case "account":

            async def add_account(session: Session) -> int:
                expires = parse_day(args.amc_expires) if args.amc_expires else None
                await Directory(session.db, session.actor).add_account(
                    args.name, coordinator=args.coordinator, amc_expires=expires
                )
                _out(f"Added account {args.name}.")
                return 0

            return await _run_with_session(args, settings, add_account)
        case "department":

            async def add_department(session: Session) -> int:
                await Directory(session.db, session.actor).add_department(
                    args.name, email=args.email
                )
                _out(f"Added department {args.name}.")
                return 0

            return await _run_with_session(args, settings, add_department)
        case "db":
            db = await open_database(settings.database(getattr(args, "db", None)))
            try:
                if args.db_command == "backup":
                    from console.data.backup import backup

                    pages = await backup(db, Path(args.path))
                    _out(f"Backed up {db.label} to {args.path} ({pages:,} pages).")
                else:
                    _out(f"{db.label} is at the current schema.")
            finally:
                await db.dispose()
            return 0
        case "audit":
            return await _audit(args, settings)
        case "filters":
            from console.data.filters import describe

            _out(describe())
            return 0
        case "credentials":
            return _credentials(args)
        case "demo":
            return await _demo(args, settings)
    return EXIT_USAGE  # pragma: no cover


async def _audit(args: argparse.Namespace, settings: Settings) -> int:
    """`audit verify`: walk the whole history chain (read-only)."""
    from console.data.audit import verify

    db = await open_database(settings.database(getattr(args, "db", None)))
    try:
        report = await verify(db)
    finally:
        await db.dispose()
    finding = report.finding
    if args.json:
        _print_json(
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
        _out(f"The history of {db.label} is intact: {report.events:,} events, hash-chained.")
    else:
        _err(f"The history of {db.label} was tampered with: {finding.sentence}")
    return 0 if finding is None else EXIT_REFUSED


def _credentials(args: argparse.Namespace) -> int:
    from console.credentials import KeyringUnavailable, delete_password, store_password
    from console.data.db import password_account

    url = password_account(args.url)
    if url is None:
        _err("That database needs no password from the keyring (a SQLite file, or a URL "
             "that carries its password).")
        return EXIT_REFUSED
    try:
        if args.credentials_command == "set":
            if sys.stdin.isatty():
                import getpass

                password = getpass.getpass("Password: ")
            else:
                password = sys.stdin.readline().rstrip("\n")
            if not password:
                _err("No password given; nothing was stored.")
                return EXIT_REFUSED
            store_password(url, password)
            _out("Stored the password in the keyring (service agent-console).")
        elif delete_password(url):
            _out("Deleted the password from the keyring.")
        else:
            _out("There was no password stored for that database.")
    except KeyringUnavailable as exc:
        _err(
            f"Cannot use the keyring: {exc}. This is common over SSH; set "
            "AGENT_CONSOLE_DB_PASSWORD in the environment instead."
        )
        return EXIT_REFUSED
    return 0


def _locate(args: argparse.Namespace, settings: Settings) -> int:
    """`locate config|data|db`: the config file, the data folder, the database opened."""
    if args.what == "config":
        _out(str(config_path()))
    elif args.what == "data":
        _out(str(data_dir()))
    else:
        target = settings.database(getattr(args, "db", None))
        from console.data.db import shown_url

        _out(shown_url(target))
    return 0


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    """`keys`: every binding by screen, with its keys as the config file maps them."""
    from console.keys import check_keymap, listing

    keymap, problems = check_keymap(settings)
    for problem in problems:
        _err(problem)
    places = listing(keymap)
    if args.json:
        _print_json(places)
        return 0
    for index, place in enumerate(places):
        if index:
            _out("")
        after = f"{place['after']} " if place["after"] else ""
        _out(place["screen"] + (f" (after {place['after']})" if after else ""))
        for row in place["bindings"]:
            keys = " / ".join(after + key for key in row["keys"])
            changed = "" if row["keys"] == row["default"] else "  (remapped)"
            _out(f"  {keys:<26} {row['description']:<26} {row['id']}{changed}")
    return 0


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from console.data.directory import is_demo
    from console.data.errors import Refused
    from console.data.migrate import downgrade
    from console.demo import build_demo, demo_matches

    target = getattr(args, "db", None) or str(demo_db_path())
    db = await open_database(target)
    try:
        if args.fresh or not await demo_matches(db, args.tickets, args.seed):
            if await _has_data(db):
                if not await is_demo(db):
                    raise Refused(
                        f"{db.label} holds data that is not a demo; the demo never touches it. "
                        "Choose another --db."
                    )
                # An older demo (other size or seed, or --fresh): start it again empty.
                if db.is_sqlite:
                    await db.dispose()
                    _remove_sqlite(db.url.database)
                else:
                    await downgrade(db, "base")
                    await db.dispose()
                db = await open_database(target)
            progress = _progress_printer(args.tickets)
            summary = await build_demo(db, tickets=args.tickets, seed=args.seed, progress=progress)
            _err(f"Demo ready: {summary.tickets:,} tickets, {summary.agents} agents in {db.label}.")
    finally:
        await db.dispose()
    if not args.no_launch:
        args.launch_target = target  # opened by main() once this event loop has ended
    return 0


async def _has_data(db: Any) -> bool:
    from sqlalchemy import func, select

    from console.data.models import Agent, Ticket

    async with db.read() as session:
        tickets = (await session.execute(select(func.count()).select_from(Ticket))).scalar_one()
        agents = (await session.execute(select(func.count()).select_from(Agent))).scalar_one()
    return bool(tickets or agents)


def _remove_sqlite(path: str | None) -> None:
    if not path:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def _progress_printer(total: int) -> Callable[[int, int], None]:
    interactive = sys.stderr.isatty()
    last = [-1]

    def show(done: int, of: int) -> None:
        percent = done * 100 // max(of, 1)
        if percent == last[0]:
            return
        last[0] = percent
        if interactive:
            line = f"\rBuilding demo: {done:,}/{of:,} tickets ({percent}%)"
            print(line, end="\n" if done >= of else "", file=sys.stderr)
        elif percent % 25 == 0:
            print(f"Building demo: {done:,}/{of:,} tickets", file=sys.stderr)

    return show


def _launch(settings: Settings, target: str, as_user: str | None) -> int:
    from console.app import run_console

    return run_console(settings, target, as_user)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `agent-console` command."""
    from console.data.errors import ConsoleError

    parser = build_parser()
    args = parser.parse_args(argv)
    create_config_file()  # first run: the commented template, if none is there yet
    settings = load_settings()
    for problem in settings.problems:
        _err(problem)
    if args.command == "locate":
        return _locate(args, settings)
    if args.command == "keys":
        return _keys(args, settings)
    if args.command is None:
        return _launch(
            settings, settings.database(getattr(args, "db", None)), getattr(args, "as_user", None)
        )
    try:
        code = asyncio.run(_dispatch(args, settings))
        launch = getattr(args, "launch_target", None)
        if code == 0 and launch:
            return _launch(settings, launch, getattr(args, "as_user", None))
        return code
    except ConsoleError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        _err("Interrupted; nothing more was changed.")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
