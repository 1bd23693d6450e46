"""Composing the mail the desk sends: pure, the standard library's ``email`` only.

Ticket text is untrusted here too.  A subject or a name comes from a customer's mail
and can hold CR/LF, NUL or any control character; ``header_text`` turns every one of them
into a space before it goes near a header, so nothing can end a header early and add
another (no ``Bcc:`` smuggled in).  Non-ASCII names and subjects are written as RFC 2047
encoded words; the body is text/plain UTF-8, 7bit when it can be, else quoted-printable.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

#: Every character that must never reach a header: C0 controls (CR, LF, NUL, ESC, tab),
#: DEL, C1 controls, line and paragraph separators, bidi controls and zero-width ones.
_UNSAFE_IN_HEADER = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(\.{_ATOM})*")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})+")
_TAG = re.compile(r"\[#(\d+)\]")
_RE = re.compile(r"^\s*((re|aw|sv|fw|fwd|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)

#: The longest subject kept in ``Re: ...`` (the rest of a 10 kB subject is cut).
MAX_SUBJECT = 200

#: ``Auto-Submitted`` values (RFC 3834) for automatic mail.
AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"

#: Writing headers: CRLF line ends, long lines folded, non-ASCII as RFC 2047 words.
SMTP_POLICY = policy.SMTP


class BadAddress(ValueError):
    """An address that does not parse; ``str()`` is the sentence to show where it was typed."""


@dataclass(frozen=True)
class Address:
    """A mailbox: a display name (maybe empty) and an address ``local@domain``."""

    name: str
    addr: str

    def __str__(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name else self.addr

    def header(self) -> HeaderAddress:
        """The address as the ``email`` package writes it (the name encoded as needed)."""
        local, _, domain = self.addr.rpartition("@")
        return HeaderAddress(display_name=header_text(self.name), username=local, domain=domain)


def header_text(value: str | None, limit: int | None = None) -> str:
    """``value`` made safe for one header: every control character (CR and LF among them)
    becomes a space, runs of spaces one space; optionally cut to ``limit`` characters."""
    text = " ".join(_UNSAFE_IN_HEADER.sub(" ", value or "").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def decoded_name(name: str) -> str:
    """A display name as "Mail in" stored it, its RFC 2047 words decoded (``=?utf-8?...``
    from ``formataddr``), made safe for a header again."""
    if "=?" not in name:
        return name
    try:
        return header_text(str(make_header(decode_header(name))))
    except (ValueError, LookupError):  # a word that does not decode stays as it was
        return name


def valid_addr(addr: str) -> bool:
    """Whether ``addr`` is a plain ``local@domain`` address we can send to."""
    local, at, domain = addr.rpartition("@")
    return bool(
        at
        and len(addr) <= 254
        and len(local) <= 64
        and _LOCAL_PART.fullmatch(local)
        and _DOMAIN.fullmatch(domain)
    )


_NAMED = re.compile(r"^(?P<name>[^<>]*)<(?P<addr>[^<>]*)>$")


def parse_address(text: str) -> Address:
    """One address as typed (``pat@acme.example`` or ``Pat Doe <pat@acme.example>``);
    ``BadAddress`` says why one does not parse."""
    typed = text.strip()
    if not typed:
        raise BadAddress("An address is empty.")
    shown = header_text(typed, 80)
    if _UNSAFE_IN_HEADER.search(typed):
        raise BadAddress(f"{shown!r} is not an address: it holds a control character.")
    named = _NAMED.match(typed)
    if named:
        name = named.group("name").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"')
        addr = named.group("addr").strip()
    elif "<" in typed or ">" in typed:
        raise BadAddress(f"{shown!r} is not an address: write it as Name <name@example.com>.")
    else:
        name, addr = "", typed
    if not valid_addr(addr):
        raise BadAddress(f"{shown!r} is not an address like name@example.com.")
    return Address(header_text(name), addr)


def _split(text: str) -> list[str]:
    """Comma- or semicolon-separated addresses, keeping commas inside quotes and <...>."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angled = False
    for char in text:
        if char == '"' and not angled:
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        if char in ",;" and not quoted and not angled:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def parse_addresses(text: str | None) -> list[Address]:
    """Addresses as typed into To or Cc, separated by commas; ``BadAddress`` names the first
    that does not parse.  Empty text is no address."""
    found: list[Address] = []
    seen: set[str] = set()
    for part in _split(text or ""):
        address = parse_address(part)
        if address.addr.lower() not in seen:
            seen.add(address.addr.lower())
            found.append(address)
    return found


