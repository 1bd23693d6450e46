"""What becomes of an inbound mail, decided on plain data: which ticket it threads to and
by which rule, and whether it is automatic.

Threading, in this order (the stored message records the rule):
1. an id of ``In-Reply-To``, then of ``References`` (nearest parent first), or of the mail
   a bounce returns, is the Message-ID of a message already on a ticket, ours included;
2. the subject carries ``[#1042]`` and the sender is that ticket's contact or a contact of
   its account (a stranger quoting a number gets a ticket of their own);
3. otherwise a new ticket.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from console.mail.message import InboundMail

IN_REPLY_TO = "in-reply-to"
REFERENCES = "references"
BOUNCE = "bounce"
SUBJECT_TAG = "subject-tag"
#: The rules, as ``threaded_by`` stores them.
RULES = (IN_REPLY_TO, REFERENCES, BOUNCE, SUBJECT_TAG)

_TAG = re.compile(r"\[#(\d{1,9})\]")


@dataclass(frozen=True)
class Known:
    """A message already on a ticket whose Message-ID the mail names."""

    message: int  # the message's row id
    number: int  # its ticket's number


@dataclass(frozen=True)
class Tagged:
    """The ticket a subject tag names, and who may write to it by its number."""

    number: int
    contact_email: str | None
    account_emails: frozenset[str]


@dataclass(frozen=True)
class Threading:
    """The decision: the ticket (None: a new one), the rule and the message it matched."""

    number: int | None
    rule: str | None
    matched: int | None = None


def tagged_number(subject: str) -> int | None:
    """The ticket number a subject carries as ``[#1042]``, or None."""
    found = _TAG.search(subject)
    return int(found.group(1)) if found else None


def ids_to_look_up(mail: InboundMail) -> list[str]:
    """Every Message-ID the mail names as its parent or ancestor, or returns."""
    return list(dict.fromkeys((*mail.in_reply_to, *mail.references, *mail.bounced_ids)))


def decide(mail: InboundMail, known: Mapping[str, Known], tagged: Tagged | None) -> Threading:
    """Which ticket the mail joins, by the first rule that matches."""
    for rule, ids in (
        (IN_REPLY_TO, mail.in_reply_to),
        (REFERENCES, tuple(reversed(mail.references))),
        (BOUNCE, mail.bounced_ids),
    ):
        for message_id in ids:
            hit = known.get(message_id)
            if hit is not None:
                return Threading(hit.number, rule, hit.message)
    if tagged is not None and mail.sender is not None:
        sender = mail.sender.email.lower()
        if sender == (tagged.contact_email or "").lower() or sender in tagged.account_emails:
            return Threading(tagged.number, SUBJECT_TAG)
    return Threading(None, None)


def automatic_reason(mail: InboundMail, own_addresses: Collection[str]) -> str | None:
    """Why the mail is automatic: its headers say so, or it comes from one of our own
    department addresses (our own mail coming back)."""
    if mail.automatic:
        return mail.automatic
    if mail.sender is not None and mail.sender.email.lower() in own_addresses:
        return f"sent from our own address {mail.sender.email}"
    return None


def department_for(
    mail: InboundMail, addresses: Mapping[str, str], fallback: str | None
) -> str | None:
    """The department whose address the mail was sent to (To, Cc, Delivered-To), else the
    mailbox's.  ``addresses``: department address (lower case) to department name."""
    for address in mail.recipients():
        if address in addresses:
            return addresses[address]
    return fallback
