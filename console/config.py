"""Settings: a TOML file in the user config dir, overridden by environment variables.

``AGENT_CONSOLE_CONFIG`` names another config file; ``AGENT_CONSOLE_DB`` the database.
The file is created with every setting commented out (at its default) the first time the
console or the command line starts.  Every mistake in it is reported with its line, and
only the broken part falls back to its default: the rest of the file still applies.

This module reads and checks the file only; the key bindings of ``[keymap]`` are checked
against the console's bindings by ``console.keys.check_keymap`` (which needs the UI).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_config_dir, user_data_dir

from console.data.outbox import MailSetup
from console.data.records import SLA_HOURS, priority_rank

if TYPE_CHECKING:
    from console.data.canned import CannedReply

APP_NAME = "agent-console"

PRIORITIES = ("High", "Medium", "Low")
VIEW_SORTS = ("updated", "due", "priority")

#: The queue's columns a ``[[views]]`` table may choose, by the name written in the file,
#: with the column title the queue shows (``console.widgets.ticket_queue.COLUMNS_WIDE``;
#: a test keeps the two in step).  The titles are accepted as names too.
VIEW_COLUMNS: dict[str, str] = {
    "number": "#",
    "priority": "Prio",
    "subject": "Subject",
    "contact": "Contact / Account",
    "owner": "Owner",
    "status": "Status",
    "due": "Due",
    "updated": "Updated",
}

#: Most lines of a file skipped for TOML syntax errors before the whole file is given up.
MAX_SKIPPED_LINES = 20


def default_config_path() -> Path:
    """The config file in the user config dir (where it is created on first run)."""
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def config_path() -> Path:
    """Where the config file is read from."""
    override = os.environ.get("AGENT_CONSOLE_CONFIG")
    if override:
        return Path(override).expanduser()
    return default_config_path()


def data_dir() -> Path:
    """Where the embedded databases live."""
    return Path(user_data_dir(APP_NAME))


def default_db_path() -> Path:
    """The embedded SQLite database used when no other is named."""
    return data_dir() / "console.db"


def demo_db_path() -> Path:
    """The demo database: never the real one."""
    return data_dir() / "demo.db"


# -- the file written on first run ---------------------------------------------------------

TEMPLATE = """\
# agent-console settings.
#
# Every setting is shown at its default, commented out: remove the # in front of a
# setting to change it.  `agent-console locate config` prints where this file is;
# AGENT_CONSOLE_CONFIG names another file instead.  A mistake is reported with its line
# when the console starts, and that setting keeps its default; the rest still applies.

# The database: a SQLite file, or a PostgreSQL URL such as
# "postgresql+asyncpg://helpdesk@db.example/helpdesk" (the password never goes here: it
# comes from AGENT_CONSOLE_DB_PASSWORD or the keyring).  --db and AGENT_CONSOLE_DB come
# first.  Default: console.db in the user data folder (`agent-console locate db`).
#db = "/path/to/console.db"

# Who enforces the scopes on PostgreSQL: "application" (the console's own rules; the
# connection is the db URL's user) or "database": each agent logs in as its own
# PostgreSQL role, named as the agent, so row-level security binds every statement it
# runs (an admin runs `agent-console db secure` first).  The db URL's user (the tables'
# owner) is then kept for `db upgrade`, `db secure`, `db role-password`, `agent add`,
# `agent deactivate`, `audit` and the worker.  Not for SQLite: a file has no roles.
#security = "application"

# The colour theme: any Textual theme, such as textual-light, nord or gruvbox.
#theme = "textual-dark"

# The SLA: how many hours after it is created a ticket of each priority is due.
[sla]
{sla}
# Billing (`agent-console report billing`): the price of an hour of billable time and of
# a ticket closed; an account's own rates (`account edit NAME --hourly-rate X
# --ticket-price Y`) come first.
[billing]
#hourly_rate = 0
#ticket_price = 0

# Keys, by binding id.  `agent-console keys` lists every binding id with its keys and what
# it does (`?` in the console shows the same).  Several keys for one binding are separated
# by commas; a key taken by another binding on the same screen is reported, not used.
[keymap]
#"ticket.pickup" = "p,P"
#"main.sort" = "z,o"
#"jump.unassigned" = "u"    # the second key of the two-key jump g u

# Saved views, one [[views]] table each: a name, a filter in the language of / in the
# console, a sort (updated, due or priority) and, if you like, the queue's columns in
# order, from: number, priority, subject, contact, owner, status, due, updated.
#[[views]]
#name = "Overdue, high"
#filter = "prio:high overdue -status:closed"
#sort = "due"
#columns = ["number", "subject", "owner", "due"]

# The mail server replies, acknowledgements and closing notices go out through.  Without
# an [smtp] table they are stored and marked "not sent: no mail server configured".  The
# password comes from AGENT_CONSOLE_SMTP_PASSWORD or the keyring (never from this file).
#[smtp]
#host = "smtp.example.com"
#port = 587
#security = "starttls"    # "none", "starttls" or "tls"
#username = "helpdesk"
#from = "support@example.com"   # when a department has no --email address

