"""Reading one raw mail into ``InboundMail`` with ``email`` and ``policy.default``.

Mail is hostile: charsets that are unknown or lie, broken base64, encoded words that decode
to CR/LF or ESC, parts nested thousands deep, file names with ``../`` or U+202E.  Whatever
can be read is read and whatever cannot is said in ``problems``; only a mail with nothing
usable (too large, unparseable) raises ``Unreadable`` with the quarantine's reason.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from email import policy
from email.errors import MessageDefect
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses

from console.mail.message import Address, InboundMail, Part, Unreadable

#: A mail over this size is not parsed (it goes to quarantine, not kept there).
MAX_MESSAGE_BYTES = 60 * 1024 * 1024
#: Each attachment is kept up to this size (as attachments added by hand).
MAX_PART_BYTES = 20 * 1024 * 1024
#: Parts nested deeper than this are not read (and the mail says so).
MAX_DEPTH = 50
#: A mail with more multipart parts than this has only its headers read.  The standard
#: library's parser recurses once per level and runs out of stack somewhere under 1,000
#: levels, at a depth that depends on the stack already in use; counting first makes the
#: outcome the same wherever the mail is parsed.
MAX_MULTIPARTS = 200

#: Senders that are machines, never people (RFC 3834's spirit; chatwoot #5131).
MACHINE_SENDERS = frozenset(
    {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}
)

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HEADER_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]+")
_MSGID = re.compile(r"<([^<>\s]+)>")
_MULTIPART = re.compile(rb"^content-type:[ \t]*multipart/", re.IGNORECASE | re.MULTILINE)


def megabytes(size: int) -> str:
    """A size as people read it: ``31 MB``."""
    return f"{size / 1024 / 1024:.0f} MB"


def digest(raw: bytes) -> str:
    """The SHA-256 of a raw mail: how a mail without Message-ID is known again."""
    return hashlib.sha256(raw).hexdigest()


def clean_header(value: str) -> str:
    """A decoded header value on one line: CR, LF, ESC and every control become a space."""
    return " ".join(_HEADER_CONTROL.sub(" ", value).split())


def clean_body(text: str) -> str:
    """Body text with line ends made ``\\n`` and control characters (ESC ...) removed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def safe_file_name(name: str | None, index: int) -> str:
    """A display name for an attachment: no folders (``../``, ``/etc/``), no controls, NUL
    or bidi overrides (U+202E), no leading dots; never used as a path."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    base = base.strip().lstrip(".").strip()
    return base[:200] or f"attachment-{index}"


def message_ids(value: str | None) -> tuple[str, ...]:
    """The ``<id>``s of a Message-ID, In-Reply-To or References header, in order."""
    if not value:
        return ()
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]  # a bare id, as some mailers write it
    return tuple(dict.fromkeys(f"<{clean_header(i)}>" for i in found if i))


def parse(raw: bytes) -> InboundMail:
    """Read a raw mail; ``Unreadable`` when nothing of it can be imported."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Unreadable(too_large(len(raw)))
    if len(_MULTIPART.findall(raw, 0)) > MAX_MULTIPARTS:
        return _headers_only(raw, f"it has more than {MAX_MULTIPARTS} multipart parts")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        return _headers_only(raw, f"its parts are nested too deep to read (over {MAX_DEPTH})")
    except Exception as exc:
        raise Unreadable(f"it cannot be parsed as mail ({type(exc).__name__})") from None
    assert isinstance(msg, EmailMessage)
    try:
        return _read(msg, raw)
    except RecursionError:
        return _headers_only(raw, f"its parts are nested too deep to read (over {MAX_DEPTH})")


def too_large(size: int) -> str:
    """The quarantine's reason for a mail over the size limit."""
    return (
        f"it is {megabytes(size)}, over the {megabytes(MAX_MESSAGE_BYTES)} a mail may be; "
        "it was not read (it stays in its mailbox)"
    )


def _headers_only(raw: bytes, problem: str) -> InboundMail:
    """A mail whose body cannot be read: its headers, and a body saying why."""
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:
        raise Unreadable(f"it cannot be parsed as mail ({type(exc).__name__})") from None
    assert isinstance(msg, EmailMessage)
    problems = [f"The body was not read: {problem}."]
    return _assemble(msg, raw, "", (), problems, bounce=False, bounced=())


