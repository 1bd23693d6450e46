"""Sending over SMTP with ``aiosmtplib``: one connection kept open for a batch, each
mail's outcome in the server's own words.

RFC 5321 4.2: a 4xx reply is temporary (try again later), a 5xx permanent.  A lost
connection, a refused connection or a timeout is temporary too.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import aiosmtplib

#: How long to wait for the server at each step.
TIMEOUT = 30.0

Kind = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class Server:
    """Where mail goes out: ``[smtp]`` with the password found for it."""

    host: str
    port: int
    security: str = "starttls"  # none, starttls or tls
    username: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: sent (``words``: the server's reply), retry later, or
    failed for good (``words``: why, in the server's words)."""

    kind: Kind
    words: str


def _words(code: int | None, message: str) -> str:
    text = " ".join(str(message).split())
    return f"{code} {text}".strip() if code else text


class Connection:
    """One SMTP session reused for many mails; it reconnects after a failure."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client: aiosmtplib.SMTP | None = None

    async def _connect(self) -> aiosmtplib.SMTP:
        server = self.server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            timeout=server.timeout,
        )
        await client.connect()
        if server.username:
            await client.login(server.username, server.password or "")
        return client

    async def close(self) -> None:
        """End the session (politely when the server still listens)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    async def send(self, mail_from: str, recipients: list[str], raw: bytes) -> Outcome:
        """Send one mail; never raises for what the server or the network does."""
        try:
            if self.client is None or not self.client.is_connected:
                self.client = await self._connect()
            errors, reply = await self.client.sendmail(mail_from, recipients, raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self._drop()
            first = exc.recipients[0] if exc.recipients else None
            if first is not None:
                kind: Kind = "retry" if 400 <= first.code < 500 else "failed"
                return Outcome(kind, _words(first.code, first.message))
            return Outcome("failed", "every recipient was refused")
        except aiosmtplib.SMTPAuthenticationError as exc:
            await self._drop()
            return Outcome("retry", _words(exc.code, exc.message))
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop()
            kind = "retry" if 400 <= exc.code < 500 or exc.code < 0 else "failed"
            return Outcome(kind, _words(exc.code if exc.code > 0 else None, exc.message))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            return Outcome(
                "retry", f"connection lost: {' '.join(str(exc).split()) or type(exc).__name__}"
            )
        if errors:
            refused = "; ".join(
                f"{addr}: {_words(r.code, r.message)}" for addr, r in errors.items()
            )
            return Outcome("sent", f"250 {' '.join(reply.split())} (refused {refused})")
        # aiosmtplib hands back the words of the 250 reply that accepted the mail.
        return Outcome("sent", "250 " + " ".join(str(reply).split()))

    async def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