# Our Message-IDs end in @domain; the cap on automatic mail one address gets an hour.
#[mail]
#domain = "example.com"
#automatic_per_hour = 5

# Tickets waiting on the customer this many days after our last reply close by
# themselves (-1: never); `department edit NAME --auto-close-days N` overrides it.
#[auto_close]
#days = 7

# The worker (and `mail import`) runs at this lower CPU priority (nice 0-19), so that
# the consoles on the same machine answer keys first while it imports or sends mail.
#[worker]
#nice = 10

# Mailboxes the worker (`agent-console worker`) reads, one [[mailboxes]] table each: the
# department of mail sent to no department's address, and a Maildir folder or an IMAP
# mailbox (imaps://user@host:993/INBOX, or imap://... with STARTTLS; the password from
# AGENT_CONSOLE_IMAP_PASSWORD or `agent-console credentials set URL`).  poll_seconds: how
# often to look (60); move_to: an IMAP folder to move imported mail to (else it is Seen).
#[[mailboxes]]
#department = "Billing"
#maildir = "~/Maildir"
#poll_seconds = 60
#address = "billing@example.com"   # mail to it is ours: reply to all leaves it out

# Spellcheck in the reply, comment and resolution forms (f7: the next misspelled word,
# with suggestions and "add to my dictionary"; the words added are in dictionary.txt
# beside this file).  language: en, es, fr, pt, de, it, ru, ar, lv, eu, nl or fa.
#[spellcheck]
#enabled = true
#language = "en"