def _header(msg: Message, name: str, problems: list[str]) -> str | None:
    try:
        value = msg.get(name)
    except Exception:
        problems.append(f"The {name} header could not be read.")
        return None
    return None if value is None else str(value)


def _addresses(msg: Message, name: str, problems: list[str]) -> tuple[Address, ...]:
    found: list[Address] = []
    try:
        headers = msg.get_all(name) or []
        for header in headers:
            pairs = (
                [(a.display_name, a.addr_spec) for a in header.addresses]
                if hasattr(header, "addresses")
                else getaddresses([str(header)])
            )
            for display, spec in pairs:
                spec = clean_header(spec or "")
                if "@" in spec:
                    found.append(Address(clean_header(display or ""), spec))
    except Exception:
        found = list(_raw_addresses(msg, name))
        if not found:
            problems.append(f"The {name} header could not be read.")
    return tuple(found)


def _raw_addresses(msg: Message, name: str) -> Iterator[Address]:
    """The addresses of a header the policy refused (an encoded word holding CR/LF ...),
    read from its raw text; the names decoded where they can be."""
    raw = [str(value) for key, value in msg.raw_items() if key.lower() == name.lower()]
    for display, spec in getaddresses(raw):
        spec = clean_header(spec or "")
        if "@" not in spec:
            continue
        with contextlib.suppress(Exception):  # an undecodable name stays as written
            display = str(make_header(decode_header(display)))
        yield Address(clean_header(display or ""), spec)