def ticket_tag(number: int) -> str:
    """The tag that names a ticket in a subject: ``[#1042]``."""
    return f"[#{number}]"


def reply_subject(subject: str | None, number: int) -> str:
    """``Re: <subject> [#1042]``: one ``Re:``, one tag, on one safe line."""
    text = _RE.sub("", header_text(subject))
    text = header_text(_TAG.sub(lambda m: "" if int(m.group(1)) == number else m.group(0), text))
    text = header_text(text, MAX_SUBJECT) or "(no subject)"
    return f"Re: {text} {ticket_tag(number)}"


def forward_subject(subject: str | None, number: int) -> str:
    """``Fwd: <subject> [#1042]``: the ticket's subject without its ``Re:``/``Fwd:``,
    one tag, on one safe line."""
    return "Fwd:" + reply_subject(subject, number).removeprefix("Re:")


def new_message_id(domain: str) -> str:
    """A Message-ID of ours, unique, under ``domain``: ``<hex.ac@domain>``."""
    host = domain.strip().strip(".").lower()
    if not _DOMAIN.fullmatch(host):
        host = "agent-console.invalid"
    return f"<{uuid.uuid4().hex}.ac@{host}>"


_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def message_ids(text: str | None) -> list[str]:
    """The ``<id@host>`` message ids in a header's text, in order, without repeats."""
    return list(dict.fromkeys(_MSGID.findall(text or "")))


def references_for(parent_references: list[str], parent_id: str | None) -> list[str]:
    """A reply's References (RFC 5322 3.6.4): the parent's References and the parent's
    Message-ID, each id once, the oldest and the newest kept when the list grows long."""
    ids = list(dict.fromkeys([*parent_references, *([parent_id] if parent_id else [])]))
    if len(ids) > 20:
        ids = [ids[0], *ids[-19:]]
    return ids


@dataclass(frozen=True)
class Attachment:
    """A file to send with a mail."""

    file_name: str
    media_type: str
    content: bytes


@dataclass
class Outgoing:
    """Everything one mail says; ``compose`` writes it."""

    sender: Address
    to: list[Address]
    subject: str
    body: str
    message_id: str
    cc: list[Address] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    #: ``auto-replied`` or ``auto-generated`` for automatic mail; None for an agent's mail
    automatic: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    date: datetime = field(default_factory=lambda: datetime.now(UTC))

    def recipients(self) -> list[str]:
        """Every address the mail goes to (To and Cc), each once."""
        return list(dict.fromkeys(a.addr for a in [*self.to, *self.cc]))


def _file_name(name: str) -> str:
    """An attachment's name made safe for its header (never a path)."""
    base = header_text(name).replace("/", "_").replace("\\", "_").strip(". ")
    return base[:150] or "attachment"


def compose(mail: Outgoing) -> EmailMessage:
    """The message itself: headers made of safe text only, the body text/plain UTF-8,
    attachments after it."""
    if not mail.to:
        raise BadAddress("A mail needs someone to go to.")
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = mail.sender.header()
    message["To"] = [a.header() for a in mail.to]
    if mail.cc:
        message["Cc"] = [a.header() for a in mail.cc]
    message["Subject"] = header_text(mail.subject, 400) or "(no subject)"
    message["Date"] = format_datetime(mail.date.astimezone(UTC))
    message["Message-ID"] = header_text(mail.message_id)
    if mail.in_reply_to:
        message["In-Reply-To"] = header_text(mail.in_reply_to)
    if mail.references:
        message["References"] = " ".join(header_text(r) for r in mail.references)
    if mail.automatic:
        message["Auto-Submitted"] = mail.automatic
        # Ask out-of-office responders (Exchange's own header) not to answer this one.
        message["X-Auto-Response-Suppress"] = "All"
    body = mail.body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    ascii_short = body.isascii() and all(len(line) <= 998 for line in body.split("\n"))
    message.set_content(body, charset="utf-8", cte="7bit" if ascii_short else "quoted-printable")
    for item in mail.attachments:
        main, _, sub = item.media_type.partition("/")
        if not (main and sub) or not re.fullmatch(r"[\w.+-]+/[\w.+-]+", item.media_type):
            main, sub = "application", "octet-stream"
        message.add_attachment(
            item.content, maintype=main, subtype=sub, filename=_file_name(item.file_name)
        )
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP (CRLF line ends)."""
    return message.as_bytes(policy=SMTP_POLICY)
