"""A real SMTP server on a loopback port for the tests (``aiosmtpd``), with modes that
answer 421, 450 or 550 to a mail, or drop the connection in the middle of DATA."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

#: Each mode and the reply the server gives at the end of DATA.
REPLIES = {
    "421": "421 4.3.2 Service not available, closing transmission channel",
    "450": "450 4.2.1 Mailbox busy, try again later",
    "550": "550 5.1.1 Mailbox unavailable",
}


@dataclass
class Received:
    """One mail the server accepted: the envelope and the bytes."""

    mail_from: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Accepts mail, or answers as its ``mode`` says: ``ok``, ``421``, ``450``,
    ``550`` or ``drop``."""

    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.mode == "drop":
            server.transport.close()  # gone in the middle of the transaction
            return "451 never seen"
        if self.mode in REPLIES:
            return REPLIES[self.mode]
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return f"250 2.0.0 Ok: queued as {len(self.received)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_smtp() -> Iterator[tuple[Handler, int]]:
    """Run the server for one test; yields its handler and port."""
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
