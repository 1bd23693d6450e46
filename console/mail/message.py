"""An inbound mail as plain data: what the parser read and what it could not."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formataddr


@dataclass(frozen=True)
class Address:
    """One mailbox of a From/To/Cc header: the name (cleaned) and the address."""

    name: str
    email: str

    def shown(self) -> str:
        """``Pat Customer <pat@acme.example>``, or the bare address."""
        return formataddr((self.name, self.email)) if self.name else self.email


@dataclass(frozen=True)
class Part:
    """An attachment of the mail; ``content`` is None when it was over the limit."""

    file_name: str
    media_type: str
    size: int
    content: bytes | None


@dataclass(frozen=True)
class InboundMail:
    """Everything a mail says that the help desk uses, already cleaned of control
    characters (headers) and decoded (body, attachments)."""

    sha256: str
    size: int
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    delivered_to: tuple[str, ...]
    high_priority: bool
    #: Why the mail is automatic (out-of-office, list, bounce ...), or None.
    automatic: str | None
    #: A delivery-status report (a bounce) and the Message-IDs of the mail it returns.
    bounce: bool
    bounced_ids: tuple[str, ...]
    body: str
    attachments: tuple[Part, ...]
    #: What could not be read, in sentences ("the charset 'x-foo' is unknown ...").
    problems: tuple[str, ...] = field(default=())

    def recipients(self) -> list[str]:
        """Every address it was sent to (To, Cc, Delivered-To), lower case."""
        found = [a.email.lower() for a in (*self.to, *self.cc)]
        found.extend(a.lower() for a in self.delivered_to)
        return found


class Unreadable(Exception):
    """A mail that cannot be imported at all; the message is the quarantine's reason."""
