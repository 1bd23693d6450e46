"""Mail in: import 10,000 messages from an mbox into a demo database and print messages per
second on SQLite and PostgreSQL, and the share of the time spent parsing versus storing.

A third of the messages are replies that thread by References only (no In-Reply-To, no
subject tag), a tenth are automatic (out-of-office answers to earlier mail), and one in
twenty new ones carries a 40 KB attachment.  The import runs on a copy of the cached demo
database (SQLite: a file copy; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), so the demo
stays as it was for the other figures.  Budget: at least 200 messages/s on SQLite.
Beyond its first batch an import parses the next batch in a process of its own while it
stores one, so the parse share is of the work done, not of the time waited.

    python -m benchmarks.mail_import [--tickets 100000] [--messages 10000] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import mailbox
import os
import shutil
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.databases import (
    WORKDIR,
    _maintenance,
    pg_demo,
    pg_reachable,
    sqlite_demo,
    sqlite_url,
)
from console.data.db import make_engine
from console.data.mail import MailIntake
from console.mail.importing import Report, import_mail
from console.mail.sources import read

BUDGET_PER_SECOND = 200.0
ATTACHMENT = base64.encodebytes(bytes(range(256)) * 160).decode()  # 40 KB


def message(i: int, kind: str, parent: int | None, start: datetime) -> str:
    """One generated mail: ``new``, ``reply`` (by References only) or ``automatic``."""
    when = format_datetime(start + timedelta(seconds=i))
    lines = [
        f"From: Customer {i % 997} <customer{i % 997}@client{i % 89}.example>",
        "To: Support <support@desk.example>",
        f"Date: {when}",
        f"Message-ID: <bench-{i}@client.example>",
    ]
    if kind == "new":
        lines.append(f"Subject: Problem report {i}: the printer on floor {i % 9} jams")
    elif kind == "reply":
        lines += [
            f"Subject: still broken ({i})",
            f"References: <thread-root-{i}@elsewhere.example> <bench-{parent}@client.example>",
        ]
    else:
        lines += [
            f"Subject: Automatic reply: ticket {parent}",
            f"In-Reply-To: <bench-{parent}@client.example>",
            "Auto-Submitted: auto-replied",
        ]
    body = f"Hello,\n\nmessage {i}: " + "the device keeps failing after the update. " * 6
    if kind == "new" and i % 20 == 0:
        lines += ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="BB"', ""]
        lines += ["--BB", "Content-Type: text/plain; charset=utf-8", "", body, "--BB"]
        lines += [
            "Content-Type: application/octet-stream",
            f'Content-Disposition: attachment; filename="log-{i}.bin"',
            "Content-Transfer-Encoding: base64",
            "",
            ATTACHMENT,
            "--BB--",
        ]
    else:
        lines += ["Content-Type: text/plain; charset=utf-8", "", body]
    return "\n".join(lines) + "\n"


def write_mbox(path: Path, count: int) -> dict[str, int]:
    """The benchmark's mbox; how many of each kind it holds."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    kinds = {"new": 0, "reply": 0, "automatic": 0}
    news: list[int] = []
    path.unlink(missing_ok=True)
    box = mailbox.mbox(path)
    box.lock()
    try:
        for i in range(count):
            slot = i % 30
            if news and slot < 10:  # a third: replies by References
                kind, parent = "reply", news[(i * 7919) % len(news)]
            elif news and slot < 13:  # a tenth: automatic
                kind, parent = "automatic", news[(i * 104729) % len(news)]
            else:
                kind, parent = "new", None
                news.append(i)
            kinds[kind] += 1
            box.add(message(i, kind, parent, start).encode())
        box.flush()
    finally:
        box.unlock()
        box.close()
    return kinds


def fresh_copy(source: Path, copy: Path) -> Path:
    """A copy of the demo to import into (the demo stays as it was)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    # On disk before anything is timed: the kernel writing back gigabytes of the copy
    # would otherwise fall into the figures that follow.
    with copy.open("rb+") as handle:
        os.fsync(handle.fileno())
    return copy


async def timed_import(url: str, mbox: Path) -> tuple[Report, float]:
    db = make_engine(url)
    try:
        intake = MailIntake(db)
        began = time.perf_counter()
        report = await import_mail(intake, read([mbox]), department=None)
        return report, time.perf_counter() - began
    finally:
        await db.dispose()


def line(backend: str, tickets: int, report: Report, seconds: float) -> str:
    rate = report.read / seconds
    work = report.parse_seconds + report.store_seconds
    parse_share = 100 * report.parse_seconds / work if work else 0.0
    verdict = ""
    if backend == "SQLite":
        verdict = "  ok" if rate >= BUDGET_PER_SECOND else "  FAIL"
        verdict = f"  (budget >= {BUDGET_PER_SECOND:.0f}/s){verdict}"
    return (
        f"{backend:<10} {tickets:>9,} tickets: {report.read:,} messages in {seconds:.1f} s = "
        f"{rate:,.0f} messages/s; of the work, parse {parse_share:.0f} % (beside storing) / "
        f"store {100 - parse_share:.0f} %; "
        f"{len(report.created):,} created, {len(report.threaded):,} threaded, "
        f"{len(report.automatic):,} automatic, {len(report.quarantined)} quarantined{verdict}"
    )


async def run(args: argparse.Namespace) -> int:
    work = args.workdir.expanduser().resolve()
    work.mkdir(parents=True, exist_ok=True)
    mbox = work / f"mail-{args.messages}.mbox"
    kinds = write_mbox(mbox, args.messages)
    print(f"mbox: {args.messages:,} messages ({kinds}), {mbox.stat().st_size / 1e6:.1f} MB")
    failed = False
    demo = await sqlite_demo(work, args.tickets)
    copy = fresh_copy(demo.path, work / "mail-import-copy.db")
    report, seconds = await timed_import(sqlite_url(copy), mbox)
    print(line("SQLite", args.tickets, report, seconds))
    failed |= report.read / seconds < BUDGET_PER_SECOND
    if args.pg:
        why = await pg_reachable(args.pg)
        if why:
            print(f"PostgreSQL skipped: {why}")
        else:
            source = await pg_demo(args.pg, args.tickets)
            name = "agent_console_bench_mail_import"
            template = make_url(source.url).database
            await _maintenance(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await _maintenance(args.pg, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            try:
                url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
                report, seconds = await timed_import(url, mbox)
                print(line("PostgreSQL", args.tickets, report, seconds))
            finally:
                await _maintenance(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mail_import")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL maintenance URL")
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