def _automatic(msg: Message, sender: Address | None, problems: list[str]) -> str | None:
    """Why the headers mark the mail as sent by a machine, or None."""
    auto = (_header(msg, "Auto-Submitted", problems) or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {clean_header(auto)}"
    precedence = (_header(msg, "Precedence", problems) or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if _header(msg, "X-Auto-Response-Suppress", problems) is not None:
        return "X-Auto-Response-Suppress"
    for name in ("List-Id", "List-Unsubscribe"):
        if _header(msg, name, problems) is not None:
            return f"mailing list ({name})"
    if sender and sender.email.split("@", 1)[0].lower() in MACHINE_SENDERS:
        return f"sent by {sender.email}"
    return None


def _high_priority(msg: Message, problems: list[str]) -> bool:
    importance = (_header(msg, "Importance", problems) or "").strip().lower()
    x_priority = (_header(msg, "X-Priority", problems) or "").strip()
    urgent = (_header(msg, "Priority", problems) or "").strip().lower()
    return importance == "high" or x_priority[:1] in ("1", "2") or urgent == "urgent"


def _leaves(msg: Message, problems: list[str]) -> Iterator[tuple[Message, Message | None]]:
    """Every part that is not a container, with its parent, depth first, without
    recursion (a mail may nest thousands deep)."""
    stack: list[tuple[Message, Message | None, int]] = [(msg, None, 0)]
    deep = False
    while stack:
        part, parent, depth = stack.pop()
        kind = part.get_content_type()
        if part.is_multipart() and kind not in ("message/rfc822",):
            if depth >= MAX_DEPTH:
                deep = True
                continue
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(
                    (child, part, depth + 1)
                    for child in reversed(payload)
                    if isinstance(child, Message)
                )
            continue
        yield part, parent
    if deep:
        problems.append(f"Parts nested deeper than {MAX_DEPTH} levels were not read.")


def _decoded(part: Message, problems: list[str]) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        problems.append(f"A {part.get_content_type()} part could not be decoded.")
        return b""
    broken = [d for d in part.defects if _is_encoding_defect(d)]
    if broken:
        problems.append(
            f"Some of a {part.get_content_type()} part's "
            f"{part.get('Content-Transfer-Encoding', 'encoding')} could not be decoded."
        )
    return payload if isinstance(payload, bytes) else b""


def _is_encoding_defect(defect: MessageDefect) -> bool:
    return "Base64" in type(defect).__name__ or "Encoding" in type(defect).__name__


def _text(part: Message, problems: list[str]) -> str:
    """A text part decoded by its charset: an unknown one is read as UTF-8, a lying one
    (bytes that are not that charset) as UTF-8 if they are, else with replacements."""
    payload = _decoded(part, problems)
    charset = str(part.get_content_charset() or "us-ascii")
    try:
        codecs.lookup(charset)
    except LookupError:
        problems.append(f"The charset {clean_header(charset)!r} is unknown; read as UTF-8.")
        return payload.decode("utf-8", errors="replace")
    try:
        return payload.decode(charset)
    except UnicodeDecodeError:
        pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(
            f"The text is not {clean_header(charset)} as it says; unreadable bytes were replaced."
        )
        return payload.decode(charset, errors="replace")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, links kept as text (``[label](url)``)."""
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    try:
        return converter.handle(html).strip()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)


def _inner(part: Message) -> Message | None:
    """The mail inside a message/rfc822 part."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _bounced_ids(part: Message, problems: list[str]) -> tuple[str, ...]:
    """The Message-IDs of the mail a delivery-status report returns."""
    if part.get_content_type() == "message/rfc822":
        inner = _inner(part)
        return message_ids(_header(inner, "Message-ID", problems)) if inner else ()
    headers = BytesHeaderParser(policy=policy.default).parsebytes(_decoded(part, problems))
    return message_ids(_header(headers, "Message-ID", problems))


def _read(msg: EmailMessage, raw: bytes) -> InboundMail:
    problems: list[str] = []
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Part] = []
    bounced: list[str] = []
    bounce = msg.get_content_type() == "multipart/report"
    for part, parent in _leaves(msg, problems):
        kind = part.get_content_type()
        in_report = parent is not None and parent.get_content_type() == "multipart/report"
        if kind == "multipart/report" or (
            kind == "message/delivery-status" or (in_report and bounce)
        ):
            bounce = True
        if in_report and kind in ("message/rfc822", "text/rfc822-headers"):
            bounced.extend(_bounced_ids(part, problems))
            continue
        if kind == "message/delivery-status":
            continue
        try:
            disposition = part.get_content_disposition()
            name = part.get_filename()
        except Exception:
            disposition, name = "attachment", None
        if disposition != "attachment" and name is None and kind in ("text/plain", "text/html"):
            (plain if kind == "text/plain" else html).append(_text(part, problems))
            continue
        if kind == "message/rfc822":
            inner = _inner(part)
            try:
                content = inner.as_bytes() if inner is not None else b""
            except Exception:
                content = b""
                problems.append("An attached mail could not be read.")
        else:
            content = _decoded(part, problems)
        index = len(attachments) + 1
        file_name = safe_file_name(name, index)
        if kind == "message/rfc822" and name is None:
            file_name = f"attached-mail-{index}.eml"
        if len(content) > MAX_PART_BYTES:
            attachments.append(Part(file_name, kind, len(content), None))
        else:
            attachments.append(Part(file_name, kind, len(content), content))
    if plain:
        body = "\n\n".join(t.strip("\n") for t in plain)
    elif html:
        body = "\n\n".join(html_to_text(t) for t in html)
    else:
        body = ""
    return _assemble(msg, raw, body, tuple(attachments), problems, bounce, tuple(bounced))


def _assemble(
    msg: Message,
    raw: bytes,
    body: str,
    attachments: tuple[Part, ...],
    problems: list[str],
    bounce: bool,
    bounced: tuple[str, ...],
) -> InboundMail:
    senders = _addresses(msg, "From", problems)
    sender = senders[0] if senders else None
    automatic = "delivery-status report (bounce)" if bounce else _automatic(msg, sender, problems)
    delivered = tuple(a.email for a in _addresses(msg, "Delivered-To", problems))
    own_ids = message_ids(_header(msg, "Message-ID", problems))
    subject = clean_header(_header(msg, "Subject", problems) or "")
    return InboundMail(
        sha256=digest(raw),
        size=len(raw),
        message_id=own_ids[0] if own_ids else None,
        in_reply_to=message_ids(_header(msg, "In-Reply-To", problems)),
        references=message_ids(_header(msg, "References", problems)),
        subject=subject or "(no subject)",
        sender=sender,
        to=_addresses(msg, "To", problems),
        cc=_addresses(msg, "Cc", problems),
        delivered_to=delivered,
        high_priority=_high_priority(msg, problems),
        automatic=automatic,
        bounce=bounce,
        bounced_ids=bounced,
        body=clean_body(body).strip(),
        attachments=attachments,
        problems=tuple(dict.fromkeys(problems)),
    )