# Which entries of your inbox are also mailed to you, when you have an email address
# (`agent-console agent edit NAME --email E`) and [smtp] is set: any of mention,
# approval, reminder, assigned, customer_reply, message ([] for none).  Recorded in the
# database when you start the console, so that others' actions mail you as you chose.
#[inbox]
#mail = ["reminder", "approval"]
""".replace("{sla}", "".join(f"#{name} = {hours:g}\n" for name, hours in SLA_HOURS.items()))


def create_config_file(path: Path | None = None) -> Path | None:
    """Write the commented template where the config file belongs, if no file is there.

    Only the default location is filled in (a file named by ``AGENT_CONSOLE_CONFIG`` is the
    person's own business); an existing file is never touched, and a folder that cannot be
    written to is no reason to stop.  Returns the path written, or None.
    """
    if path is None:
        if os.environ.get("AGENT_CONSOLE_CONFIG"):
            return None
        path = default_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x": created only if absent, even if two consoles start at the same moment.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(TEMPLATE)
    except OSError:
        return None
    return path


# -- where things are in the file ----------------------------------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_ARRAY_HEADER = re.compile(rf"^\[\[\s*({_KEY})\s*\]\]")
_TABLE_HEADER = re.compile(rf"^\[\s*({_KEY})\s*\]")
_KEY_VALUE = re.compile(rf"^({_KEY})\s*=(.*)$")

KeyPath = tuple[str | int, ...]


def _key_path(key: str) -> tuple[str, ...]:
    """A TOML key as written (``"ticket.pickup"``, ``sla.High``) -> its parts."""
    try:
        node: Any = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        return (key,)
    parts: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        name, node = next(iter(node.items()))
        parts.append(name)
    return tuple(parts)


def _bracket_depth(value: str) -> int:
    """How many ``[`` / ``{`` a value leaves open (outside strings and comments)."""
    depth = 0
    quote = ""
    escaped = False
    for char in value:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


class KeyLines:
    """The line (1-based) of every key and table header of a TOML text.

    Paths are as ``tomllib`` reads them: ``("sla", "High")``, ``("keymap",
    "ticket.pickup")``; the n-th ``[[views]]`` table is ``("views", n)``.  Lines inside
    multi-line strings and arrays are skipped, so a ``key =`` in a text is never taken for
    a setting.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[KeyPath, int] = {}
        table: KeyPath = ()
        arrays: dict[tuple[str, ...], int] = {}
        closing = ""  # the delimiter of an open multi-line string
        depth = 0  # brackets left open by a multi-line array or inline table
        for number, raw in enumerate(text.splitlines(), start=1):
            if closing:
                if closing in raw:
                    closing = ""
                continue
            if depth > 0:
                depth += _bracket_depth(raw)
                continue
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if match := _ARRAY_HEADER.match(line):
                name = _key_path(match.group(1))
                index = arrays.get(name, -1) + 1
                arrays[name] = index
                table = (*name, index)
                self.lines.setdefault(table, number)
            elif match := _TABLE_HEADER.match(line):
                name = _key_path(match.group(1))
                table = self._under_arrays(name, arrays)
                self.lines.setdefault(table, number)
            elif match := _KEY_VALUE.match(line):
                self.lines.setdefault((*table, *_key_path(match.group(1))), number)
                value = match.group(2).strip()
                for delimiter in ('"""', "'''"):
                    if value.startswith(delimiter) and value.count(delimiter) == 1:
                        closing = delimiter
                if not closing:
                    depth = max(0, _bracket_depth(value))

    @staticmethod
    def _under_arrays(name: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> KeyPath:
        """``[views.extra]`` belongs to the latest ``[[views]]`` table."""
        for cut in range(len(name) - 1, 0, -1):
            if name[:cut] in arrays:
                return (*name[:cut], arrays[name[:cut]], *name[cut:])
        return name

    def line(self, *path: str | int) -> int | None:
        """The line of a key (or of the nearest table holding it)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            # A dotted key written unquoted (ticket.pickup = ...) is split into parts.
            dotted = ".".join(str(p) for p in path)
            for known, number in self.lines.items():
                if ".".join(str(p) for p in known) == dotted:
                    return number
            path = path[:-1]
        return None


# -- the settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedView:
    """A ``[[views]]`` table: a named filter with its sort and, optionally, columns."""

    #: the name shown in the view list
    name: str
    #: a filter in the language typed at ``/`` (``prio:high -status:closed``)
    filter: str
    #: updated, due or priority
    sort: str = "updated"
    #: the queue's columns in order (names of ``VIEW_COLUMNS``); None: the usual ones
    columns: tuple[str, ...] | None = None
    #: where the table starts in the config file (0: not from a file)
    line: int = 0


@dataclass(frozen=True)
class Mailbox:
    """A ``[[mailboxes]]`` table: where the worker reads mail for a department."""

    #: the department of mail sent to no department's address
    department: str
    #: a Maildir folder, or None
    maildir: Path | None = None
    #: an IMAP URL (``imaps://user@host:993/INBOX``), or None
    imap: str | None = None
    #: seconds between two looks
    poll_seconds: float = 60.0
    #: an IMAP folder to move imported mail to (None: mark it Seen)
    move_to: str | None = None
    #: the address mail to this mailbox is sent to (ours: "reply to all" leaves it out,
    #: no forward goes to it, no automatic mail answers it)
    address: str | None = None

    def addresses(self) -> list[str]:
        """Our addresses of this mailbox: ``address``, and the IMAP login when it is an
        address (``imaps://support%40example.com@host/INBOX``)."""
        from urllib.parse import unquote, urlsplit

        from console.mail.compose import valid_addr

        found = [self.address] if self.address else []
        user = unquote(urlsplit(self.imap).username or "") if self.imap else ""
        if valid_addr(user):
            found.append(user)
        return found

    @property
    def name(self) -> str:
        """How the worker names it: the folder or the URL."""
        return str(self.maildir) if self.maildir is not None else str(self.imap)


MAILBOX_KEYS = ("department", "maildir", "imap", "poll_seconds", "move_to", "address")


def check_view_filter(text: str) -> str | None:
    """Whether a view's filter reads in the language of ``/``: the sentence saying what is
    wrong (naming the token, with a suggestion when one is close), or None.  Names
    (``owner:alice``) are looked up only when the view is opened: that needs the database.
    """
    from console.data.filters import FilterError, parse_filter

    try:
        parse_filter(text)
    except FilterError as exc:
        return str(exc)
    return None


SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    """The ``[smtp]`` table: the server mail goes out through."""

    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    sender: str | None = None

    def password_account(self) -> str:
        """The keyring account the server's password is kept under."""
        return f"smtp:{self.username or ''}@{self.host}:{self.port}"


@dataclass
class Settings:
    """Everything the console and the command line read from the config file."""

    #: database URL or SQLite file path; ``None`` means the embedded default
    db: str | None = None
    #: ``security``: "application" (the console's rules) or "database" (each agent logs
    #: in to PostgreSQL as its own role, bound by row-level security)
    security: str = "application"
    #: SLA hours per priority: how long after creation a ticket is due
    sla_hours: dict[str, float] = field(default_factory=lambda: dict(SLA_HOURS))
    #: ``[billing]``: the price of an hour of billable time and of a ticket closed
    billing: dict[str, float] = field(
        default_factory=lambda: {"hourly_rate": 0.0, "ticket_price": 0.0}
    )
    #: binding id -> keys ("down,j"); checked by console.keys, applied with App.set_keymap
    keymap: dict[str, str] = field(default_factory=dict)
    #: Textual theme name
    theme: str = "textual-dark"
    #: saved views from ``[[views]]`` tables, in file order
    views: list[SavedView] = field(default_factory=list)
    #: the mail server (``[smtp]``); None: mail is stored, not sent
    smtp: SmtpSettings | None = None
    #: ``[mail] domain``: the domain of our Message-IDs
    mail_domain: str | None = None
    #: ``[mail] automatic_per_hour``
    automatic_per_hour: int = 5
    #: ``[auto_close] days`` (-1: never)
    auto_close_days: int = 7
    #: ``[worker] nice``: the CPU priority the worker and ``mail import`` lower
    #: themselves to (0: as started)
    worker_nice: int = 10
    #: one's own canned replies from ``[[canned]]`` tables (``console.data.canned``)
    canned: list[CannedReply] = field(default_factory=list)
    #: mailboxes the worker reads, from ``[[mailboxes]]`` tables
    mailboxes: list[Mailbox] = field(default_factory=list)
    #: ``[spellcheck] enabled``: misspelled words are marked in the reply, comment and
    #: resolution forms (``console.spelling``)
    spellcheck_enabled: bool = True
    #: ``[spellcheck] language``: the dictionary's language ("en", "de", "fr"...)
    spellcheck_language: str = "en"
    #: ``[inbox] mail``: the inbox kinds mailed to the agent (None: the default ones)
    inbox_mail: tuple[str, ...] | None = None
    #: problems found reading the file (shown at start, never fatal), each with its line
    problems: list[str] = field(default_factory=list)
    #: the file the settings were read from (None: defaults only)
    source: Path | None = None
    #: where each key is in that file
    key_lines: KeyLines | None = field(default=None, repr=False, compare=False)

    def database(self, cli_value: str | None = None) -> str:
        """The database to open: --db, then AGENT_CONSOLE_DB, then the file, then default."""
        return cli_value or os.environ.get("AGENT_CONSOLE_DB") or self.db or str(default_db_path())

    def sla(self) -> dict[int, timedelta]:
        """SLA per priority rank, as the ticket services take it."""
        return {priority_rank(k): timedelta(hours=v) for k, v in self.sla_hours.items()}

    def mail_setup(self) -> MailSetup:
        """What the ticket services need to know of mail."""
        sender = self.smtp.sender if self.smtp else None
        domain = self.mail_domain or (sender.rpartition("@")[2] if sender else None)
        return MailSetup(
            configured=self.smtp is not None,
            sender=sender,
            domain=domain or "agent-console.invalid",
            auto_cap=self.automatic_per_hour,
            auto_close_days=self.auto_close_days,
            mailboxes=tuple(a for m in self.mailboxes for a in m.addresses()),
        )

    def billing_cents(self) -> tuple[int, int]:
        """The desk's billing rates in cents: per hour, per ticket."""
        return (
            round(self.billing["hourly_rate"] * 100),
            round(self.billing["ticket_price"] * 100),
        )

    def line_of(self, *path: str | int) -> int | None:
        """The line of a setting in the file, if it came from one."""
        return self.key_lines.line(*path) if self.key_lines else None

    def report(self, path: tuple[str | int, ...], message: str) -> None:
        """Add a problem, naming the file and the line of the setting at ``path``."""
        start = where(self.source, self.line_of(*path))
        self.problems.append(start + (message if start else message[:1].upper() + message[1:]))


def where(source: Path | None, line: int | None) -> str:
    """The start of a problem: ``/home/al/.config/agent-console/config.toml line 12: ``."""
    if source is None:
        return ""
    return f"{source} line {line}: " if line else f"{source}: "


def _kind(value: object) -> str:
    """A TOML value's type in the words of the file."""
    match value:
        case bool():
            return "true/false"
        case int() | float():
            return "a number"
        case str():
            return "text"
        case list():
            return "a list"
        case dict():
            return "a table"
    return type(value).__name__


def _suggest(name: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def _parse(text: str, source: Path, problems: list[str]) -> tuple[dict[str, Any], str]:
    """The TOML of ``text``; a line with a syntax error is reported and read as a comment
    (a broken table header: its whole table), so the rest of the file still applies."""
    lines = text.splitlines()
    for _ in range(MAX_SKIPPED_LINES):
        kept = "\n".join(lines)
        try:
            return tomllib.loads(kept), kept
        except tomllib.TOMLDecodeError as exc:
            found = _SYNTAX_AT.search(str(exc))
            message = _SYNTAX_AT.sub("", str(exc))
            if not found or not 1 <= int(found.group(1)) <= len(lines):
                problems.append(f"{source}: {exc}; using the defaults.")
                return {}, ""
            number = int(found.group(1))
            header = lines[number - 1].lstrip().startswith("[")
            ignored = "its table is ignored" if header else "the line is ignored"
            problems.append(
                f"{source} line {number}: {message} (column {found.group(2)}); {ignored}."
            )
            lines[number - 1] = "# " + lines[number - 1]
            if header:
                for index in range(number, len(lines)):
                    if lines[index].lstrip().startswith("["):
                        break
                    lines[index] = "# " + lines[index]
    problems.append(f"{source}: too many mistakes to read; using the defaults.")
    return {}, ""


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives defaults.  Every problem is reported
    with the file and line, and only the broken setting keeps its default."""
    path = path or config_path()
    settings = Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        settings.problems.append(f"{path}: cannot read ({reason}); using the defaults.")
        return settings
    settings.source = path
    raw, kept = _parse(text, path, settings.problems)
    settings.key_lines = KeyLines(kept)
    _apply(settings, raw)
    settings.problems.sort(key=_line_number)  # in the order of the file
    return settings


def _line_number(problem: str) -> int:
    found = re.search(r" line (\d+): ", problem)
    return int(found.group(1)) if found else 0


SCOPE_ENFORCERS = ("application", "database")

TOP_LEVEL = (
    "db",
    "security",
    "theme",
    "sla",
    "billing",
    "keymap",
    "views",
    "smtp",
    "mail",
    "auto_close",
    "worker",
    "canned",
    "mailboxes",
    "spellcheck",
    "inbox",
)


def _apply(settings: Settings, raw: dict[str, Any]) -> None:
    for name, value in raw.items():
        match name:
            case "db" | "theme":
                if not isinstance(value, str) or not value.strip():
                    settings.report(
                        (name,), f"{name} must be text in quotes, not {_kind(value)}; ignored."
                    )
                else:
                    setattr(settings, name, value.strip())
            case "security":
                if value in SCOPE_ENFORCERS:
                    settings.security = value
                else:
                    shown = repr(value) if isinstance(value, str) else _kind(value)
                    settings.report(
                        (name,),
                        f'security is "application" or "database", not {shown}; '
                        'using "application".',
                    )
            case "sla":
                _apply_sla(settings, value)
            case "billing":
                _apply_billing(settings, value)
            case "keymap":
                _apply_keymap(settings, value)
            case "views":
                _apply_views(settings, value)
            case "smtp":
                _apply_smtp(settings, value)
            case "mail":
                _apply_mail(settings, value)
            case "auto_close":
                _apply_auto_close(settings, value)
            case "worker":
                _apply_worker(settings, value)
            case "canned":
                _apply_canned(settings, value)
            case "mailboxes":
                _apply_mailboxes(settings, value)
            case "spellcheck":
                _apply_spellcheck(settings, value)
            case "inbox":
                _apply_inbox(settings, value)
            case _:
                settings.report(
                    (name,),
                    f"unknown setting {name}{_suggest(name, TOP_LEVEL)}; ignored. "
                    f"Settings: {', '.join(TOP_LEVEL)}.",
                )


SMTP_KEYS = ("host", "port", "security", "username", "from")


def _apply_smtp(settings: Settings, table: object) -> None:
    if not isinstance(table, dict):
        settings.report(("smtp",), "smtp must be an [smtp] table; mail is not sent.")
        return
    for key in table:
        if key not in SMTP_KEYS:
            settings.report(
                ("smtp", key), f"[smtp] has no setting {key}{_suggest(key, SMTP_KEYS)}; ignored."
            )
    host = table.get("host")
    if not isinstance(host, str) or not host.strip():
        settings.report(
            ("smtp",), '[smtp] needs a host, such as "smtp.example.com"; mail is not sent.'
        )
        return
    security = table.get("security", "starttls")
    if security not in SECURITY:
        settings.report(
            ("smtp", "security"),
            f"[smtp] security is one of {', '.join(SECURITY)}, not {security!r}; using starttls.",
        )
        security = "starttls"
    port = table.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        settings.report(
            ("smtp", "port"),
            f"[smtp] port must be a number from 1 to 65535, not {port!r}; "
            f"using {DEFAULT_PORTS[security]}.",
        )
        port = DEFAULT_PORTS[security]
    username = table.get("username")
    if username is not None and not isinstance(username, str):
        settings.report(("smtp", "username"), "[smtp] username must be text; ignored.")
        username = None
    sender = table.get("from")
    if sender is not None:
        from console.mail.compose import valid_addr

        if not isinstance(sender, str) or not valid_addr(sender.strip()):
            settings.report(
                ("smtp", "from"),
                f"[smtp] from must be an address like support@example.com, not {sender!r}; "
                "ignored.",
            )
            sender = None
        else:
            sender = sender.strip()
    settings.smtp = SmtpSettings(host.strip(), port, security, username or None, sender)


def _apply_mail(settings: Settings, table: object) -> None:
    if not isinstance(table, dict):
        settings.report(("mail",), "mail must be a [mail] table; ignored.")
        return
    for key, value in table.items():
        if key == "domain":
            if not isinstance(value, str) or "." not in value or " " in value.strip():
                settings.report(
                    ("mail", key), "[mail] domain must be a domain like example.com; ignored."
                )
            else:
                settings.mail_domain = value.strip()
        elif key == "automatic_per_hour":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                settings.report(
                    ("mail", key), "[mail] automatic_per_hour must be a whole number; keeping 5."
                )
            else:
                settings.automatic_per_hour = value
        else:
            settings.report(
                ("mail", key),
                f"[mail] has no setting {key}"
                f"{_suggest(key, ('domain', 'automatic_per_hour'))}; ignored.",
            )


def _apply_inbox(settings: Settings, table: object) -> None:
    from console.data.inbox import DEFAULT_MAIL, KINDS

    if not isinstance(table, dict):
        settings.report(("inbox",), "inbox must be an [inbox] table; ignored.")
        return
    for key, value in table.items():
        if key != "mail":
            settings.report(("inbox", key), f"[inbox] has no setting {key}; ignored.")
            continue
        kinds = value if isinstance(value, list) else None
        if kinds is None or not all(isinstance(k, str) for k in kinds):
            settings.report(
                ("inbox", key),
                '[inbox] mail must be a list like ["reminder", "approval"]; '
                f"keeping {', '.join(DEFAULT_MAIL)}.",
            )
            continue
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            settings.report(
                ("inbox", key),
                f"[inbox] mail knows {', '.join(KINDS)}; not {', '.join(unknown)} (ignored).",
            )
        settings.inbox_mail = tuple(dict.fromkeys(k for k in kinds if k in KINDS))


def _apply_whole_number(
    settings: Settings,
    table: object,
    section: str,
    key: str,
    attribute: str,
    fits: Callable[[int], bool],
    rule: str,
) -> None:
    """A ``[section]`` table of one whole-number setting ``key``, kept as
    ``settings.attribute``; ``rule`` says what ``fits`` lets through."""
    if not isinstance(table, dict):
        article = "an" if section[0] in "aeiou" else "a"
        settings.report((section,), f"{section} must be {article} [{section}] table; ignored.")
        return
    for name, value in table.items():
        if name != key:
            settings.report((section, name), f"[{section}] has no setting {name}; ignored.")
        elif isinstance(value, bool) or not isinstance(value, int) or not fits(value):
            settings.report(
                (section, name),
                f"[{section}] {key} must be {rule}; keeping {getattr(settings, attribute)}.",
            )
        else:
            setattr(settings, attribute, value)


def _apply_auto_close(settings: Settings, table: object) -> None:
    _apply_whole_number(
        settings,
        table,
        "auto_close",
        "days",
        "auto_close_days",
        lambda days: days == -1 or days > 0,
        "a whole number of days above 0, or -1 for never",
    )


def _apply_worker(settings: Settings, table: object) -> None:
    _apply_whole_number(
        settings,
        table,
        "worker",
        "nice",
        "worker_nice",
        lambda nice: 0 <= nice <= 19,
        "a whole number from 0 (as started) to 19 (lowest)",
    )


#: The languages pyspellchecker has a dictionary for (``console.spelling``).
SPELLCHECK_LANGUAGES = ("en", "es", "fr", "pt", "de", "it", "ru", "ar", "lv", "eu", "nl", "fa")


def _apply_spellcheck(settings: Settings, table: object) -> None:
    if not isinstance(table, dict):
        settings.report(("spellcheck",), "spellcheck must be a [spellcheck] table; ignored.")
        return
    for key, value in table.items():
        if key == "enabled":
            if isinstance(value, bool):
                settings.spellcheck_enabled = value
            else:
                settings.report(
                    ("spellcheck", key),
                    f"[spellcheck] enabled must be true or false, not {_kind(value)}; ignored.",
                )
        elif key == "language":
            if isinstance(value, str) and value.strip().lower() in SPELLCHECK_LANGUAGES:
                settings.spellcheck_language = value.strip().lower()
            else:
                settings.report(
                    ("spellcheck", key),
                    f"[spellcheck] language is one of {', '.join(SPELLCHECK_LANGUAGES)}, "
                    f"not {value!r}; using {settings.spellcheck_language}.",
                )
        else:
            settings.report(
                ("spellcheck", key),
                f"[spellcheck] has no setting {key}"
                f"{_suggest(key, ('enabled', 'language'))}; ignored.",
            )


def _apply_sla(settings: Settings, sla: object) -> None:
    if not isinstance(sla, dict):
        settings.report(("sla",), "sla must be a [sla] table of hours per priority; ignored.")
        return
    for name, hours in sla.items():
        priority = name.capitalize()
        if priority not in PRIORITIES:
            settings.report(
                ("sla", name),
                f"[sla] {name} is not a priority (High, Medium, Low); ignored.",
            )
        elif isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            settings.report(
                ("sla", name),
                f"[sla] {name} must be a positive number of hours, not {hours!r}; "
                f"keeping {settings.sla_hours[priority]:g}.",
            )
        else:
            settings.sla_hours[priority] = float(hours)


def _apply_billing(settings: Settings, billing: object) -> None:
    if not isinstance(billing, dict):
        settings.report(
            ("billing",), "billing must be a [billing] table (hourly_rate, ticket_price); ignored."
        )
        return
    for name, amount in billing.items():
        if name not in settings.billing:
            settings.report(
                ("billing", name),
                f"[billing] {name} is not a rate{_suggest(name, tuple(settings.billing))}; "
                "use hourly_rate or ticket_price; ignored.",
            )
        elif isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            settings.report(
                ("billing", name),
                f"[billing] {name} must be an amount of at least 0, not {amount!r}; "
                f"keeping {settings.billing[name]:g}.",
            )
        else:
            settings.billing[name] = float(amount)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``ticket.pickup = "p"`` unquoted makes a nested table: read it as the id it meant."""
    flat: dict[str, Any] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[prefix + name] = value
    return flat


def _apply_keymap(settings: Settings, keymap: object) -> None:
    if not isinstance(keymap, dict):
        settings.report(
            ("keymap",), 'keymap must be a [keymap] table ("binding.id" = "keys"); ignored.'
        )
        return
    for binding_id, keys in _flatten(keymap).items():
        if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            settings.report(
                ("keymap", binding_id),
                f'[keymap] {binding_id} must be keys in quotes such as "p" or "p,P", '
                f"not {_kind(keys) if keys != '' else 'empty text'}; keeping its keys.",
            )
            continue
        settings.keymap[binding_id] = keys


VIEW_KEYS = ("name", "filter", "sort", "columns")
_COLUMN_NAMES = {**{k: k for k in VIEW_COLUMNS}, **{t.lower(): k for k, t in VIEW_COLUMNS.items()}}


def _apply_views(settings: Settings, views: object) -> None:
    if not isinstance(views, list) or not all(isinstance(v, dict) for v in views):
        settings.report(
            ("views",), "views must be [[views]] tables (two brackets), one per view; ignored."
        )
        return
    from console.data.queries import VIEWS

    taken = {name.casefold() for name in VIEWS.values()}
    for index, table in enumerate(views):
        view = _saved_view(settings, index, table, taken)
        if view is not None:
            taken.add(view.name.casefold())
            settings.views.append(view)


CANNED_KEYS = ("name", "body", "action")


def _apply_canned(settings: Settings, canned: object) -> None:
    """``[[canned]]`` tables: ``name``, ``body`` (placeholders as in ``console.data.canned``)
    and optionally ``action = "close"``.  A broken one is reported and skipped."""
    from console.data.canned import CannedReply, check_canned

    if not isinstance(canned, list) or not all(isinstance(c, dict) for c in canned):
        settings.report(
            ("canned",), "canned must be [[canned]] tables (two brackets), one per reply; ignored."
        )
        return
    for index, table in enumerate(canned):
        for key in table:
            if key not in CANNED_KEYS:
                settings.report(
                    ("canned", index, key),
                    f"[[canned]] has no setting {key}{_suggest(key, CANNED_KEYS)}; ignored.",
                )
        name, body, action = table.get("name"), table.get("body"), table.get("action")
        if not isinstance(name, str) or not isinstance(body, str):
            settings.report(
                ("canned", index), "[[canned]] needs a name and a body (text); skipped."
            )
            continue
        if action is not None and not isinstance(action, str):
            action = ""
        problem = check_canned(name.strip(), body, action)
        if not problem and any(c.name == name.strip() for c in settings.canned):
            problem = f"there is already a canned reply named {name.strip()!r}"
        if problem:
            settings.report(("canned", index), f"[[canned]] {problem.rstrip('.')}; skipped.")
            continue
        settings.canned.append(CannedReply(name.strip(), body, action))


def append_canned(reply: CannedReply, path: Path | None = None) -> Path:
    """Add a ``[[canned]]`` table for one's own canned reply at the end of the config file
    (made when missing).  Returns the file."""
    path = path or config_path()
    lines = [
        "",
        "[[canned]]",
        f"name = {toml_string(reply.name)}",
        f"body = {toml_string(reply.body)}",
    ]
    if reply.action:
        lines.append(f"action = {toml_string(reply.action)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def _apply_mailboxes(settings: Settings, mailboxes: object) -> None:
    if not isinstance(mailboxes, list) or not all(isinstance(m, dict) for m in mailboxes):
        settings.report(
            ("mailboxes",),
            "mailboxes must be [[mailboxes]] tables (two brackets), one per mailbox; ignored.",
        )
        return
    for index, table in enumerate(mailboxes):
        box = _mailbox(settings, index, table)
        if box is not None:
            settings.mailboxes.append(box)


def _mailbox(settings: Settings, index: int, table: dict[str, Any]) -> Mailbox | None:
    def report(key: str | None, message: str) -> None:
        settings.report(("mailboxes", index, key) if key else ("mailboxes", index), message)

    for key in table:
        if key not in MAILBOX_KEYS:
            report(
                key, f"[[mailboxes]] has no setting {key}{_suggest(key, MAILBOX_KEYS)}; ignored."
            )
    department = table.get("department")
    if not isinstance(department, str) or not department.strip():
        report(
            "department" if "department" in table else None,
            "[[mailboxes]] needs a department (text); skipped.",
        )
        return None
    maildir, imap = table.get("maildir"), table.get("imap")
    if (maildir is None) == (imap is None):
        report(None, f"mailbox of {department!r} needs either maildir or imap; skipped.")
        return None
    if maildir is not None and (not isinstance(maildir, str) or not maildir.strip()):
        report("maildir", f"mailbox of {department!r}: maildir must be a folder; skipped.")
        return None
    if imap is not None and (
        not isinstance(imap, str) or not imap.startswith(("imap://", "imaps://"))
    ):
        report(
            "imap",
            f"mailbox of {department!r}: imap must be a URL such as "
            '"imaps://user@host:993/INBOX"; skipped.',
        )
        return None
    poll = table.get("poll_seconds", 60)
    if isinstance(poll, bool) or not isinstance(poll, int | float) or poll <= 0:
        report(
            "poll_seconds", f"mailbox of {department!r}: poll_seconds must be above 0; using 60."
        )
        poll = 60
    move_to = table.get("move_to")
    if move_to is not None and (not isinstance(move_to, str) or not move_to.strip()):
        report("move_to", f"mailbox of {department!r}: move_to must be a folder name; ignored.")
        move_to = None
    from console.mail.compose import valid_addr

    address = table.get("address")
    if address is not None and (not isinstance(address, str) or not valid_addr(address.strip())):
        report(
            "address",
            f"mailbox of {department!r}: address must be an address like "
            f"support@example.com, not {address!r}; ignored.",
        )
        address = None
    return Mailbox(
        department=department.strip(),
        maildir=Path(maildir).expanduser() if isinstance(maildir, str) else None,
        imap=imap if isinstance(imap, str) else None,
        poll_seconds=float(poll),
        move_to=move_to,
        address=address.strip() if isinstance(address, str) else None,
    )


def _saved_view(
    settings: Settings, index: int, table: dict[str, Any], taken: set[str]
) -> SavedView | None:
    def report(key: str | None, message: str) -> None:
        settings.report(("views", index, key) if key else ("views", index), message)

    for key in table:
        if key not in VIEW_KEYS:
            report(key, f"[[views]] has no setting {key}{_suggest(key, VIEW_KEYS)}; ignored.")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        report("name" if "name" in table else None, "[[views]] needs a name (text); skipped.")
        return None
    name = name.strip()
    if name.casefold() in taken:
        report("name", f"there is already a view named {name!r}; this one is skipped.")
        return None
    text = table.get("filter")
    if not isinstance(text, str):
        report(
            "filter" if "filter" in table else None,
            f'view {name!r} needs a filter in quotes, such as "prio:high -status:closed"; skipped.',
        )
        return None
    problem = check_view_filter(text)
    if problem:
        report("filter", f"view {name!r}: {problem}; skipped.")
        return None
    sort = table.get("sort", "updated")
    if sort not in VIEW_SORTS:
        report("sort", f"view {name!r}: sort is one of {', '.join(VIEW_SORTS)}; using updated.")
        sort = "updated"
    columns = table.get("columns")
    chosen: tuple[str, ...] | None = None
    if columns is not None:
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            report("columns", f"view {name!r}: columns must be a list of names; using the usual.")
        else:
            unknown = [c for c in columns if c.strip().lower() not in _COLUMN_NAMES]
            if unknown:
                report(
                    "columns",
                    f"view {name!r}: no column {', '.join(map(repr, unknown))}; "
                    f"columns are {', '.join(VIEW_COLUMNS)}.",
                )
            known = [_COLUMN_NAMES[c.strip().lower()] for c in columns if c not in unknown]
            chosen = tuple(dict.fromkeys(known)) or None
    return SavedView(name, text.strip(), sort, chosen, settings.line_of("views", index) or 0)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped,
    everything else as it is (TOML has no surrogate pairs, so JSON's escaping will not do)."""
    body = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or c in '"\\\x7f' else c for c in text)
    return f'"{body}"'


def append_view(view: SavedView, path: Path | None = None) -> Path:
    """Add a ``[[views]]`` table for ``view`` at the end of the config file (made when
    missing); what the file holds already is left as it is.  Returns the file."""
    path = path or config_path()
    lines = ["", "[[views]]", f"name = {toml_string(view.name)}"]
    lines.append(f"filter = {toml_string(view.filter)}")
    lines.append(f'sort = "{view.sort}"')
    if view.columns:
        lines.append(f"columns = [{', '.join(map(toml_string, view.columns))}]")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def remove_view(view: SavedView, path: Path | None = None) -> Path:
    """Take ``view``'s ``[[views]]`` table out of the config file (it came from there:
    ``view.line``); the comments and blank lines before the next table, and everything
    else in the file, stay as they are.  Returns the file."""
    path = path or config_path()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = view.line - 1
    if not view.line or start >= len(lines) or lines[start].strip() != "[[views]]":
        raise ValueError(f"{path} has no [[views]] table at line {view.line}")
    end = start + 1
    while end < len(lines) and not lines[end].lstrip().startswith("["):
        end += 1
    while end > start + 1 and lines[end - 1].strip()[:1] in ("", "#"):
        end -= 1  # what comes before the next table belongs to it
    del lines[start:end]
    if start < len(lines) and start and not lines[start - 1].strip() and not lines[start].strip():
        del lines[start]  # one blank line between tables, not two
    path.write_text("".join(lines), encoding="utf-8")
    return path
