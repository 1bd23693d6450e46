"""Mail out: 1,000 replies through the outbox to a real SMTP server on a loopback port
(``aiosmtpd``), on SQLite (and PostgreSQL with ``--pg URL``).  Prints how long queueing
the replies took (each is its action's own transaction) and mails sent per second.

    python -m benchmarks.mail_out [--replies N] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.outbox import MailSetup
from console.data.schema import ensure_schema
from console.data.tickets import TicketService
from console.mail.sender import send_outbox
from console.mail.smtp import Server

#: Budget: the outbox must not be the bottleneck of a help desk's mail.
BUDGET_MAILS_PER_SECOND = 50.0


class Sink:
    """Accepts every mail and counts the bytes."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        self.bytes += len(getattr(envelope, "original_content", b"") or b"")
        return "250 2.0.0 Ok"


async def run(url: str, replies: int) -> dict[str, float]:
    db = make_engine(url)
    await ensure_schema(db)
    admin = await resolve_actor(db, login="root")
    directory = Directory(db, admin)
    await directory.add_department("Billing", email="billing@help.example")
    await directory.add_agent("alice", role="agent", team="Billing", departments=["Billing"])
    await directory.add_account("Acme Ltd", amc_expires=date(2099, 1, 1))
    alice = await resolve_actor(db, "alice", login="root")
    setup = MailSetup(configured=True, sender="desk@help.example", domain="help.example")
    service = TicketService(db, alice, mail=setup)
    tickets = [
        (
            await service.create(
                subject=f"Question {i}",
                contact_name=f"Customer {i}",
                contact_email=f"c{i}@acme.example",
                account="Acme Ltd",
                department="Billing",
            )
        ).number
        for i in range(50)
    ]
    started = time.perf_counter()
    for i in range(replies):
        await service.reply(tickets[i % len(tickets)], f"Answer {i}: please try again.\n" * 5)
    queued = time.perf_counter() - started

    sink = Sink()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        started = time.perf_counter()
        report = await send_outbox(db, Server("127.0.0.1", port, "none"), batch=500)
        sending = time.perf_counter() - started
    finally:
        controller.stop()
        await db.dispose()
    assert report.sent == replies == sink.count, (report, sink.count)
    return {
        "replies": replies,
        "queue_ms_per_reply": queued / replies * 1000,
        "mails_per_second": replies / sending,
        "bytes": sink.bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--pg", metavar="URL", help="also on this (empty) PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'mail.db'}")]
        if args.pg:
            targets.append(("PostgreSQL", args.pg))
        for name, url in targets:
            found = asyncio.run(run(url, args.replies))
            verdict = "ok" if found["mails_per_second"] >= BUDGET_MAILS_PER_SECOND else "OVER"
            print(
                f"{name}: {int(found['replies'])} replies queued at "
                f"{found['queue_ms_per_reply']:.1f} ms each; sent at "
                f"{found['mails_per_second']:.0f} mails/s (budget ≥ {BUDGET_MAILS_PER_SECOND:.0f}: "
                f"{verdict}); {found['bytes'] / 1024:.0f} kB received"
            )
    print(f"(run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
