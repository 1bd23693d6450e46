"""The worker's part that sends the outbox: every queued mail whose time has come, over
one SMTP session, each marked ``sent`` with the server's reply, tried again later with
back-off after a temporary failure, or ``failed`` with the server's words after a
permanent one or ``MAX_TRIES`` tries.

A crash after the server accepted a mail and before its row is marked sends that mail
once more on the next run, with the same Message-ID (the same bytes): never more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console.config import Settings
from console.credentials import find_password
from console.data.db import Database
from console.data.outbox import QUEUED, Outbox
from console.mail.smtp import Connection, Server

#: Tries before a mail that keeps failing for a while is given up.
MAX_TRIES = 8
#: The wait after the first temporary failure; it doubles each time, up to ``MAX_WAIT``.
FIRST_WAIT = timedelta(minutes=1)
MAX_WAIT = timedelta(hours=2)


#: Where the SMTP password comes from first (then the keyring).
ENV_SMTP_PASSWORD = "AGENT_CONSOLE_SMTP_PASSWORD"


def server_for(settings: Settings) -> Server | None:
    """The ``[smtp]`` server with its password (the environment, then the keyring);
    None when the config names none."""
    smtp = settings.smtp
    if smtp is None:
        return None
    password = None
    if smtp.username:
        password = find_password(smtp.password_account(), env=ENV_SMTP_PASSWORD).password
    return Server(smtp.host, smtp.port, smtp.security, smtp.username, password)


def wait_after(tries: int) -> timedelta:
    """How long to wait before the next try, after ``tries`` failed ones."""
    wait: timedelta = FIRST_WAIT * (2 ** max(0, tries - 1))
    return min(MAX_WAIT, wait)


@dataclass
class Report:
    """What one pass did, and what is left queued."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    queued: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "retried": self.retried,
            "queued": self.queued,
        }


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def send_outbox(
    db: Database,
    server: Server,
    *,
    clock: Callable[[], datetime] = _utc_now,
    max_tries: int = MAX_TRIES,
    batch: int = 200,
) -> Report:
    """One pass over the outbox: send what is due, then count what is still queued."""
    outbox = Outbox(db)
    report = Report()
    connection = Connection(server)
    tried: set[int] = set()
    try:
        while True:
            due = [d for d in await outbox.due(clock(), batch) if d.id not in tried]
            if not due:
                break
            for mail in due:
                tried.add(mail.id)
                outcome = await connection.send(mail.mail_from, list(mail.recipients), mail.raw)
                now = clock()
                if outcome.kind == "sent":
                    await outbox.sent(mail.id, outcome.words, now)
                    report.sent += 1
                elif outcome.kind == "failed":
                    await outbox.failed(mail.id, outcome.words)
                    report.failed += 1
                elif mail.tries + 1 >= max_tries:
                    await outbox.failed(
                        mail.id, f"gave up after {mail.tries + 1} tries: {outcome.words}"
                    )
                    report.failed += 1
                else:
                    await outbox.later(mail.id, outcome.words, now + wait_after(mail.tries + 1))
                    report.retried += 1
    finally:
        await connection.close()
    report.queued = (await outbox.counts())[QUEUED]
    return report
